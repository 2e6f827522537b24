package gc203

import (
	"sync"
	"testing"
)

// A test that builds a second environment half-way. Each `defer
// env.ctx.Lock.Unlock()` binds the mutex of the environment current when
// the defer runs, so the two deferred unlocks release two mutexes.

type vmContext struct {
	Lock   sync.Mutex
	height uint64
}

type vmEnv struct {
	ctx *vmContext
}

func newVMEnv() *vmEnv {
	return &vmEnv{ctx: &vmContext{}}
}

// ok: each deferred Unlock releases its own environment's mutex.
func TestAdvanceTwoEnvironments(t *testing.T) {
	env := newVMEnv()
	env.ctx.Lock.Lock()
	defer env.ctx.Lock.Unlock()
	env.ctx.height++

	env = newVMEnv()
	env.ctx.Lock.Lock()
	defer env.ctx.Lock.Unlock()
	if env.ctx.height != 0 {
		t.Fatal("second environment starts at genesis")
	}
}

// One environment unlocked by hand and again by the defer.
func TestAdvanceOneEnvironment(t *testing.T) {
	env := newVMEnv()
	env.ctx.Lock.Lock()
	defer env.ctx.Lock.Unlock() // want `Unlock of env.ctx.Lock which is not locked: it was already unlocked`
	env.ctx.height++
	env.ctx.Lock.Unlock()
}
