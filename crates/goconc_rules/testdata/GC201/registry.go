package gc201

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// Plugin is something a PluginRegistry stores.
type Plugin interface{ Name() string }

// PluginRegistry models a registry that embeds its mutex. Register checks
// for duplicates through the public Lookup, which locks the embedded mutex
// a second time from the same goroutine.
type PluginRegistry struct {
	sync.Mutex
	plugins map[string]Plugin
}

// Lookup returns the plugin registered under name.
func (r *PluginRegistry) Lookup(name string) (Plugin, bool) {
	r.Lock()
	defer r.Unlock()
	p, ok := r.plugins[name]
	return p, ok
}

// Register adds p, rejecting duplicates.
func (r *PluginRegistry) Register(p Plugin) error {
	r.Lock()
	defer r.Unlock()
	if _, dup := r.Lookup(p.Name()); dup { // want "already locked"
		return fmt.Errorf("plugin %q registered twice", p.Name())
	}
	r.plugins[p.Name()] = p
	return nil
}

// SafePluginRegistry is the fixed registry: the duplicate check uses a
// lookupLocked helper that expects the caller to hold the lock.
type SafePluginRegistry struct {
	sync.Mutex
	plugins map[string]Plugin
}

// lookupLocked must be called with r held.
func (r *SafePluginRegistry) lookupLocked(name string) (Plugin, bool) {
	p, ok := r.plugins[name]
	return p, ok
}

// Register adds p, rejecting duplicates.
func (r *SafePluginRegistry) Register(p Plugin) error {
	r.Lock()
	defer r.Unlock()
	if _, dup := r.lookupLocked(p.Name()); dup { // ok: lookupLocked runs under the caller's lock and does not lock
		return fmt.Errorf("plugin %q registered twice", p.Name())
	}
	r.plugins[p.Name()] = p
	return nil
}

// Codec encodes values for one content type.
type Codec interface{ ContentType() string }

var (
	codecsMu sync.Mutex
	codecs   = map[string]Codec{}
)

func codecFor(name string) (Codec, bool) {
	codecsMu.Lock()
	defer codecsMu.Unlock()
	c, ok := codecs[name]
	return c, ok
}

// RegisterCodec models a package-level registration hook (database/sql
// drivers, encoding codecs) that validates through the locking accessor
// while already holding the package mutex.
func RegisterCodec(name string, c Codec) {
	codecsMu.Lock()
	defer codecsMu.Unlock()
	if _, ok := codecFor(name); ok { // want "codecsMu is already locked"
		panic("codec registered twice: " + name)
	}
	codecs[name] = c
}

var (
	encodersMu sync.Mutex
	encoders   = map[string]Codec{}
)

func encoderFor(name string) (Codec, bool) {
	encodersMu.Lock()
	defer encodersMu.Unlock()
	c, ok := encoders[name]
	return c, ok
}

// RegisterEncoder is the fixed hook: it looks up before taking the lock and
// re-checks the map directly under it.
func RegisterEncoder(name string, c Codec) {
	if _, ok := encoderFor(name); ok { // ok: encodersMu is not held yet
		panic("encoder registered twice: " + name)
	}
	encodersMu.Lock()
	defer encodersMu.Unlock()
	encoders[name] = c
}

type session struct {
	expires time.Time
}

// SessionTable models a refactoring slip in a session store: the expiry
// branch re-acquires the mutex that is still held because the Unlock that
// used to precede it was moved below the branch.
type SessionTable struct {
	mu       sync.Mutex
	sessions map[string]*session
	ttl      time.Duration
}

// Touch extends the session or drops it when it has expired.
func (t *SessionTable) Touch(id string, now time.Time) bool {
	t.mu.Lock()
	s, ok := t.sessions[id]
	if !ok {
		t.mu.Unlock()
		return false
	}
	if now.After(s.expires) {
		t.mu.Lock() // want "t.mu is already locked"
		delete(t.sessions, id)
		t.mu.Unlock()
		return false
	}
	s.expires = now.Add(t.ttl)
	t.mu.Unlock()
	return true
}

// Item is one entry of a batch.
type Item struct {
	Key   string
	Value []byte
}

// Batcher models a write batcher whose per-item loop locks at the top of
// each iteration; the skip branch continues without unlocking, so the next
// iteration's Lock blocks on the mutex this goroutine still holds.
type Batcher struct {
	mu      sync.Mutex
	pending []Item
}

// AddAll queues every item with a key.
func (b *Batcher) AddAll(items []Item) {
	for _, it := range items {
		b.mu.Lock() // want "b.mu is already locked"
		if it.Key == "" {
			continue
		}
		b.pending = append(b.pending, it)
		b.mu.Unlock()
	}
}

// SafeBatcher is the fixed batcher: the skip branch unlocks before continue.
type SafeBatcher struct {
	mu      sync.Mutex
	pending []Item
}

// AddAll queues every item with a key.
func (b *SafeBatcher) AddAll(items []Item) {
	for _, it := range items {
		b.mu.Lock() // ok: every iteration, including the skip branch, unlocks before the next Lock
		if it.Key == "" {
			b.mu.Unlock()
			continue
		}
		b.pending = append(b.pending, it)
		b.mu.Unlock()
	}
}

// Compactor models a background compaction tick that first tries the lock
// and only falls back to a blocking Lock when TryLock failed, i.e. when this
// goroutine does not hold the mutex.
type Compactor struct {
	mu        sync.Mutex
	segments  []int
	contended atomic.Int64
}

func (c *Compactor) compact() {
	if len(c.segments) > 1 {
		c.segments = c.segments[len(c.segments)-1:]
	}
}

// snapshot copies the state; the caller holds c.mu.
func (c *Compactor) snapshot() []int {
	return append([]int(nil), c.segments...)
}

// Tick compacts once.
func (c *Compactor) Tick() {
	if !c.mu.TryLock() {
		c.contended.Add(1)
		c.mu.Lock() // ok: reached only when TryLock failed, so c.mu is not held here
	}
	defer c.mu.Unlock()
	c.compact()
}

// Segments returns a copy of the live segments.
func (c *Compactor) Segments() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.snapshot() // ok: snapshot only reads fields and never locks c.mu
}

// Quota models a tenant quota tracker that locks and unlocks in both
// branches of an if before taking the lock again for the global counter.
type Quota struct {
	mu      sync.Mutex
	used    map[string]int
	burst   map[string]int
	charges int
}

// Charge records n units for tenant.
func (q *Quota) Charge(tenant string, n int, burst bool) {
	if burst {
		q.mu.Lock()
		q.burst[tenant] += n
		q.mu.Unlock()
	} else {
		q.mu.Lock()
		q.used[tenant] += n
		q.mu.Unlock()
	}
	q.mu.Lock() // ok: both branches released q.mu before this point
	q.charges++
	q.mu.Unlock()
}

type replicaStore struct {
	mu   sync.Mutex
	data map[string][]byte
}

// ReplicaPair models synchronous replication between two stores of the same
// type: the primary and the replica are distinct objects, always locked
// primary first, so the nested Lock is not a re-lock.
type ReplicaPair struct {
	primary *replicaStore
	replica *replicaStore
}

// NewReplicaPair builds two independent stores.
func NewReplicaPair() *ReplicaPair {
	return &ReplicaPair{
		primary: &replicaStore{data: map[string][]byte{}},
		replica: &replicaStore{data: map[string][]byte{}},
	}
}

// Put writes to both stores.
func (p *ReplicaPair) Put(k string, v []byte) {
	p.primary.mu.Lock()
	defer p.primary.mu.Unlock()
	p.replica.mu.Lock() // ok: p.replica is a different replicaStore than p.primary
	p.replica.data[k] = v
	p.replica.mu.Unlock()
	p.primary.data[k] = v
}

// Indexer models a shard rebuild fanned out with errgroup: the parent holds
// ix.mu only while scheduling, and each task locks ix.mu in its own goroutine.
type Indexer struct {
	mu         sync.Mutex
	generation int
	counts     map[string]int
	load       func(ctx context.Context, shard string) (int, error)
}

// Rebuild reloads every shard concurrently.
func (ix *Indexer) Rebuild(ctx context.Context, shards []string) (int, error) {
	g, ctx := errgroup.WithContext(ctx)
	ix.mu.Lock()
	ix.generation++
	gen := ix.generation
	for _, sh := range shards {
		g.Go(func() error {
			docs, err := ix.load(ctx, sh)
			if err != nil {
				return err
			}
			ix.mu.Lock() // ok: runs in an errgroup goroutine, not in the goroutine holding ix.mu
			ix.counts[sh] = docs
			ix.mu.Unlock()
			return nil
		})
	}
	ix.mu.Unlock()
	return gen, g.Wait()
}

// Window models a rate-limiter window that wraps its mutex in lock/unlock
// helpers and sometimes releases through a deferred closure.
type Window struct {
	mu     sync.Mutex
	start  int
	end    int
	resets int
}

func (w *Window) lock()   { w.mu.Lock() }
func (w *Window) unlock() { w.mu.Unlock() }

// Slide moves both edges of the window.
func (w *Window) Slide(n int) {
	w.lock()
	w.start += n
	w.unlock()
	w.lock() // ok: the w.unlock() helper above released w.mu
	w.end += n
	w.unlock()
}

// Reset clears the window and counts the reset.
func (w *Window) Reset() {
	func() {
		w.mu.Lock()
		defer func() { w.mu.Unlock() }()
		w.start, w.end = 0, 0
	}()
	w.mu.Lock() // ok: the deferred closure unlocked w.mu when the inner function returned
	w.resets++
	w.mu.Unlock()
}
