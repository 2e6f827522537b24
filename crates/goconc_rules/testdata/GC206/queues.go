// Package gc206 holds fixtures for GC206 cond-misuse.
package gc206

import (
	"net"
	"sync"
)

// taskQueue models a blocking work queue whose consumer re-checks the
// predicate with if instead of for: after a Broadcast or a competing
// consumer, Get pops from an empty slice.
type taskQueue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []string
}

func newTaskQueue() *taskQueue {
	q := &taskQueue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// Put appends and wakes one consumer.
func (q *taskQueue) Put(s string) {
	q.mu.Lock()
	q.items = append(q.items, s)
	q.cond.Signal() // ok: Get waits on q.cond
	q.mu.Unlock()
}

// Get waits under if, which is not enough.
func (q *taskQueue) Get() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		q.cond.Wait() // want "Wait is not in a loop"
	}
	s := q.items[0]
	q.items = q.items[1:]
	return s
}

// GetFixed re-checks the predicate in a loop with q.mu held.
func (q *taskQueue) GetFixed() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 {
		q.cond.Wait() // ok: in a for loop with q.mu held
	}
	s := q.items[0]
	q.items = q.items[1:]
	return s
}

// connPool models a connection pool whose checkout waits once for a
// returned connection instead of looping.
type connPool struct {
	mu   sync.Mutex
	cond *sync.Cond
	idle []net.Conn
}

func newConnPool() *connPool {
	p := &connPool{}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// Checkout uses if, so two waiters woken for one conn race for it.
func (p *connPool) Checkout() net.Conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) == 0 {
		p.cond.Wait() // want "Wait is not in a loop"
	}
	c := p.idle[len(p.idle)-1]
	p.idle = p.idle[:len(p.idle)-1]
	return c
}

// CheckoutFixed writes the loop as for { if ... break; Wait }.
func (p *connPool) CheckoutFixed() net.Conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		if len(p.idle) > 0 {
			break
		}
		p.cond.Wait() // ok: inside a for loop that re-checks the predicate
	}
	c := p.idle[len(p.idle)-1]
	p.idle = p.idle[:len(p.idle)-1]
	return c
}

// Checkin returns a connection and wakes every waiter.
func (p *connPool) Checkin(c net.Conn) {
	p.mu.Lock()
	p.idle = append(p.idle, c)
	p.mu.Unlock()
	p.cond.Broadcast() // ok: Checkout waits on p.cond; broadcasting after Unlock is allowed
}

// configVersion models a config holder whose readers wait for "the next
// change" with a bare Wait and no predicate: a change published before the
// Wait starts is missed and the reader sleeps until the following one.
type configVersion struct {
	mu      sync.Mutex
	changed *sync.Cond
	version int
}

func newConfigVersion() *configVersion {
	c := &configVersion{}
	c.changed = sync.NewCond(&c.mu)
	return c
}

// Bump publishes a new version.
func (c *configVersion) Bump() {
	c.mu.Lock()
	c.version++
	c.mu.Unlock()
	c.changed.Broadcast() // ok: NextAfter and AwaitNext wait on c.changed
}

// AwaitNext waits for the next broadcast without any predicate.
func (c *configVersion) AwaitNext() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.changed.Wait() // want "Wait is not in a loop"
	return c.version
}

// NextAfter waits until the version moves past seen.
func (c *configVersion) NextAfter(seen int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.version <= seen {
		c.changed.Wait() // ok: loop on the version predicate with c.mu held
	}
	return c.version
}

// ringBuffer models a bounded buffer with two conditions where Put signals
// the wrong one: nothing ever signals notEmpty, so a consumer waiting on
// it can never be woken.
type ringBuffer struct {
	mu       sync.Mutex
	notEmpty *sync.Cond
	notFull  *sync.Cond
	items    []int
	limit    int
}

func newRingBuffer(limit int) *ringBuffer {
	r := &ringBuffer{limit: limit}
	r.notEmpty = sync.NewCond(&r.mu)
	r.notFull = sync.NewCond(&r.mu)
	return r
}

// Put waits for room and then signals notFull instead of notEmpty.
func (r *ringBuffer) Put(v int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.items) == r.limit {
		r.notFull.Wait() // ok: Take signals notFull
	}
	r.items = append(r.items, v)
	r.notFull.Signal() // ok: Put itself waits on notFull, so a waiter can exist
}

// Take waits on notEmpty, which nothing signals.
func (r *ringBuffer) Take() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.items) == 0 {
		r.notEmpty.Wait() // want "can never wake"
	}
	v := r.items[0]
	r.items = r.items[1:]
	r.notFull.Signal()
	return v
}
