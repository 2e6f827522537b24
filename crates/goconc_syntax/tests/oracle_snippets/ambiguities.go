package ambiguities

import ()

type (
	T1[P *C]      int
	T2[P *C,]     int
	T3 [N * M]int
	T4[P (C)]     int
	T5[P *C | D]  int
	T6[_ any]     struct{ p.T; *q.U; a.B "tag" }
	I interface {
		~int | string
		M()
		p.I
		int
	}
)

type C chan (<-chan int)
type D chan<- chan int
type E <-chan <-chan int
type F func(a, b int, c ...string) (r1, r2 int)
type G func(int, string) func() int
type H struct{}

func f() {
	if x == (H{}) {
	}
	for _, v := range []int{1, 2} {
		_ = v
	}
	switch x := f(); x.(type) {
	}
	_ = (*T).M
	_ = []byte("x")
	_ = x.(interface{ M() })
	_ = g[int](1)
	_ = g[int, string]
	_ = [][]int{{1}, {2}}
	_ = map[[2]int]string{{1, 2}: "a"}
	var y (int)
	_ = y
	x := <-ch
	ch <- <-ch
	f(a,
		b,
	)
	func() {}()
	defer func() { recover() }()
	goto L
L:
}

func g() {
	{
	M:
	}
}

var nums = []any{0X1P+2, 1E6, 0., 1_0.0_1e1_0, 0x_1, '\'', "\\", 0o17, 017, 1i, 0x1.8p1i}
