package gc206

import (
	"sync"
)

// parkProbe models a profiler probe that parks one goroutine on a local
// Cond exactly once: the helper signals only after it observed the park,
// so a single Wait without a predicate loop is the intended behaviour.
func parkProbe(observe func()) {
	var mu sync.Mutex
	c := sync.NewCond(&mu)
	mu.Lock()
	go func() {
		observe()
		mu.Lock()
		c.Signal()
		mu.Unlock()
	}()
	c.Wait() // ok: a local one-shot handshake, not a shared condition
	mu.Unlock()
}
