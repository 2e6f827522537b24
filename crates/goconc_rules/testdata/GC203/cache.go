package gc203

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

var errNotFound = errors.New("not found")

// LoadingCache models a read-through cache whose error branch returns
// without releasing the mutex: the first failed load wedges every later
// Get on c.mu.
type LoadingCache struct {
	mu    sync.Mutex
	items map[string][]byte
	load  func(key string) ([]byte, error)
}

// Get returns the cached value, loading it on a miss.
func (c *LoadingCache) Get(key string) ([]byte, error) {
	c.mu.Lock()
	if v, ok := c.items[key]; ok {
		c.mu.Unlock()
		return v, nil
	}
	v, err := c.load(key)
	if err != nil {
		return nil, err // want "c.mu is not unlocked on this path"
	}
	c.items[key] = v
	c.mu.Unlock()
	return v, nil
}

// SafeLoadingCache is the fixed cache: the unlock is deferred in a closure
// right after the Lock, so every return releases it.
type SafeLoadingCache struct {
	mu    sync.Mutex
	items map[string][]byte
	load  func(key string) ([]byte, error)
}

// Get returns the cached value, loading it on a miss.
func (c *SafeLoadingCache) Get(key string) ([]byte, error) {
	c.mu.Lock()
	defer func() { c.mu.Unlock() }()
	if v, ok := c.items[key]; ok {
		return v, nil
	}
	v, err := c.load(key)
	if err != nil {
		return nil, err // ok: the deferred closure unlocks c.mu on this return
	}
	c.items[key] = v
	return v, nil
}

// Service is one registered backend.
type Service struct {
	Name string
	Addr string
}

// ServiceRegistry models a registry whose duplicate check returns an error
// while still holding the write lock.
type ServiceRegistry struct {
	mu       sync.Mutex
	services map[string]Service
}

// Register adds svc, rejecting duplicates.
func (r *ServiceRegistry) Register(svc Service) error {
	r.mu.Lock()
	if _, dup := r.services[svc.Name]; dup {
		return fmt.Errorf("service %q already registered", svc.Name) // want "r.mu is not unlocked on this path"
	}
	r.services[svc.Name] = svc
	r.mu.Unlock()
	return nil
}

// SafeServiceRegistry is the fixed registry: it releases the lock through an
// unlock helper on both paths.
type SafeServiceRegistry struct {
	mu       sync.Mutex
	services map[string]Service
}

func (r *SafeServiceRegistry) lock()   { r.mu.Lock() } // ok: acquire helper; its callers release r.mu
func (r *SafeServiceRegistry) unlock() { r.mu.Unlock() }

// Register adds svc, rejecting duplicates.
func (r *SafeServiceRegistry) Register(svc Service) error {
	r.lock()
	if _, dup := r.services[svc.Name]; dup {
		r.unlock()
		return fmt.Errorf("service %q already registered", svc.Name) // ok: r.unlock() released r.mu just above
	}
	r.services[svc.Name] = svc
	r.unlock()
	return nil
}

// Deregister removes a service; the helper pair is also used with defer.
func (r *SafeServiceRegistry) Deregister(name string) error {
	r.lock()
	defer r.unlock()
	if _, ok := r.services[name]; !ok {
		return errNotFound // ok: the deferred r.unlock() releases r.mu
	}
	delete(r.services, name)
	return nil
}

// Endpoints models the same helper-based locking, but one early return
// forgets the unlock helper.
type Endpoints struct {
	mu    sync.Mutex
	addrs map[string][]string
}

func (e *Endpoints) lock()   { e.mu.Lock() } // ok: acquire helper; its callers release e.mu
func (e *Endpoints) unlock() { e.mu.Unlock() }

// Add appends addr to service, ignoring empty addresses.
func (e *Endpoints) Add(service, addr string) error {
	e.lock()
	if addr == "" {
		return errors.New("empty address") // want "e.mu is not unlocked on this path"
	}
	e.addrs[service] = append(e.addrs[service], addr)
	e.unlock()
	return nil
}

type connState int

const (
	stateIdle connState = iota
	stateActive
	stateClosed
)

// ConnTracker models an HTTP server's connection state machine that panics
// on an impossible transition without a deferred unlock. The server's
// per-connection recover keeps the process alive, but t.mu stays locked and
// every other connection blocks on its next state change.
type ConnTracker struct {
	mu     sync.Mutex
	states map[string]connState
}

// SetState records a transition of conn.
func (t *ConnTracker) SetState(conn string, next connState) {
	t.mu.Lock()
	prev := t.states[conn]
	if prev == stateClosed && next != stateClosed {
		panic(fmt.Sprintf("conn %s: transition from closed to %d", conn, next)) // want "t.mu is not unlocked on this path"
	}
	t.states[conn] = next
	t.mu.Unlock()
}

// SafeConnTracker is the fixed tracker: the unlock is deferred, so it also
// runs while the panic unwinds.
type SafeConnTracker struct {
	mu     sync.Mutex
	states map[string]connState
}

// SetState records a transition of conn.
func (t *SafeConnTracker) SetState(conn string, next connState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	prev := t.states[conn]
	if prev == stateClosed && next != stateClosed {
		panic(fmt.Sprintf("conn %s: transition from closed to %d", conn, next)) // ok: the deferred Unlock runs during the panic
	}
	t.states[conn] = next
}

type shard struct {
	mu      sync.Mutex
	entries map[string]time.Time
}

// ShardedTTL models a sharded expiry sweeper whose per-shard loop skips
// empty shards with continue while the shard lock is held; the skipped shard
// stays locked forever.
type ShardedTTL struct {
	shards []*shard
}

// Sweep deletes expired entries and returns how many were removed.
func (s *ShardedTTL) Sweep(now time.Time) int {
	removed := 0
	for _, sh := range s.shards {
		sh.mu.Lock()
		if len(sh.entries) == 0 {
			continue // want "sh.mu is not unlocked on this path"
		}
		for k, exp := range sh.entries {
			if now.After(exp) {
				delete(sh.entries, k)
				removed++
			}
		}
		sh.mu.Unlock()
	}
	return removed
}

// SafeShardedTTL is the fixed sweeper: every iteration unlocks its shard
// before moving on, including the skip branch.
type SafeShardedTTL struct {
	shards []*shard
}

// Sweep deletes expired entries and returns how many were removed.
func (s *SafeShardedTTL) Sweep(now time.Time) int {
	removed := 0
	for _, sh := range s.shards {
		sh.mu.Lock()
		if len(sh.entries) == 0 {
			sh.mu.Unlock()
			continue // ok: the shard was unlocked just above
		}
		for k, exp := range sh.entries {
			if now.After(exp) {
				delete(sh.entries, k)
				removed++
			}
		}
		sh.mu.Unlock()
	}
	return removed
}

// RequestQueue models a bounded queue whose Enqueue waits for room or for
// cancellation inside a select while holding the lock, and returns on
// cancellation without releasing it.
type RequestQueue struct {
	mu    sync.Mutex
	items []string
	room  chan struct{}
}

// Enqueue adds item once there is room.
func (q *RequestQueue) Enqueue(ctx context.Context, item string) error {
	q.mu.Lock()
	select {
	case <-q.room:
	case <-ctx.Done():
		return ctx.Err() // want "q.mu is not unlocked on this path"
	}
	q.items = append(q.items, item)
	q.mu.Unlock()
	return nil
}

// SafeRequestQueue is the fixed queue: every select case releases the lock.
type SafeRequestQueue struct {
	mu    sync.Mutex
	items []string
	room  chan struct{}
}

// Enqueue adds item once there is room.
func (q *SafeRequestQueue) Enqueue(ctx context.Context, item string) error {
	q.mu.Lock()
	select {
	case <-q.room:
		q.items = append(q.items, item)
		q.mu.Unlock()
		return nil
	case <-ctx.Done():
		q.mu.Unlock()
		return ctx.Err() // ok: unlocked at the start of this case
	}
}

// Schema is a versioned record schema.
type Schema struct {
	Version int
	Fields  []string
}

// SchemaStore models a schema registry whose read path returns from the
// middle of a switch while still holding the read lock; the next writer
// blocks forever.
type SchemaStore struct {
	mu      sync.RWMutex
	schemas map[string][]Schema
}

// Lookup returns the requested version of subject; version < 0 means latest.
func (s *SchemaStore) Lookup(subject string, version int) (Schema, error) {
	s.mu.RLock()
	versions := s.schemas[subject]
	switch {
	case len(versions) == 0:
		return Schema{}, errNotFound // want "s.mu is not unlocked on this path"
	case version < 0:
		latest := versions[len(versions)-1]
		s.mu.RUnlock()
		return latest, nil
	}
	for _, sc := range versions {
		if sc.Version == version {
			s.mu.RUnlock()
			return sc, nil
		}
	}
	s.mu.RUnlock()
	return Schema{}, errNotFound
}

// Validate checks that every field of record is known to some schema
// version, returning early from inside the loop without releasing the lock.
func (s *SchemaStore) Validate(subject string, record map[string]string) error {
	s.mu.RLock()
	known := map[string]bool{}
	for _, sc := range s.schemas[subject] {
		for _, f := range sc.Fields {
			known[f] = true
		}
	}
	for f := range record {
		if !known[f] {
			return fmt.Errorf("unknown field %q", f) // want "s.mu is not unlocked on this path"
		}
	}
	s.mu.RUnlock()
	return nil
}

// SafeSchemaStore is the fixed registry: RUnlock is deferred.
type SafeSchemaStore struct {
	mu      sync.RWMutex
	schemas map[string][]Schema
}

// Lookup returns the requested version of subject; version < 0 means latest.
func (s *SafeSchemaStore) Lookup(subject string, version int) (Schema, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	versions := s.schemas[subject]
	switch {
	case len(versions) == 0:
		return Schema{}, errNotFound // ok: the deferred RUnlock releases s.mu
	case version < 0:
		return versions[len(versions)-1], nil
	}
	for _, sc := range versions {
		if sc.Version == version {
			return sc, nil
		}
	}
	return Schema{}, errNotFound
}
