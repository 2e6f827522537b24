package statements

func f(ch chan<- <-chan int, xs ...int) (n int, err error) {
	var (
		a, b = 1, 2
		c    int
	)
	const (
		k0 = iota
		k1
	)
	a += b; c++
	if x := a; x > 0 {
		goto L
	} else if y := b; y < 0 {
	} else {
	}
L:
	switch a := a.(type) {
	case int, string:
		fallthrough
	default:
	}
	switch {
	case a > b:
		break
	}
	select {
	case v, ok := <-make(chan int):
		_, _ = v, ok
	case ch <- nil:
	default:
	}
	for i := 0; i < 10; i++ {
		continue
	}
	for range 3 {
	}
	for k, v := range xs {
		_, _ = k, v
	}
	for a < b {
	}
	for {
		break
	}
	go func() {}()
	defer recover()
	;;
	{
	}
Done:
	return len(xs[1:2:3]), nil
}
