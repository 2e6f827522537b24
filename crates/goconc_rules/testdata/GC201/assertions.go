package gc201

import (
	"errors"
	"sync"
)

// assertHeld panics when the caller forgot to lock: it probes the mutex
// with TryLock, which fails at once (without waiting) while it is held.
func assertHeld(mu *sync.Mutex) {
	if mu.TryLock() {
		mu.Unlock()
		panic("mutex is not locked")
	}
}

// resolverTable is a DNS resolver configuration guarded by mu. Its
// ...Locked helpers check their contract with assertHeld.
type resolverTable struct {
	mu        sync.Mutex
	upstreams []string
	search    []string
}

var errNoUpstreams = errors.New("no upstreams")

func (t *resolverTable) setLocked(upstreams, search []string) error {
	assertHeld(&t.mu)
	if len(upstreams) == 0 {
		return errNoUpstreams
	}
	t.upstreams = append(t.upstreams[:0], upstreams...)
	t.search = append(t.search[:0], search...)
	return nil
}

// Set holds t.mu as setLocked requires; the TryLock probe cannot block.
func (t *resolverTable) Set(upstreams, search []string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.setLocked(upstreams, search) // ok: assertHeld only probes t.mu with TryLock
}

// recompileLocked waits for t.mu when the probe finds it free, and
// Recompile already holds it.
func (t *resolverTable) recompileLocked() {
	if t.mu.TryLock() {
		t.mu.Unlock()
	}
	t.mu.Lock()
	t.search = t.search[:len(t.search):len(t.search)]
	t.mu.Unlock()
}

func (t *resolverTable) Recompile() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.recompileLocked() // want `t.mu is already locked`
}
