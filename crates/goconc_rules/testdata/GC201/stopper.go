package gc201

import (
	"errors"
	"sync"
)

// Stopper models a service stopper whose Stop path consults the public,
// self-locking IsStopped accessor while it already holds the mutex that
// guards the state. sync.Mutex is not reentrant, so the first Stop call
// blocks on itself forever and every later caller piles up behind it.
type Stopper struct {
	mu      sync.Mutex
	stopped bool
	closers []func()
}

// IsStopped reports whether Stop has run.
func (s *Stopper) IsStopped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopped
}

// AddCloser registers a function to run on Stop.
func (s *Stopper) AddCloser(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closers = append(s.closers, fn)
}

// Stop runs the closers once.
func (s *Stopper) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.IsStopped() { // want "s.mu is already locked"
		return
	}
	s.stopped = true
	for _, fn := range s.closers {
		fn()
	}
}

// SafeStopper is the fixed stopper: inside the critical section the state
// is read through isStoppedLocked, whose contract is "caller holds s.mu",
// and the closers run after the lock is released.
type SafeStopper struct {
	mu      sync.Mutex
	stopped bool
	closers []func()
}

// isStoppedLocked must be called with s.mu held; it never locks.
func (s *SafeStopper) isStoppedLocked() bool {
	return s.stopped
}

// IsStopped reports whether Stop has run.
func (s *SafeStopper) IsStopped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.isStoppedLocked() // ok: isStoppedLocked relies on the caller's lock and never locks s.mu itself
}

// Stop runs the closers once, outside the lock.
func (s *SafeStopper) Stop() {
	s.mu.Lock()
	if s.isStoppedLocked() { // ok: the Locked helper only reads fields under the lock held here
		s.mu.Unlock()
		return
	}
	s.stopped = true
	closers := s.closers
	s.closers = nil
	s.mu.Unlock()
	for _, fn := range closers {
		fn()
	}
}

var errDrainerClosed = errors.New("drainer: already closed")

// Drainer models a request drainer whose Close defers a cleanup method that
// takes the same mutex. Deferred calls run last-in first-out, so the cleanup
// registered after `defer d.mu.Unlock()` runs while d.mu is still held and
// Close never returns.
type Drainer struct {
	mu      sync.Mutex
	pending map[string]chan struct{}
	closed  bool
}

// releaseAll wakes every request still waiting to drain.
func (d *Drainer) releaseAll() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for id, ch := range d.pending {
		close(ch)
		delete(d.pending, id)
	}
}

// Close marks the drainer closed and releases the waiters.
func (d *Drainer) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	defer d.releaseAll() // want "d.mu is already locked"
	if d.closed {
		return errDrainerClosed
	}
	d.closed = true
	return nil
}

// OrderedDrainer is the fixed drainer: the cleanup is deferred before the
// Unlock, so it runs after d.mu has been released.
type OrderedDrainer struct {
	mu      sync.Mutex
	pending map[string]chan struct{}
	closed  bool
}

func (d *OrderedDrainer) releaseAll() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for id, ch := range d.pending {
		close(ch)
		delete(d.pending, id)
	}
}

// Close marks the drainer closed and releases the waiters.
func (d *OrderedDrainer) Close() error {
	defer d.releaseAll() // ok: deferred before the Unlock, so it runs after d.mu is released
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return errDrainerClosed
	}
	d.closed = true
	return nil
}

// Abort unlocks explicitly on every path before returning, so the deferred
// cleanup never runs with d.mu held.
func (d *OrderedDrainer) Abort(reason string) {
	d.mu.Lock()
	defer d.releaseAll() // ok: every return below is preceded by d.mu.Unlock, so releaseAll runs unlocked
	if d.closed {
		d.mu.Unlock()
		return
	}
	d.closed = reason != ""
	d.mu.Unlock()
}

// Flusher models a periodic log flusher that starts the background write
// while holding its lock. The goroutine locks the same mutex, but it is a
// different goroutine: it simply waits until Trigger returns.
type Flusher struct {
	mu      sync.Mutex
	buf     []string
	out     func([]string)
	running bool
}

func (f *Flusher) flush() {
	f.mu.Lock()
	batch := f.buf
	f.buf = nil
	f.running = false
	f.mu.Unlock()
	f.out(batch)
}

// Trigger starts at most one background flush.
func (f *Flusher) Trigger() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.running {
		return
	}
	f.running = true
	go f.flush() // ok: flush runs in a new goroutine that waits for Trigger to release f.mu
}

// Append adds a line and flushes asynchronously when the buffer is full.
func (f *Flusher) Append(line string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.buf = append(f.buf, line)
	if len(f.buf) < 512 || f.running {
		return
	}
	f.running = true
	go func() {
		f.mu.Lock() // ok: this Lock runs in the spawned goroutine, not in the one holding f.mu
		batch := f.buf
		f.buf = nil
		f.running = false
		f.mu.Unlock()
		f.out(batch)
	}()
}

type fakeConn struct {
	addr string
	sent int
}

func (c *fakeConn) send(req string) string {
	c.sent++
	return c.addr + ":" + req
}

// LazyClient models a lazily dialled RPC client: the Once-guarded dial takes
// the client mutex, and Call invokes Do while already holding that mutex.
// Once runs the function synchronously in the first caller, so that caller
// re-locks c.mu and hangs; every other caller then waits inside Do.
type LazyClient struct {
	mu    sync.Mutex
	once  sync.Once
	conn  *fakeConn
	addr  string
	calls int
}

func (c *LazyClient) dial() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conn = &fakeConn{addr: c.addr}
}

// Call sends one request.
func (c *LazyClient) Call(req string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	c.once.Do(c.dial) // want "c.mu is already locked"
	return c.conn.send(req)
}

// EagerClient is the fixed client: Do runs before the mutex is taken.
type EagerClient struct {
	mu    sync.Mutex
	once  sync.Once
	conn  *fakeConn
	addr  string
	calls int
}

func (c *EagerClient) dial() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conn = &fakeConn{addr: c.addr}
}

// Call sends one request.
func (c *EagerClient) Call(req string) string {
	c.once.Do(c.dial) // ok: c.mu is not held yet; dial takes and releases it
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	return c.conn.send(req)
}

// LazyResolver guards its lazy table load with a separate init mutex, so the
// Once function called under r.mu locks something different.
type LazyResolver struct {
	mu     sync.Mutex
	initMu sync.Mutex
	once   sync.Once
	table  map[string]string
	hits   int
}

func (r *LazyResolver) load() {
	r.initMu.Lock()
	defer r.initMu.Unlock()
	r.table = map[string]string{"localhost": "127.0.0.1"}
}

// Resolve returns the address for name.
func (r *LazyResolver) Resolve(name string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hits++
	r.once.Do(r.load) // ok: load takes r.initMu, not the r.mu held here
	return r.table[name]
}

// LeasePool releases expired leases with a defer inside its sweep loop.
// Those defers were registered after `defer p.mu.Unlock()`, so they run
// first, while p.mu is still held, and release locks it again.
type LeasePool struct {
	mu      sync.Mutex
	leases  map[string]int64
	revoked int
}

func (p *LeasePool) release(id string) {
	p.mu.Lock()
	delete(p.leases, id)
	p.revoked++
	p.mu.Unlock()
}

func (p *LeasePool) Sweep(now int64) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	expired := 0
	for id, deadline := range p.leases {
		if deadline < now {
			defer p.release(id) // want "p.mu is already locked when this deferred call runs"
			expired++
		}
	}
	return expired
}

// SweepCollected collects the expired ids and releases them after the
// lock is dropped.
func (p *LeasePool) SweepCollected(now int64) int {
	var expired []string
	p.mu.Lock()
	for id, deadline := range p.leases {
		if deadline < now {
			expired = append(expired, id)
		}
	}
	p.mu.Unlock()
	for _, id := range expired {
		p.release(id)
	}
	return len(expired)
}

// Reset may defer a release before it takes the lock: the deferred call
// runs after the deferred Unlock.
func (p *LeasePool) Reset(id string, drop bool) {
	if drop {
		defer p.release(id) // ok: registered before `defer p.mu.Unlock()`, so it runs after it
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.leases[id] = 0
}
