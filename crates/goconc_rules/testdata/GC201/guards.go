package gc201

import (
	"sync"
	"time"
)

// An instrumented mutex: Lock returns a guard whose release closure
// unlocks and records the hold time. The release runs through the guard
// (`defer g.Unlock()`), so after each method returns the lock is free, and
// calling two such methods in a row is fine.
type lockGuard struct {
	release func()
}

func (g lockGuard) Unlock() { g.release() }

type timedMutex struct {
	mu   sync.Mutex
	name string
	held func(name string, d time.Duration)
}

func (o *timedMutex) Lock() lockGuard {
	o.mu.Lock()
	start := time.Now()
	return lockGuard{release: func() {
		o.held(o.name, time.Since(start))
		o.mu.Unlock()
	}}
}

type taskTable struct {
	mu    timedMutex
	tasks map[string]int
}

func (t *taskTable) Register(id string) {
	g := t.mu.Lock()
	defer g.Unlock()
	t.tasks[id] = 0
}

func (t *taskTable) Bump(id string) int {
	g := t.mu.Lock()
	defer g.Unlock()
	t.tasks[id]++
	return t.tasks[id]
}

func (t *taskTable) RegisterAndBump(id string) int {
	t.Register(id)
	return t.Bump(id)
}
