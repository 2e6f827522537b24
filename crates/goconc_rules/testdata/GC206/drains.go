package gc206

import (
	"errors"
	"sync"
)

var errDrainingTracker = errors.New("tracker is draining")

// connTracker counts in-flight requests and lets Drain wait for the last
// one. Release broadcasts when the count reaches zero, but the drain loop
// waits for a drained flag nothing ever sets.
type connTracker struct {
	mu       sync.Mutex
	cond     *sync.Cond
	inflight int
	draining bool
	drained  bool
}

func newConnTracker() *connTracker {
	t := &connTracker{}
	t.cond = sync.NewCond(&t.mu)
	return t
}

func (t *connTracker) Acquire() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.draining {
		return errDrainingTracker
	}
	t.inflight++
	return nil
}

func (t *connTracker) Release() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.inflight--
	if t.draining && t.inflight == 0 {
		t.cond.Broadcast() // related "this wake-up finds drained still false"
	}
}

func (t *connTracker) Drain() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.draining = true
	for !t.drained {
		t.cond.Wait() // want "Drain waits in a t.cond.Wait loop until drained is set, but nothing in the package ever sets it"
	}
}

// streamTracker waits for the count itself, and for a closed flag only
// next to it: the loop ends when the streams are gone.
type streamTracker struct {
	mu      sync.Mutex
	cond    *sync.Cond
	streams int
	stopped bool
}

func newStreamTracker() *streamTracker {
	t := &streamTracker{}
	t.cond = sync.NewCond(&t.mu)
	return t
}

func (t *streamTracker) Done() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.streams--
	if t.streams == 0 {
		t.cond.Broadcast()
	}
}

func (t *streamTracker) Add() {
	t.mu.Lock()
	t.streams++
	t.mu.Unlock()
}

func (t *streamTracker) Wait() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for t.streams > 0 && !t.stopped {
		t.cond.Wait() // ok: the loop also ends when streams reaches zero
	}
}

// flushTracker sets its flag where the flush completes.
type flushTracker struct {
	mu      sync.Mutex
	cond    *sync.Cond
	flushed bool
}

func newFlushTracker() *flushTracker {
	t := &flushTracker{}
	t.cond = sync.NewCond(&t.mu)
	return t
}

func (t *flushTracker) markFlushed() {
	t.mu.Lock()
	t.flushed = true
	t.mu.Unlock()
	t.cond.Broadcast()
}

func (t *flushTracker) WaitFlushed() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for !t.flushed {
		t.cond.Wait() // ok: markFlushed sets the flag and broadcasts
	}
}
