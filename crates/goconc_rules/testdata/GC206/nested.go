package gc206

import "sync"

// Waiting on a Cond while holding a second lock: Wait releases only the
// Cond's own L, and the second lock stays held while the waiter sleeps.

// dbConnPool counts waiters under statsMu, then waits for a free connection.
// Put takes statsMu before it can signal, so a waiter is never woken.
type dbConnPool struct {
	mu      sync.Mutex
	statsMu sync.Mutex
	cond    *sync.Cond
	free    int
	waits   int
}

func newDBConnPool(n int) *dbConnPool {
	p := &dbConnPool{free: n}
	p.cond = sync.NewCond(&p.mu)
	return p
}

func (p *dbConnPool) Get() {
	p.statsMu.Lock()
	defer p.statsMu.Unlock()
	p.mu.Lock()
	for p.free == 0 {
		p.waits++
		p.cond.Wait() // want `p.cond.Wait while holding p.statsMu: Wait releases only p.mu, and every Signal/Broadcast of p.cond takes p.statsMu first`
	}
	p.free--
	p.mu.Unlock()
}

func (p *dbConnPool) Put() {
	p.statsMu.Lock()
	p.mu.Lock()
	p.free++
	p.mu.Unlock()
	p.statsMu.Unlock()
	p.cond.Signal()
}

// jobQueue fixes it: statsMu is released before waiting.
type jobQueue struct {
	mu      sync.Mutex
	statsMu sync.Mutex
	cond    *sync.Cond
	jobs    []string
	gets    int
}

func newJobQueue() *jobQueue {
	q := &jobQueue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *jobQueue) Get() string {
	q.statsMu.Lock()
	q.gets++
	q.statsMu.Unlock()
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.jobs) == 0 {
		q.cond.Wait()
	}
	j := q.jobs[0]
	q.jobs = q.jobs[1:]
	return j
}

func (q *jobQueue) Put(j string) {
	q.statsMu.Lock()
	q.mu.Lock()
	q.jobs = append(q.jobs, j)
	q.mu.Unlock()
	q.statsMu.Unlock()
	q.cond.Signal()
}

// tokenBucket's waiter holds configMu, but the refiller signals without
// it: the waiter can be woken.
type tokenBucket struct {
	mu       sync.Mutex
	configMu sync.Mutex
	cond     *sync.Cond
	tokens   int
	rate     int
}

func newTokenBucket(rate int) *tokenBucket {
	b := &tokenBucket{rate: rate}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *tokenBucket) Take() {
	b.configMu.Lock()
	defer b.configMu.Unlock()
	b.mu.Lock()
	for b.tokens == 0 {
		b.cond.Wait()
	}
	b.tokens--
	b.mu.Unlock()
}

func (b *tokenBucket) refill() {
	b.mu.Lock()
	b.tokens = b.rate
	b.mu.Unlock()
	b.cond.Broadcast()
}

// cacheView readers hold the view's read lock while waiting; the writer
// that signals also only reads it, so it is not blocked by the waiter.
type cacheView struct {
	mu     sync.Mutex
	viewMu sync.RWMutex
	cond   *sync.Cond
	ready  bool
}

func newCacheView() *cacheView {
	v := &cacheView{}
	v.cond = sync.NewCond(&v.mu)
	return v
}

func (v *cacheView) Await() {
	v.viewMu.RLock()
	defer v.viewMu.RUnlock()
	v.mu.Lock()
	for !v.ready {
		v.cond.Wait()
	}
	v.mu.Unlock()
}

func (v *cacheView) Publish() {
	v.viewMu.RLock()
	v.mu.Lock()
	v.ready = true
	v.mu.Unlock()
	v.viewMu.RUnlock()
	v.cond.Broadcast()
}

// leaseTable: the renewer takes tableMu only on one branch before it
// signals; the other branch signals without it.
type leaseTable struct {
	mu      sync.Mutex
	tableMu sync.Mutex
	cond    *sync.Cond
	leases  map[string]int
	expired bool
}

func newLeaseTable() *leaseTable {
	t := &leaseTable{leases: map[string]int{}}
	t.cond = sync.NewCond(&t.mu)
	return t
}

func (t *leaseTable) WaitExpired() {
	t.tableMu.Lock()
	defer t.tableMu.Unlock()
	t.mu.Lock()
	for !t.expired {
		t.cond.Wait()
	}
	t.mu.Unlock()
}

func (t *leaseTable) expire(key string, compact bool) {
	if compact {
		t.tableMu.Lock()
		delete(t.leases, key)
		t.tableMu.Unlock()
	}
	t.mu.Lock()
	t.expired = true
	t.mu.Unlock()
	t.cond.Broadcast()
}
