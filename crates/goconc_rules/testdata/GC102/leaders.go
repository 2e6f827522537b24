package gc102

import (
	"context"
	"sync"
)

// A request coalescer: the first caller for a key leads the fetch, later
// callers wait on the call's done channel. lead closes it through finish,
// but gives up on its context without finishing: the followers wait
// forever, and so does every later Get of that key, which joins the
// abandoned call.
type inflightCall struct {
	done chan struct{}
	val  []byte
	err  error
}

type fetchCoalescer struct {
	mu    sync.Mutex
	calls map[string]*inflightCall
	fetch func(key string) ([]byte, error)
}

type fetchOutcome struct {
	val []byte
	err error
}

func (c *fetchCoalescer) Get(ctx context.Context, key string) ([]byte, error) {
	c.mu.Lock()
	if cl, ok := c.calls[key]; ok {
		c.mu.Unlock()
		<-cl.done // related "a follower waits here"
		return cl.val, cl.err
	}
	cl := &inflightCall{done: make(chan struct{})}
	c.calls[key] = cl
	c.mu.Unlock()
	return c.lead(ctx, key, cl)
}

func (c *fetchCoalescer) lead(ctx context.Context, key string, cl *inflightCall) ([]byte, error) {
	res := make(chan fetchOutcome, 1)
	go func() {
		v, err := c.fetch(key)
		res <- fetchOutcome{val: v, err: err}
	}()
	select {
	case o := <-res:
		c.finish(key, cl, o) // related "closes cl.done only on this path"
		return o.val, o.err
	case <-ctx.Done():
		return nil, ctx.Err() // want `lead returns here without calling finish, the only code that closes cl.done`
	}
}

func (c *fetchCoalescer) finish(key string, cl *inflightCall, o fetchOutcome) {
	cl.val, cl.err = o.val, o.err
	c.mu.Lock()
	delete(c.calls, key)
	c.mu.Unlock()
	close(cl.done)
}

// Fixed: the leader finishes the call on every way out, with the
// context's error when it gives up.
type lookupCall struct {
	done chan struct{}
	val  []byte
	err  error
}

type lookupCoalescer struct {
	mu    sync.Mutex
	calls map[string]*lookupCall
	fetch func(key string) ([]byte, error)
}

func (c *lookupCoalescer) Get(ctx context.Context, key string) ([]byte, error) {
	c.mu.Lock()
	if cl, ok := c.calls[key]; ok {
		c.mu.Unlock()
		<-cl.done
		return cl.val, cl.err
	}
	cl := &lookupCall{done: make(chan struct{})}
	c.calls[key] = cl
	c.mu.Unlock()
	return c.lead(ctx, key, cl)
}

func (c *lookupCoalescer) lead(ctx context.Context, key string, cl *lookupCall) ([]byte, error) {
	res := make(chan fetchOutcome, 1)
	go func() {
		v, err := c.fetch(key)
		res <- fetchOutcome{val: v, err: err}
	}()
	select {
	case o := <-res:
		c.finish(key, cl, o)
		return o.val, o.err
	case <-ctx.Done():
		c.finish(key, cl, fetchOutcome{err: ctx.Err()})
		return nil, ctx.Err()
	}
}

func (c *lookupCoalescer) finish(key string, cl *lookupCall, o fetchOutcome) {
	cl.val, cl.err = o.val, o.err
	c.mu.Lock()
	delete(c.calls, key)
	c.mu.Unlock()
	close(cl.done)
}

// Fixed: the finisher is deferred, so every return releases the followers.
type resolveCall struct {
	done chan struct{}
	addr string
}

type resolveGroup struct {
	mu    sync.Mutex
	calls map[string]*resolveCall
	dial  func(string) (string, error)
}

func (g *resolveGroup) Resolve(host string) string {
	g.mu.Lock()
	if cl, ok := g.calls[host]; ok {
		g.mu.Unlock()
		<-cl.done
		return cl.addr
	}
	cl := &resolveCall{done: make(chan struct{})}
	g.calls[host] = cl
	g.mu.Unlock()
	g.lead(host, cl)
	return cl.addr
}

func (g *resolveGroup) lead(host string, cl *resolveCall) {
	defer g.release(host, cl)
	addr, err := g.dial(host)
	if err != nil {
		return
	}
	cl.addr = addr
}

func (g *resolveGroup) release(host string, cl *resolveCall) {
	g.mu.Lock()
	delete(g.calls, host)
	g.mu.Unlock()
	close(cl.done)
}
