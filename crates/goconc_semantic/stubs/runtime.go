// Embedded model of the parts of package runtime goconc reasons about.
package runtime

func Goexit()              {}
func Gosched()             {}
func NumGoroutine() int    { return 0 }
func GOMAXPROCS(n int) int { return 0 }
func GC()                  {}
