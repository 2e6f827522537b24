package gc202

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// Engine models a storage engine with three internal locks that ended up in
// a three-way cycle: writes go cache -> index, reindexing goes index -> WAL,
// and checkpoints go WAL -> cache. Any three concurrent callers can each
// hold one lock and wait for the next.
type Engine struct {
	cacheMu sync.Mutex
	indexMu sync.Mutex
	walMu   sync.Mutex
	cache   map[string][]byte
	index   map[string]int64
	wal     []string
}

// Put caches the value and records its index position.
func (e *Engine) Put(key string, value []byte) {
	e.cacheMu.Lock()
	defer e.cacheMu.Unlock()
	e.cache[key] = value
	e.indexMu.Lock() // want "lock order inversion: acquires e.indexMu while holding e.cacheMu"
	e.index[key] = int64(len(e.cache))
	e.indexMu.Unlock()
}

// Reindex logs every index entry.
func (e *Engine) Reindex() {
	e.indexMu.Lock()
	defer e.indexMu.Unlock()
	e.walMu.Lock() // related "acquires e.walMu while holding e.indexMu"
	for k := range e.index {
		e.wal = append(e.wal, "reindex "+k)
	}
	e.walMu.Unlock()
}

// Checkpoint truncates the WAL once the cache is persisted.
func (e *Engine) Checkpoint() {
	e.walMu.Lock()
	defer e.walMu.Unlock()
	e.cacheMu.Lock() // related "acquires e.cacheMu while holding e.walMu"
	clear(e.cache)
	e.cacheMu.Unlock()
	e.wal = e.wal[:0]
}

// Elector models a leader-election client with two RWMutexes. Campaign
// write-locks the state and read-locks the lease; Renew write-locks the
// lease and read-locks the state. A read lock cannot be granted while the
// other goroutine holds the write lock, so the two deadlock.
type Elector struct {
	stateMu sync.RWMutex
	leaseMu sync.RWMutex
	leader  bool
	term    int
	expires time.Time
}

// Campaign tries to become leader while the lease is valid.
func (e *Elector) Campaign(now time.Time) bool {
	e.stateMu.Lock()
	defer e.stateMu.Unlock()
	e.leaseMu.RLock() // want "lock order inversion: acquires e.leaseMu while holding e.stateMu"
	valid := now.Before(e.expires)
	e.leaseMu.RUnlock()
	if valid {
		e.leader = true
		e.term++
	}
	return e.leader
}

// Renew extends the lease when this node is the leader.
func (e *Elector) Renew(now time.Time, ttl time.Duration) {
	e.leaseMu.Lock()
	defer e.leaseMu.Unlock()
	e.stateMu.RLock() // related "acquires e.stateMu while holding e.leaseMu"
	leader := e.leader
	e.stateMu.RUnlock()
	if leader {
		e.expires = now.Add(ttl)
	}
}

// Replicator models a replication log whose AddPeer spawns a goroutine that
// appends to the log while AddPeer holds r.mu. The goroutine does not hold
// r.mu, so only Append's logMu -> mu nesting is real.
type Replicator struct {
	mu    sync.Mutex
	logMu sync.Mutex
	peers []string
	log   []string
}

// AddPeer registers a peer and logs it asynchronously.
func (r *Replicator) AddPeer(p string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.peers = append(r.peers, p)
	go func() {
		r.logMu.Lock() // ok: runs in a new goroutine that does not hold r.mu
		r.log = append(r.log, "peer "+p)
		r.logMu.Unlock()
	}()
}

// Append logs an entry and returns the number of peers to ship it to.
func (r *Replicator) Append(entry string) int {
	r.logMu.Lock()
	defer r.logMu.Unlock()
	r.log = append(r.log, entry)
	r.mu.Lock() // ok: logMu -> mu is the only nesting; AddPeer takes logMu in another goroutine
	n := len(r.peers)
	r.mu.Unlock()
	return n
}

// Scheduler and runQueue model a work-stealing scheduler: dispatch nests
// scheduler -> queue, and the reverse path (a queue stealing work) only
// TryLocks the scheduler, which never blocks and so cannot close a cycle.
type Scheduler struct {
	mu      sync.Mutex
	queue   *runQueue
	running map[string]bool
}

type runQueue struct {
	mu    sync.Mutex
	sched *Scheduler
	tasks []string
}

// Dispatch moves the next queued task to running.
func (s *Scheduler) Dispatch() (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue.mu.Lock() // ok: the reverse path only TryLocks s.mu
	defer s.queue.mu.Unlock()
	if len(s.queue.tasks) == 0 {
		return "", false
	}
	t := s.queue.tasks[0]
	s.queue.tasks = s.queue.tasks[1:]
	s.running[t] = true
	return t, true
}

// Steal hands the next task to an idle worker if the scheduler is free.
func (q *runQueue) Steal() (string, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.tasks) == 0 {
		return "", false
	}
	if !q.sched.mu.TryLock() { // ok: TryLock never blocks, so it cannot take part in a deadlock
		return "", false
	}
	defer q.sched.mu.Unlock()
	t := q.tasks[len(q.tasks)-1]
	q.tasks = q.tasks[:len(q.tasks)-1]
	q.sched.running[t] = true
	return t, true
}

type clusterView struct {
	version int
	members []string
}

// Membership models a gossip membership list: Join releases m.mu in the
// duplicate branch before bumping the view, so mu -> viewMu never nests,
// while View nests viewMu -> mu.
type Membership struct {
	mu      sync.Mutex
	viewMu  sync.Mutex
	members map[string]bool
	view    clusterView
}

// Join adds id, or just bumps the view version for a rejoin.
func (m *Membership) Join(id string) {
	m.mu.Lock()
	if m.members[id] {
		m.mu.Unlock()
		m.viewMu.Lock() // ok: m.mu was released on this branch before taking m.viewMu
		m.view.version++
		m.viewMu.Unlock()
		return
	}
	m.members[id] = true
	m.mu.Unlock()
}

// View rebuilds the published member list.
func (m *Membership) View() clusterView {
	m.viewMu.Lock()
	defer m.viewMu.Unlock()
	m.mu.Lock()
	m.view.members = m.view.members[:0]
	for id := range m.members {
		m.view.members = append(m.view.members, id)
	}
	m.mu.Unlock()
	return m.view
}

// Throttle models a request throttle that releases its main lock through
// helpers (an unlock method, a deferred closure) before recording history,
// while Stats nests histMu -> mu.
type Throttle struct {
	mu      sync.Mutex
	histMu  sync.Mutex
	tokens  int
	history []int
}

func (t *Throttle) lock()   { t.mu.Lock() }
func (t *Throttle) unlock() { t.mu.Unlock() }

// Take consumes a token and records the remaining count.
func (t *Throttle) Take() bool {
	t.lock()
	if t.tokens == 0 {
		t.unlock()
		return false
	}
	t.tokens--
	left := t.tokens
	t.unlock()
	t.histMu.Lock() // ok: the t.unlock() helper released t.mu before this
	t.history = append(t.history, left)
	t.histMu.Unlock()
	return true
}

// Refill adds tokens and records the new level.
func (t *Throttle) Refill(n int) {
	left := func() int {
		t.mu.Lock()
		defer func() { t.mu.Unlock() }()
		t.tokens += n
		return t.tokens
	}()
	t.histMu.Lock() // ok: the deferred closure released t.mu when the inner function returned
	t.history = append(t.history, left)
	t.histMu.Unlock()
}

// Stats returns the history and the current token count.
func (t *Throttle) Stats() ([]int, int) {
	t.histMu.Lock()
	defer t.histMu.Unlock()
	t.mu.Lock()
	tokens := t.tokens
	t.mu.Unlock()
	return append([]int(nil), t.history...), tokens
}

// Warehouse models an order fan-out with errgroup: every task and every
// other method takes the inventory lock before the orders lock.
type Warehouse struct {
	invMu    sync.Mutex
	ordersMu sync.Mutex
	stock    map[string]int
	orders   []string
}

// Reserve reserves every SKU concurrently.
func (w *Warehouse) Reserve(ctx context.Context, skus []string) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, sku := range skus {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			w.invMu.Lock()
			defer w.invMu.Unlock()
			w.stock[sku]--
			w.ordersMu.Lock() // ok: inventory then orders, the same order as Cancel
			w.orders = append(w.orders, sku)
			w.ordersMu.Unlock()
			return nil
		})
	}
	return g.Wait()
}

// Cancel releases the last reservation.
func (w *Warehouse) Cancel() {
	w.invMu.Lock()
	defer w.invMu.Unlock()
	w.ordersMu.Lock() // ok: inventory then orders, as in Reserve
	defer w.ordersMu.Unlock()
	if n := len(w.orders); n > 0 {
		w.stock[w.orders[n-1]]++
		w.orders = w.orders[:n-1]
	}
}

// CertCache models a TLS config cache whose lazily loaded roots are guarded
// by their own mutex. The Once function runs under c.mu and takes c.rootsMu;
// the refresher releases c.rootsMu before touching c.mu, so there is no
// reverse edge.
type CertCache struct {
	mu      sync.Mutex
	rootsMu sync.Mutex
	once    sync.Once
	roots   []string
	served  int
}

func (c *CertCache) loadRoots() {
	c.rootsMu.Lock()
	defer c.rootsMu.Unlock()
	c.roots = []string{"root-a", "root-b"}
}

// Roots returns the trusted roots.
func (c *CertCache) Roots() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.served++
	c.once.Do(c.loadRoots) // ok: mu -> rootsMu is the only order; nothing takes c.mu while holding c.rootsMu
	c.rootsMu.Lock()
	defer c.rootsMu.Unlock()
	return append([]string(nil), c.roots...)
}

// Refresh replaces the roots and resets the counter.
func (c *CertCache) Refresh(roots []string) {
	c.rootsMu.Lock()
	c.roots = roots
	c.rootsMu.Unlock()
	c.mu.Lock() // ok: c.rootsMu was released just above
	c.served = 0
	c.mu.Unlock()
}
