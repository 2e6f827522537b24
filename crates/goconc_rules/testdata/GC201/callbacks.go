package gc201

import (
	"log"
	"sync"
)

// Callbacks stored in a field of the object they call back into: running
// one while holding the object's lock locks it again.

type flagStore struct {
	mu       sync.Mutex
	values   map[string]bool
	onChange func(name string)
}

func (f *flagStore) Enabled(name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.values[name]
}

func (f *flagStore) Set(name string, on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.values[name] = on
	if f.onChange != nil {
		f.onChange(name) // want `f.mu is already locked: the function literal it runs acquires it`
	}
}

// SetQuietly runs the callback after releasing the lock.
func (f *flagStore) SetQuietly(name string, on bool) {
	f.mu.Lock()
	f.values[name] = on
	notify := f.onChange
	f.mu.Unlock()
	if notify != nil {
		notify(name) // ok: called after Unlock
	}
}

// auditFlags logs every change, reading the new value back.
func auditFlags(f *flagStore) {
	f.onChange = func(name string) {
		log.Printf("flag %s is now %v", name, f.Enabled(name))
	}
}

// An LRU whose eviction hook records the eviction in the cache's stats.
type hookedLRU struct {
	mu      sync.Mutex
	items   map[string][]byte
	evicted int
	onEvict func(key string)
}

func newHookedLRU() *hookedLRU {
	c := &hookedLRU{items: map[string][]byte{}}
	c.onEvict = func(key string) {
		c.mu.Lock()
		c.evicted++
		c.mu.Unlock()
	}
	return c
}

func (c *hookedLRU) Remove(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.items, key)
	c.onEvict(key) // want `c.mu is already locked: the function literal it runs acquires it`
}

// A hook set through a setter: wirePluggable registers, on p itself, a
// hook that reads p, so Put locks p.mu twice.
type pluggableStore struct {
	mu     sync.Mutex
	values map[string]string
	hook   func(key string)
}

func (p *pluggableStore) SetHook(h func(key string)) { p.hook = h }

func (p *pluggableStore) Get(key string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.values[key]
}

func (p *pluggableStore) Put(key, value string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.values[key] = value
	if p.hook != nil {
		p.hook(key) // want "p.mu is already locked when this registered callback runs"
	}
}

func wirePluggable(p *pluggableStore) {
	p.SetHook(func(key string) { log.Print(p.Get(key)) })
}

// A callback that only touches its own state.
type counterStore struct {
	mu      sync.Mutex
	n       int
	onIncr  func()
	statsMu sync.Mutex
	incrs   int
}

func newCounterStore() *counterStore {
	c := &counterStore{}
	c.onIncr = func() {
		c.statsMu.Lock()
		c.incrs++
		c.statsMu.Unlock()
	}
	return c
}

func (c *counterStore) Incr() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	c.onIncr() // ok: the callback takes another mutex
}
