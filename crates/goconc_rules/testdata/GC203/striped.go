package gc203

import (
	"sort"
	"sync"
	"time"
)

// Elements of a slice each with their own mutex: `timers[i].mu` and
// `timers[j].mu` are different locks, but the analysis does not track the
// index, so their unlocks must not be taken for one lock unlocked twice.

type fakeTimer struct {
	mu   sync.Mutex
	when time.Time
}

type fakeClock struct {
	mu     sync.Mutex
	timers []*fakeTimer
}

func (c *fakeClock) sortTimers() {
	c.mu.Lock()
	defer c.mu.Unlock()
	sort.Slice(c.timers, func(i, j int) bool {
		c.timers[i].mu.Lock()
		c.timers[j].mu.Lock()
		defer c.timers[i].mu.Unlock() // ok: i and j are different elements' locks
		defer c.timers[j].mu.Unlock()
		return c.timers[i].when.Before(c.timers[j].when)
	})
}

// advance forgets the clock's own lock on the early return.
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	if len(c.timers) == 0 {
		return // want `c.mu is not unlocked on this path`
	}
	for _, t := range c.timers {
		t.when = t.when.Add(-d)
	}
	c.mu.Unlock()
}
