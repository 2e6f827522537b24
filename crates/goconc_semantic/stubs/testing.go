// Embedded model of package testing.
package testing

type TB interface {
	Error(args ...any)
	Errorf(format string, args ...any)
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	FailNow()
	Skip(args ...any)
	Skipf(format string, args ...any)
	SkipNow()
	Helper()
	Cleanup(f func())
	Log(args ...any)
	Logf(format string, args ...any)
}

type common struct{ failed bool }

func (c *common) Error(args ...any)                 {}
func (c *common) Errorf(format string, args ...any) {}
func (c *common) Fatal(args ...any)                 {}
func (c *common) Fatalf(format string, args ...any) {}
func (c *common) FailNow()                          {}
func (c *common) Fail()                             {}
func (c *common) Skip(args ...any)                  {}
func (c *common) Skipf(format string, args ...any)  {}
func (c *common) SkipNow()                          {}
func (c *common) Helper()                           {}
func (c *common) Cleanup(f func())                  {}
func (c *common) Log(args ...any)                   {}
func (c *common) Logf(format string, args ...any)   {}

type T struct {
	common
}

func (t *T) Run(name string, f func(t *T)) bool { return false }
func (t *T) Parallel()                          {}

type B struct {
	common
	N int
}

func (b *B) Run(name string, f func(b *B)) bool { return false }
func (b *B) ResetTimer()                        {}
func (b *B) Loop() bool                         { return false }

type M struct{}

func (m *M) Run() int { return 0 }
