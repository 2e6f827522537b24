package gc203

import (
	"errors"
	"fmt"
	"sync"
)

// snapshotGate lets any number of writers share one exclusive hold of the
// store lock: the first writer takes it, the last one gives it back.
type snapshotGate struct {
	mu      sync.Mutex
	store   sync.RWMutex
	writers int
	readers int
}

// acquireStoreLock returns holding the write lock on g.store (or sharing the
// hold of a writer already inside); releaseStoreLock gives it back.
func (g *snapshotGate) acquireStoreLock() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.writers == 0 {
		g.store.Lock()
		g.writers++
		return // ok: the name says it returns holding g.store; releaseStoreLock unlocks it
	}
	if g.readers > 0 {
		// Let waiting readers in before sharing the hold again.
		g.mu.Unlock()
		g.store.RLock()
		g.store.RUnlock()
		g.mu.Lock()
		if g.writers == 0 {
			g.store.Lock()
		}
	}
	g.writers++
}

func (g *snapshotGate) releaseStoreLock() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.writers--
	if g.writers == 0 {
		g.store.Unlock()
	}
}

// cacheEntry is a cached value guarded by its cache's lock.
type cacheEntry struct {
	value   []byte
	expired bool
}

// entryCache hands out entries with its lock held so that callers can update
// them in place.
type entryCache struct {
	mu      sync.Mutex
	entries map[string]*cacheEntry
}

// lockEntry returns the entry for key with c.mu held, or nil (and c.mu
// released) when there is none.
func (c *entryCache) lockEntry(key string) *cacheEntry {
	c.mu.Lock()
	e, ok := c.entries[key]
	if !ok {
		c.mu.Unlock()
		return nil
	}
	return e // ok: the name says it returns holding c.mu
}

func (c *entryCache) Touch(key string, value []byte) {
	e := c.lockEntry(key)
	if e == nil {
		return
	}
	e.value = value
	c.mu.Unlock()
}

// load stands in for a slow backing-store read.
func (c *entryCache) load(key string) ([]byte, error) {
	if key == "" {
		return nil, errors.New("empty key")
	}
	return []byte(key), nil
}

// Refresh forgets to release c.mu when the backing store fails.
func (c *entryCache) Refresh(key string) error {
	c.mu.Lock()
	v, err := c.load(key)
	if err != nil {
		return err // want "c.mu is not unlocked on this path"
	}
	c.entries[key] = &cacheEntry{value: v}
	c.mu.Unlock()
	return nil
}

// takeSnapshot does not say it returns holding a lock: leaving c.mu locked on
// the error path is a bug like in any other function.
func (c *entryCache) takeSnapshot() (map[string][]byte, error) {
	c.mu.Lock()
	out := make(map[string][]byte, len(c.entries))
	for k, e := range c.entries {
		if e.expired {
			return nil, fmt.Errorf("entry %q expired during snapshot", k) // want "c.mu is not unlocked on this path"
		}
		out[k] = e.value
	}
	c.mu.Unlock()
	return out, nil
}

// slotPool hands out a slot with its lock held.
type slotPool struct {
	mu     sync.Mutex
	closed bool
	free   []int
}

// acquireSlotLock returns holding p.mu, but unlocks twice when the pool is
// closed: an acquirer's name does not excuse a double Unlock.
func (p *slotPool) acquireSlotLock() (int, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		p.free = nil
		p.mu.Unlock() // want "Unlock of p.mu which is not locked: it was already unlocked"
		return 0, errors.New("pool closed")
	}
	slot := p.free[len(p.free)-1]
	p.free = p.free[:len(p.free)-1]
	return slot, nil
}

// service is a registered service guarded by its registry's lock.
type service struct {
	broken error
}

type serviceRegistry struct {
	mu       sync.Mutex
	services map[string]*service
}

// lockService returns the service with r.mu held; panicking keeps the lock
// before the caller could defer its release.
func (r *serviceRegistry) lockService(name string) *service {
	r.mu.Lock()
	svc, ok := r.services[name]
	if !ok {
		r.mu.Unlock()
		return nil
	}
	if svc.broken != nil {
		panic(svc.broken) // want "r.mu is not unlocked on this path"
	}
	return svc // ok: the name says it returns holding r.mu
}
