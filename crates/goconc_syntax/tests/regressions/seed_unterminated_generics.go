package p
func f() { x := <-chan<- <-chan int(nil); type T[P *C,] struct{}; 