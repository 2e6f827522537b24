package gc201

import (
	"strings"
	"sync"
	"time"
)

// ConfigStore models a configuration store whose Get holds the read lock and,
// on a miss, falls back to the public Default, which read-locks again. If a
// writer (Set) arrives between the two RLocks, sync.RWMutex blocks the second
// RLock behind the writer while the writer waits for the first RLock: the
// reader and the writer hang together (read-write-read).
type ConfigStore struct {
	mu       sync.RWMutex
	values   map[string]string
	defaults map[string]string
}

// Default returns the built-in value for key.
func (c *ConfigStore) Default(key string) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.defaults[key]
}

// Set overrides key.
func (c *ConfigStore) Set(key, value string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.values[key] = value
}

// Get returns the configured or default value of key.
func (c *ConfigStore) Get(key string) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if v, ok := c.values[key]; ok {
		return v
	}
	return c.Default(key) // want "recursive RLock of c.mu"
}

// SafeConfigStore is the fixed store: the fallback goes through
// defaultLocked, which expects the caller to hold (at least) the read lock.
type SafeConfigStore struct {
	mu       sync.RWMutex
	values   map[string]string
	defaults map[string]string
}

// defaultLocked must be called with c.mu held for reading or writing.
func (c *SafeConfigStore) defaultLocked(key string) string {
	return c.defaults[key]
}

// Set overrides key.
func (c *SafeConfigStore) Set(key, value string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.values[key] = value
}

// Get returns the configured or default value of key.
func (c *SafeConfigStore) Get(key string) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if v, ok := c.values[key]; ok {
		return v
	}
	return c.defaultLocked(key) // ok: defaultLocked uses the caller's read lock and never locks
}

// FeatureFlags models a flag service where the read-locked Enabled path
// reaches a second RLock two calls deep (Enabled -> rollout -> Percent).
type FeatureFlags struct {
	mu       sync.RWMutex
	flags    map[string]bool
	percents map[string]int
}

// Percent returns the rollout percentage of name.
func (f *FeatureFlags) Percent(name string) int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.percents[name]
}

func (f *FeatureFlags) rollout(name string, bucket int) bool {
	return bucket < f.Percent(name)
}

// Update replaces a flag.
func (f *FeatureFlags) Update(name string, on bool, percent int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.flags[name] = on
	f.percents[name] = percent
}

// Enabled reports whether name is on for the given user bucket.
func (f *FeatureFlags) Enabled(name string, bucket int) bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if !f.flags[name] {
		return false
	}
	return f.rollout(name, bucket) // want "recursive RLock of f.mu"
}

// RouteCache models a route cache that tries to "upgrade" its read lock to a
// write lock on a miss. Lock waits for every reader to leave, including the
// goroutine asking for it.
type RouteCache struct {
	mu      sync.RWMutex
	routes  map[string]string
	compute func(host string) string
}

// Resolve returns the backend for host.
func (rc *RouteCache) Resolve(host string) string {
	rc.mu.RLock()
	defer rc.mu.RUnlock()
	if r, ok := rc.routes[host]; ok {
		return r
	}
	rc.mu.Lock() // want "Lock of rc.mu while it is read-locked"
	r := rc.compute(host)
	rc.routes[host] = r
	rc.mu.Unlock()
	return r
}

// SafeRouteCache is the fixed cache: it drops the read lock, takes the write
// lock and checks again.
type SafeRouteCache struct {
	mu      sync.RWMutex
	routes  map[string]string
	compute func(host string) string
}

// Resolve returns the backend for host.
func (rc *SafeRouteCache) Resolve(host string) string {
	rc.mu.RLock()
	r, ok := rc.routes[host]
	rc.mu.RUnlock()
	if ok {
		return r
	}
	rc.mu.Lock() // ok: the read lock was released just above
	defer rc.mu.Unlock()
	if r, ok := rc.routes[host]; ok {
		return r
	}
	r = rc.compute(host)
	rc.routes[host] = r
	return r
}

// ServiceDirectory models a discovery client whose read path prunes expired
// endpoints through a method that takes the write lock.
type ServiceDirectory struct {
	mu        sync.RWMutex
	endpoints map[string][]endpoint
}

type endpoint struct {
	addr    string
	expires time.Time
}

func (d *ServiceDirectory) prune(service string, now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	live := d.endpoints[service][:0]
	for _, e := range d.endpoints[service] {
		if now.Before(e.expires) {
			live = append(live, e)
		}
	}
	d.endpoints[service] = live
}

// Endpoints returns the live addresses of service.
func (d *ServiceDirectory) Endpoints(service string, now time.Time) []string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	var out []string
	stale := false
	for _, e := range d.endpoints[service] {
		if now.Before(e.expires) {
			out = append(out, e.addr)
		} else {
			stale = true
		}
	}
	if stale {
		d.prune(service, now) // want "Lock of d.mu while it is read-locked"
	}
	return out
}

// SafeServiceDirectory is the fixed client: pruning happens after RUnlock.
type SafeServiceDirectory struct {
	mu        sync.RWMutex
	endpoints map[string][]endpoint
}

func (d *SafeServiceDirectory) prune(service string, now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	live := d.endpoints[service][:0]
	for _, e := range d.endpoints[service] {
		if now.Before(e.expires) {
			live = append(live, e)
		}
	}
	d.endpoints[service] = live
}

// Endpoints returns the live addresses of service.
func (d *SafeServiceDirectory) Endpoints(service string, now time.Time) []string {
	d.mu.RLock()
	var out []string
	stale := false
	for _, e := range d.endpoints[service] {
		if now.Before(e.expires) {
			out = append(out, e.addr)
		} else {
			stale = true
		}
	}
	d.mu.RUnlock()
	if stale {
		d.prune(service, now) // ok: the read lock was released before pruning
	}
	return out
}

// LRU models a read-through cache whose Get, on a miss, stores the loaded
// value through the public Set, re-locking the mutex Get still holds.
type LRU struct {
	mu     sync.Mutex
	items  map[string]string
	order  []string
	limit  int
	loader func(key string) string
}

// Set stores value under key, evicting the oldest entry when full.
func (l *LRU) Set(key, value string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.order) >= l.limit {
		delete(l.items, l.order[0])
		l.order = l.order[1:]
	}
	l.items[key] = value
	l.order = append(l.order, key)
}

// Get returns the cached value, loading it on a miss.
func (l *LRU) Get(key string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if v, ok := l.items[key]; ok {
		return v
	}
	v := l.loader(strings.ToLower(key))
	l.Set(key, v) // want "l.mu is already locked"
	return v
}

// SafeLRU is the fixed cache: both paths store through setLocked.
type SafeLRU struct {
	mu     sync.Mutex
	items  map[string]string
	order  []string
	limit  int
	loader func(key string) string
}

// setLocked must be called with l.mu held.
func (l *SafeLRU) setLocked(key, value string) {
	if len(l.order) >= l.limit {
		delete(l.items, l.order[0])
		l.order = l.order[1:]
	}
	l.items[key] = value
	l.order = append(l.order, key)
}

// Set stores value under key.
func (l *SafeLRU) Set(key, value string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.setLocked(key, value) // ok: setLocked never locks l.mu
}

// Get returns the cached value, loading it on a miss.
func (l *SafeLRU) Get(key string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if v, ok := l.items[key]; ok {
		return v
	}
	v := l.loader(strings.ToLower(key))
	l.setLocked(key, v) // ok: setLocked runs under the lock held here and does not lock
	return v
}
