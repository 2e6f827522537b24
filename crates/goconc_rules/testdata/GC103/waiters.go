package gc103

import (
	"context"
	"sync"
	"time"
)

// A request coalescer: concurrent loads of one key share a single fetch.
// Each caller registers a reply channel and the fetcher answers all of
// them. Every reply channel has room for its one answer, so the fan-out
// loop cannot block on a caller that gave up.
type coalescedReply struct {
	val []byte
	err error
}

type coalescedCall struct {
	waiters []chan coalescedReply
}

type keyCoalescer struct {
	mu      sync.Mutex
	calls   map[string]*coalescedCall
	load    func(ctx context.Context, key string) ([]byte, error)
	timeout time.Duration
}

func (c *keyCoalescer) Get(ctx context.Context, key string) ([]byte, error) {
	reply := make(chan coalescedReply, 1)
	c.mu.Lock()
	call, inFlight := c.calls[key]
	if inFlight {
		call.waiters = append(call.waiters, reply)
	} else {
		call = &coalescedCall{waiters: []chan coalescedReply{reply}}
		c.calls[key] = call
	}
	c.mu.Unlock()
	if !inFlight {
		go c.fetch(key, call)
	}
	select {
	case r := <-reply:
		return r.val, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *keyCoalescer) fetch(key string, call *coalescedCall) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	val, err := c.load(ctx, key)
	c.mu.Lock()
	delete(c.calls, key)
	waiters := call.waiters
	c.mu.Unlock()
	for _, w := range waiters {
		w <- coalescedReply{val: val, err: err} // ok: each waiter's channel has room for its one reply
	}
}

// The same coalescer with unbuffered reply channels: a caller that left on
// ctx.Done() never receives, and the fetcher blocks on its send for good.
type unbufferedCall struct {
	waiters []chan coalescedReply
}

type unbufferedCoalescer struct {
	mu      sync.Mutex
	calls   map[string]*unbufferedCall
	load    func(ctx context.Context, key string) ([]byte, error)
	timeout time.Duration
}

func (c *unbufferedCoalescer) Get(ctx context.Context, key string) ([]byte, error) {
	reply := make(chan coalescedReply)
	c.mu.Lock()
	call, inFlight := c.calls[key]
	if inFlight {
		call.waiters = append(call.waiters, reply)
	} else {
		call = &unbufferedCall{waiters: []chan coalescedReply{reply}}
		c.calls[key] = call
	}
	c.mu.Unlock()
	if !inFlight {
		go c.fetch(key, call)
	}
	select {
	case r := <-reply:
		return r.val, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *unbufferedCoalescer) fetch(key string, call *unbufferedCall) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	val, err := c.load(ctx, key)
	c.mu.Lock()
	delete(c.calls, key)
	waiters := call.waiters
	c.mu.Unlock()
	for _, w := range waiters {
		w <- coalescedReply{val: val, err: err} // want "send to w in a loop has no case <-ctx.Done\(\)"
	}
}
