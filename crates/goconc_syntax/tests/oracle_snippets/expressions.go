package expressions

var (
	a = []int{1, 2, 3: 4}
	b = map[string][]struct{ x int }{"k": {{1}}, "j": nil}
	c = [...]float64{1e3, .5, 0x1p-2, 1_000, 0o7, 0b1, 2i}
	d = 'a' + '\n' + '\x00' + '\u1234'
	e = "s\t\"" + `raw
string`
	f = func(x int) int { return -x * +x / ^x % 3 &^ 1 << 2 >> 1 }
	g = (*int)(nil)
	h = !true && false || 1 != 2 && 3 <= 4 && 5 >= 6 && 7 < 8 && 9 > 10 == false
	i = <-make(chan int)
	j = x.y.z[1].w(1, 2, c...)
	k = interface{ M(int) (string, error) }(nil)
	l = &struct{}{}
	m chan<- func() (int, string)
	n = [2][]map[int]chan int{}
	o = a[:]
	p = a[1:]
	q = a[:2]
)
