package gc101

import (
	"context"
	"sync"
	"time"
)

// A request coalescer: concurrent fetches of one key share a single backend
// call. Each caller registers a reply channel and waits for it or for its
// context. The channels are unbuffered, so the leader's answer to a caller
// that already left on ctx.Done() blocks the leader forever, and with it
// every later waiter of that key.
type fetchReply struct {
	val []byte
	err error
}

type inflightFetch struct {
	waiters []chan fetchReply
}

type fetchCoalescer struct {
	mu    sync.Mutex
	calls map[string]*inflightFetch
	fetch func(ctx context.Context, key string) ([]byte, error)
}

func (c *fetchCoalescer) Do(ctx context.Context, key string) ([]byte, error) {
	ch := make(chan fetchReply)
	c.mu.Lock()
	if call, ok := c.calls[key]; ok {
		call.waiters = append(call.waiters, ch) // related "registered here, unbuffered"
		c.mu.Unlock()
	} else {
		call = &inflightFetch{waiters: []chan fetchReply{ch}}
		c.calls[key] = call
		c.mu.Unlock()
		go c.lead(key, call)
	}
	select {
	case r := <-ch:
		return r.val, r.err
	case <-ctx.Done(): // related "the waiter stops listening here"
		return nil, ctx.Err()
	}
}

func (c *fetchCoalescer) lead(key string, call *inflightFetch) {
	val, err := c.fetch(context.Background(), key)
	c.mu.Lock()
	delete(c.calls, key)
	waiters := call.waiters
	c.mu.Unlock()
	for _, w := range waiters {
		w <- fetchReply{val: val, err: err} // want "send to w blocks forever once that waiter has given up: Do registers an unbuffered channel in waiters"
	}
}

// A config hub that wakes every watcher on a new revision. Watchers give
// up after a timeout without unregistering.
type revisionHub struct {
	mu       sync.Mutex
	rev      int64
	watchers []chan int64
}

func (h *revisionHub) WaitNewer(than int64, timeout time.Duration) (int64, bool) {
	ch := make(chan int64)
	h.mu.Lock()
	if h.rev > than {
		rev := h.rev
		h.mu.Unlock()
		return rev, true
	}
	h.watchers = append(h.watchers, ch)
	h.mu.Unlock()
	select {
	case rev := <-ch:
		return rev, true
	case <-time.After(timeout):
		return 0, false
	}
}

func (h *revisionHub) Publish(rev int64) {
	h.mu.Lock()
	h.rev = rev
	watchers := h.watchers
	h.watchers = nil
	h.mu.Unlock()
	for _, w := range watchers {
		w <- rev // want "send to w blocks forever once that waiter has given up: WaitNewer registers an unbuffered channel in watchers"
	}
}

// The fixed coalescer gives each waiter a slot for its one reply.
type bufferedFetch struct {
	waiters []chan fetchReply
}

type bufferedCoalescer struct {
	mu    sync.Mutex
	calls map[string]*bufferedFetch
	fetch func(ctx context.Context, key string) ([]byte, error)
}

func (c *bufferedCoalescer) Do(ctx context.Context, key string) ([]byte, error) {
	ch := make(chan fetchReply, 1)
	c.mu.Lock()
	call, ok := c.calls[key]
	if ok {
		call.waiters = append(call.waiters, ch)
	} else {
		call = &bufferedFetch{waiters: []chan fetchReply{ch}}
		c.calls[key] = call
	}
	c.mu.Unlock()
	if !ok {
		go c.lead(key, call)
	}
	select {
	case r := <-ch:
		return r.val, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *bufferedCoalescer) lead(key string, call *bufferedFetch) {
	val, err := c.fetch(context.Background(), key)
	c.mu.Lock()
	delete(c.calls, key)
	waiters := call.waiters
	c.mu.Unlock()
	for _, w := range waiters {
		w <- fetchReply{val: val, err: err} // ok: each waiter's channel has room for its one reply
	}
}

// Waiters that never give up: an unbuffered reply is always received.
type patientHub struct {
	mu       sync.Mutex
	watchers []chan int64
}

func (h *patientHub) Wait() int64 {
	ch := make(chan int64)
	h.mu.Lock()
	h.watchers = append(h.watchers, ch)
	h.mu.Unlock()
	return <-ch
}

func (h *patientHub) Publish(rev int64) {
	h.mu.Lock()
	watchers := h.watchers
	h.watchers = nil
	h.mu.Unlock()
	for _, w := range watchers {
		w <- rev // ok: every registered waiter blocks in a plain receive until its reply
	}
}
