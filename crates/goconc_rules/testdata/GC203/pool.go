package gc203

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

type conn struct {
	addr string
	used time.Time
}

// ConnPool models a connection pool whose empty-pool branch unlocks in order
// to dial outside the lock but then falls through to the common exit, which
// unlocks again: "fatal error: sync: unlock of unlocked mutex".
type ConnPool struct {
	mu   sync.Mutex
	idle []*conn
	addr string
	dial func(addr string) (*conn, error)
}

// Get returns an idle connection or dials a new one.
func (p *ConnPool) Get() (*conn, error) {
	var c *conn
	var err error
	p.mu.Lock()
	if len(p.idle) == 0 {
		p.mu.Unlock()
		c, err = p.dial(p.addr)
	} else {
		c = p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
	}
	p.mu.Unlock() // want "Unlock of p.mu which is not locked"
	return c, err
}

// SafeConnPool is the fixed pool: the lock is released in both branches of
// the if and never again afterwards.
type SafeConnPool struct {
	mu     sync.Mutex
	idle   []*conn
	broken int
	addr   string
	dial   func(addr string) (*conn, error)
}

// Get returns an idle connection or dials a new one.
func (p *SafeConnPool) Get() (*conn, error) {
	p.mu.Lock()
	if len(p.idle) == 0 {
		p.mu.Unlock() // ok: released once on this branch, dial runs unlocked
		return p.dial(p.addr)
	}
	c := p.idle[len(p.idle)-1]
	p.idle = p.idle[:len(p.idle)-1]
	p.mu.Unlock() // ok: the only release on the idle path
	return c, nil
}

// Put returns c to the pool, locking and unlocking in both branches.
func (p *SafeConnPool) Put(c *conn, broken bool) {
	if broken {
		p.mu.Lock()
		p.broken++
		p.mu.Unlock() // ok: locked at the top of this branch
	} else {
		p.mu.Lock()
		c.used = time.Now()
		p.idle = append(p.idle, c)
		p.mu.Unlock() // ok: locked at the top of this branch
	}
}

// Snapshotter models a metrics snapshotter that only locks when the store
// is writable, but unlocks unconditionally: on a read-only store the Unlock
// runs on a mutex that was never locked.
type Snapshotter struct {
	mu       sync.Mutex
	readOnly bool
	samples  []float64
}

// Snapshot copies the current samples.
func (s *Snapshotter) Snapshot() []float64 {
	if !s.readOnly {
		s.mu.Lock()
	}
	out := append([]float64(nil), s.samples...)
	s.mu.Unlock() // want "Unlock of s.mu which is not locked"
	return out
}

// SafeSnapshotter is the fixed snapshotter: read-only stores take no lock
// and return before the locked path.
type SafeSnapshotter struct {
	mu       sync.Mutex
	readOnly bool
	samples  []float64
}

// Snapshot copies the current samples.
func (s *SafeSnapshotter) Snapshot() []float64 {
	if s.readOnly {
		return append([]float64(nil), s.samples...)
	}
	s.mu.Lock()
	out := append([]float64(nil), s.samples...)
	s.mu.Unlock() // ok: locked just above on the only path that reaches here
	return out
}

// Lease is a renewable lock lease.
type Lease struct {
	ID      string
	Expires time.Time
}

// LeaseKeeper models a lease renewer that defers the Unlock and also
// unlocks early to call the slow remote store, so the deferred Unlock runs
// on an already unlocked mutex when the function returns.
type LeaseKeeper struct {
	mu     sync.Mutex
	leases map[string]Lease
	remote func(ctx context.Context, l Lease) error
}

// Renew extends the lease id by ttl.
func (k *LeaseKeeper) Renew(ctx context.Context, id string, ttl time.Duration) error {
	k.mu.Lock()
	defer k.mu.Unlock() // want "Unlock of k.mu which is not locked"
	l, ok := k.leases[id]
	if !ok {
		return errors.New("no such lease")
	}
	l.Expires = time.Now().Add(ttl)
	k.mu.Unlock()
	return k.remote(ctx, l)
}

// SafeLeaseKeeper is the fixed renewer: it reads the lease under the lock
// and calls the remote store after an explicit unlock, with no defer.
type SafeLeaseKeeper struct {
	mu     sync.Mutex
	leases map[string]Lease
	remote func(ctx context.Context, l Lease) error
}

// Renew extends the lease id by ttl.
func (k *SafeLeaseKeeper) Renew(ctx context.Context, id string, ttl time.Duration) error {
	k.mu.Lock()
	l, ok := k.leases[id]
	if !ok {
		k.mu.Unlock()
		return errors.New("no such lease") // ok: unlocked just above
	}
	l.Expires = time.Now().Add(ttl)
	k.mu.Unlock()
	return k.remote(ctx, l)
}

// JobBoard models a job board that releases the lock through an unlock
// helper in the cancel branch and then unlocks directly again at the end.
type JobBoard struct {
	mu      sync.Mutex
	jobs    map[string]string
	cancels int
}

func (b *JobBoard) unlock() { b.mu.Unlock() }

// Finish records the outcome of job id.
func (b *JobBoard) Finish(id string, cancelled bool) {
	b.mu.Lock()
	if cancelled {
		b.cancels++
		b.unlock()
	}
	delete(b.jobs, id)
	b.mu.Unlock() // want "Unlock of b.mu which is not locked"
}

// Limiter models a concurrency limiter that skips work when another
// goroutine already holds the lock.
type Limiter struct {
	mu       sync.Mutex
	inflight int
}

// TryRun runs fn unless another run is in progress.
func (l *Limiter) TryRun(fn func()) bool {
	if !l.mu.TryLock() {
		return false // ok: TryLock failed, so l.mu is not held on this path
	}
	defer l.mu.Unlock()
	l.inflight++
	fn()
	l.inflight--
	return true
}

// TokenBucket models a rate limiter whose refillLocked is called with the
// lock held, drops it around the slow clock read, and re-takes it before
// returning: it is entered and left with the lock held.
type TokenBucket struct {
	mu     sync.Mutex
	tokens int
	last   time.Time
	now    func() time.Time
}

// refillLocked must be called with b.mu held; it returns with b.mu held.
func (b *TokenBucket) refillLocked() {
	b.mu.Unlock() // ok: the caller holds b.mu by contract
	now := b.now()
	b.mu.Lock() // ok: re-acquired for the caller, which releases it
	if now.Sub(b.last) >= time.Second {
		b.tokens = 10
		b.last = now
	}
}

// Take consumes one token if available.
func (b *TokenBucket) Take() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refillLocked()
	if b.tokens == 0 {
		return false
	}
	b.tokens--
	return true
}

// WaitQueue models a waiter queue whose unlockAndWake is called with the
// lock held and releases it before waking the waiters.
type WaitQueue struct {
	mu      sync.Mutex
	waiters []chan struct{}
}

// unlockAndWake must be called with q.mu held; it releases q.mu.
func (q *WaitQueue) unlockAndWake() {
	ws := q.waiters
	q.waiters = nil
	q.mu.Unlock() // ok: the caller holds q.mu by contract
	for _, w := range ws {
		close(w)
	}
}

// Broadcast wakes every waiter.
func (q *WaitQueue) Broadcast() {
	q.mu.Lock()
	q.unlockAndWake()
}

// Wait registers a waiter and returns its channel.
func (q *WaitQueue) Wait() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	w := make(chan struct{})
	q.waiters = append(q.waiters, w)
	return w
}

// KeyedMutex models a per-key lock service whose Acquire returns with the
// key's mutex held and hands the release function to the caller.
type KeyedMutex struct {
	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

// Acquire locks key and returns the function that unlocks it.
func (k *KeyedMutex) Acquire(key string) (release func()) {
	k.mu.Lock()
	l, ok := k.locks[key]
	if !ok {
		l = &sync.Mutex{}
		k.locks[key] = l
	}
	k.mu.Unlock()
	l.Lock()
	return func() { l.Unlock() } // ok: ownership of l passes to the caller through release
}

// Crawler models a fan-out with errgroup where every task records its
// result under a deferred unlock, and a Once-guarded init that locks and
// unlocks its own mutex.
type Crawler struct {
	mu      sync.Mutex
	initMu  sync.Mutex
	once    sync.Once
	seen    map[string]int
	fetch   func(ctx context.Context, url string) (int, error)
	started time.Time
}

func (c *Crawler) init() {
	c.initMu.Lock()
	c.started = time.Now()
	c.initMu.Unlock()
}

// Crawl fetches every url concurrently.
func (c *Crawler) Crawl(ctx context.Context, urls []string) error {
	c.once.Do(c.init)
	g, ctx := errgroup.WithContext(ctx)
	for _, u := range urls {
		g.Go(func() error {
			n, err := c.fetch(ctx, u)
			c.mu.Lock()
			defer c.mu.Unlock()
			if err != nil {
				return err // ok: the deferred Unlock releases c.mu
			}
			c.seen[u] = n
			return nil
		})
	}
	return g.Wait()
}

// Membership models an early-exit path that unlocks before returning and a
// common path that unlocks at the end.
type Membership struct {
	mu      sync.Mutex
	members map[string]time.Time
}

// Heartbeat refreshes id; unknown members are rejected.
func (m *Membership) Heartbeat(id string) error {
	m.mu.Lock()
	if _, ok := m.members[id]; !ok {
		m.mu.Unlock()
		return errors.New("unknown member") // ok: unlocked just above
	}
	m.members[id] = time.Now()
	m.mu.Unlock()
	return nil
}
