package gc202

import (
	"sync"
	"sync/atomic"
	"time"
)

// MemberSet tracks live cluster members and tells the session table when
// one leaves. The hook runs under m.mu, and the session table calls into
// MemberSet while holding its own lock: leave → sessions and
// sessions → membership.
type MemberSet struct {
	mu      sync.Mutex
	members map[string]time.Time
	onLeave func(id string)
}

func (m *MemberSet) Remove(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.members, id)
	if m.onLeave != nil {
		m.onLeave(id) // want `this call runs the callback \(\*SessionTable\).dropSessions, which acquires t.mu while m.mu is held`
	}
}

func (m *MemberSet) LastSeen(id string) (time.Time, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	at, ok := m.members[id]
	return at, ok
}

type SessionTable struct {
	mu       sync.Mutex
	sessions map[string][]string
	members  *MemberSet
}

func NewSessionTable(members *MemberSet) *SessionTable {
	t := &SessionTable{sessions: make(map[string][]string), members: members}
	members.onLeave = t.dropSessions // related "stored as a callback here"
	return t
}

func (t *SessionTable) dropSessions(member string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.sessions, member)
}

// Expire drops the sessions of members not seen for ttl.
func (t *SessionTable) Expire(ttl time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for member := range t.sessions {
		seen, ok := t.members.LastSeen(member) // related "acquires t.members.mu while holding t.mu"
		if !ok || time.Since(seen) > ttl {
			delete(t.sessions, member)
		}
	}
}

// ConfigHub fans configuration updates out to subscribers registered per
// key, calling them with the hub locked so they see updates in order.
type ConfigHub struct {
	mu      sync.Mutex
	current map[string]string
	subs    map[string][]func(value string)
}

func (h *ConfigHub) Subscribe(key string, fn func(value string)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.subs[key] = append(h.subs[key], fn)
}

func (h *ConfigHub) Set(key, value string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.current[key] = value
	for k, fns := range h.subs {
		if k != key {
			continue
		}
		for _, fn := range fns {
			fn(value) // want `this call runs the closure in NewRouter, which acquires r.mu while h.mu is held`
		}
	}
}

func (h *ConfigHub) Get(key string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.current[key]
}

type Router struct {
	mu       sync.Mutex
	hub      *ConfigHub
	upstream string
	fallback string
}

func NewRouter(hub *ConfigHub) *Router {
	r := &Router{hub: hub}
	hub.Subscribe("upstream", func(v string) { // related "stored as a callback here"
		r.mu.Lock()
		r.upstream = v
		r.mu.Unlock()
	})
	return r
}

// Pick falls back to the configured fallback, read under the router lock.
func (r *Router) Pick() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.upstream == "" {
		r.fallback = r.hub.Get("fallback") // related "acquires r.hub.mu while holding r.mu"
		return r.fallback
	}
	return r.upstream
}

// EvictionListener is told about blocks the cache drops.
type EvictionListener interface {
	Evicted(key string)
}

// BlockCache calls its listener while holding the cache lock; the table
// reader it notifies looks blocks up in the cache under its own lock.
type BlockCache struct {
	mu       sync.Mutex
	blocks   map[string][]byte
	order    []string
	capacity int
	listener EvictionListener
}

func NewBlockCache(capacity int, listener EvictionListener) *BlockCache {
	return &BlockCache{blocks: make(map[string][]byte), capacity: capacity, listener: listener}
}

func (c *BlockCache) Insert(key string, block []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.blocks[key] = block
	c.order = append(c.order, key)
	for len(c.order) > c.capacity {
		victim := c.order[0]
		c.order = c.order[1:]
		delete(c.blocks, victim)
		c.listener.Evicted(victim) // want `this call runs the callback \(\*TableReader\).Evicted, which acquires r.mu while c.mu is held`
	}
}

func (c *BlockCache) Lookup(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.blocks[key]
	return b, ok
}

type TableReader struct {
	mu     sync.Mutex
	cache  *BlockCache
	cached map[string]bool
}

func OpenTableReader(capacity int) *TableReader {
	r := &TableReader{cached: make(map[string]bool)}
	r.cache = NewBlockCache(capacity, r) // related "stored as a callback here"
	return r
}

func (r *TableReader) Evicted(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.cached, key)
}

func (r *TableReader) Read(key string) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.cached[key] {
		return nil
	}
	b, _ := r.cache.Lookup(key) // related "acquires r.cache.mu while holding r.mu"
	return b
}

// RevokeHook is a named callback type held in a slice.
type RevokeHook func(lease int64)

type Lessor struct {
	mu     sync.Mutex
	leases map[int64]time.Time
	hooks  []RevokeHook
}

func (l *Lessor) OnRevoke(h RevokeHook) {
	l.mu.Lock()
	l.hooks = append(l.hooks, h)
	l.mu.Unlock()
}

func (l *Lessor) Revoke(lease int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.leases, lease)
	for _, h := range l.hooks {
		h(lease) // want `this call runs the callback \(\*KeyStore\).detach, which acquires s.mu while l.mu is held`
	}
}

func (l *Lessor) Remaining(lease int64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Until(l.leases[lease])
}

type KeyStore struct {
	mu     sync.Mutex
	lessor *Lessor
	byKey  map[string]int64
}

func NewKeyStore(lessor *Lessor) *KeyStore {
	s := &KeyStore{lessor: lessor, byKey: make(map[string]int64)}
	lessor.OnRevoke(s.detach) // related "stored as a callback here"
	return s
}

func (s *KeyStore) detach(lease int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, l := range s.byKey {
		if l == lease {
			delete(s.byKey, k)
		}
	}
}

func (s *KeyStore) TTL(key string) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lessor.Remaining(s.byKey[key]) // related "acquires s.lessor.mu while holding s.mu"
}

// The fixed shape: the pool copies its hooks under the lock and runs them
// after releasing it, so a hook may call back into the pool.
type ConnPool struct {
	mu      sync.Mutex
	idle    []string
	onClose []func(addr string)
}

func (p *ConnPool) OnClose(fn func(addr string)) {
	p.mu.Lock()
	p.onClose = append(p.onClose, fn)
	p.mu.Unlock()
}

func (p *ConnPool) CloseIdle() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	hooks := append([]func(string){}, p.onClose...)
	p.mu.Unlock()
	for _, addr := range idle {
		for _, fn := range hooks {
			fn(addr) // ok: the pool lock is released before the hooks run
		}
	}
}

func (p *ConnPool) Idle() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle)
}

type Balancer struct {
	mu    sync.Mutex
	pool  *ConnPool
	addrs map[string]bool
}

func NewBalancer(pool *ConnPool) *Balancer {
	b := &Balancer{pool: pool, addrs: make(map[string]bool)}
	pool.OnClose(b.forget)
	return b
}

func (b *Balancer) forget(addr string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.addrs, addr)
}

func (b *Balancer) Stats() (int, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.addrs), b.pool.Idle()
}

// A hook that only counts: no lock, no edge.
type Flusher struct {
	mu      sync.Mutex
	pending [][]byte
	onFlush func(n int)
}

func (f *Flusher) Flush() {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.pending)
	f.pending = nil
	if f.onFlush != nil {
		f.onFlush(n) // ok: the registered hook takes no lock
	}
}

func (f *Flusher) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.pending)
}

type FlushMetrics struct {
	mu      sync.Mutex
	flusher *Flusher
	flushed atomic.Int64
}

func NewFlushMetrics(f *Flusher) *FlushMetrics {
	m := &FlushMetrics{flusher: f}
	f.onFlush = func(n int) { m.flushed.Add(int64(n)) }
	return m
}

func (m *FlushMetrics) Snapshot() (int64, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.flushed.Load(), m.flusher.Pending()
}

// A hook that locks its owner, but the owner never calls into the
// registry while holding that lock: one order only.
type JobQueue struct {
	mu      sync.Mutex
	queue   []string
	onEmpty func()
}

func (s *JobQueue) Pop() (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		if s.onEmpty != nil {
			s.onEmpty() // ok: the autoscaler never holds its lock while calling the scheduler
		}
		return "", false
	}
	job := s.queue[0]
	s.queue = s.queue[1:]
	return job, true
}

func (s *JobQueue) Push(job string) {
	s.mu.Lock()
	s.queue = append(s.queue, job)
	s.mu.Unlock()
}

type WorkerScaler struct {
	mu     sync.Mutex
	idle   int
	target int
	sched  *JobQueue
}

func NewWorkerScaler(s *JobQueue) *WorkerScaler {
	a := &WorkerScaler{sched: s}
	s.onEmpty = a.scaleDown
	return a
}

func (a *WorkerScaler) scaleDown() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.idle++
}

func (a *WorkerScaler) Submit(job string) {
	a.mu.Lock()
	a.target++
	a.mu.Unlock()
	a.sched.Push(job)
}
