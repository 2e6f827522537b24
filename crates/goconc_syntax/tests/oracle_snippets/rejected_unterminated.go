package p

var s = "unterminated
