package gc201

import (
	"sync"
	"testing"
)

// Tests that rebuild their environment half-way: the second Lock is on the
// new environment's mutex, not the one still held.

type chainContext struct {
	Lock sync.RWMutex
	tip  uint64
}

type testEnv struct {
	ctx *chainContext
}

func newTestEnv() *testEnv {
	return &testEnv{ctx: &chainContext{}}
}

// ok: env is a new environment by the second Lock.
func TestAdvanceTimeTwice(t *testing.T) {
	env := newTestEnv()
	env.ctx.Lock.Lock()
	defer env.ctx.Lock.Unlock()
	env.ctx.tip++

	env = newTestEnv()
	env.ctx.Lock.Lock()
	defer env.ctx.Lock.Unlock()
	if env.ctx.tip != 0 {
		t.Fatal("new environment should start at genesis")
	}
}

// The environment is only modified in between: the same mutex twice.
func TestAdvanceTimeSameEnv(t *testing.T) {
	env := newTestEnv()
	env.ctx.Lock.Lock()
	defer env.ctx.Lock.Unlock()
	env.ctx.tip++

	env.ctx.Lock.Lock() // want `env.ctx.Lock is already locked`
	defer env.ctx.Lock.Unlock()
}
