package p
/*line :0:0*/ var x = 0x1.p-2i + 08i + 1__2 + '\400'
//line f.go:99999999999999999999999
