package gc204

import "sync"

// A connection tracker drained on shutdown. Drain waits for the idle
// signal while holding t.mu; the signal is closed by markIdle, an
// idempotent-close helper that release calls with t.mu held. The last
// release can never take the lock, so the idle channel is never closed.
type connTracker struct {
	mu       sync.Mutex
	active   map[int]struct{}
	draining bool
	idle     chan struct{}
}

func newConnTracker() *connTracker {
	return &connTracker{active: make(map[int]struct{}), idle: make(chan struct{})}
}

func (t *connTracker) acquire(id int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.draining {
		return false
	}
	t.active[id] = struct{}{}
	return true
}

func (t *connTracker) release(id int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.active, id)
	if t.draining && len(t.active) == 0 {
		t.markIdle()
	}
}

func (t *connTracker) markIdle() {
	select {
	case <-t.idle:
	default:
		close(t.idle)
	}
}

func (t *connTracker) Drain() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.draining = true
	if len(t.active) > 0 {
		<-t.idle // want `blocking receive from t.idle while holding t.mu`
	}
}

// Fixed: Drain decides under the lock, then waits without it.
type streamTracker struct {
	mu       sync.Mutex
	open     map[int]struct{}
	draining bool
	idle     chan struct{}
}

func (t *streamTracker) add(id int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.draining {
		return false
	}
	t.open[id] = struct{}{}
	return true
}

func (t *streamTracker) remove(id int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.open, id)
	if t.draining && len(t.open) == 0 {
		t.signalIdle()
	}
}

func (t *streamTracker) signalIdle() {
	select {
	case <-t.idle:
	default:
		close(t.idle)
	}
}

func (t *streamTracker) Drain() {
	t.mu.Lock()
	t.draining = true
	wait := len(t.open) > 0
	t.mu.Unlock()
	if wait {
		<-t.idle
	}
}
