package gc201

import "sync"

// An endpoint cache fed by a watch. Upsert notifies the registered
// handlers while it holds the cache lock, and the balancer's handler reads
// the cache back through List, which takes the same lock.
type endpointEntry struct {
	Service string
	Addr    string
}

type endpointHandler func(old, cur *endpointEntry)

type endpointCache struct {
	mu       sync.Mutex
	items    map[string]*endpointEntry
	handlers []endpointHandler
}

func (c *endpointCache) AddHandler(h endpointHandler) {
	c.mu.Lock()
	c.handlers = append(c.handlers, h)
	c.mu.Unlock()
}

func (c *endpointCache) Upsert(e *endpointEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.items[e.Service]
	c.items[e.Service] = e
	for _, h := range c.handlers {
		h(old, e) // want "c.mu is already locked when this registered callback runs, and the callback onEndpoint locks a mutex of the same kind"
	}
}

func (c *endpointCache) List(service string) []*endpointEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*endpointEntry
	for _, e := range c.items {
		if e.Service == service {
			out = append(out, e)
		}
	}
	return out
}

type roundRobin struct {
	cache *endpointCache
	mu    sync.Mutex
	addrs map[string][]string
}

func newRoundRobin(cache *endpointCache) *roundRobin {
	b := &roundRobin{cache: cache, addrs: map[string][]string{}}
	cache.AddHandler(b.onEndpoint) // related "onEndpoint is registered here"
	return b
}

func (b *roundRobin) onEndpoint(old, cur *endpointEntry) {
	var addrs []string
	for _, e := range b.cache.List(cur.Service) {
		addrs = append(addrs, e.Addr)
	}
	b.mu.Lock()
	b.addrs[cur.Service] = addrs
	b.mu.Unlock()
}

// The fixed cache copies the handlers under its lock and calls them after
// releasing it.
type notifyingCache struct {
	mu       sync.Mutex
	items    map[string]*endpointEntry
	handlers []endpointHandler
}

func (c *notifyingCache) AddHandler(h endpointHandler) {
	c.mu.Lock()
	c.handlers = append(c.handlers, h)
	c.mu.Unlock()
}

func (c *notifyingCache) Upsert(e *endpointEntry) {
	c.mu.Lock()
	old := c.items[e.Service]
	c.items[e.Service] = e
	handlers := append([]endpointHandler(nil), c.handlers...)
	c.mu.Unlock()
	for _, h := range handlers {
		h(old, e) // ok: called after the cache lock is released
	}
}

func (c *notifyingCache) Get(service string) *endpointEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.items[service]
}

type auditTrailSink struct {
	mu    sync.Mutex
	lines []string
}

func wireAudit(c *endpointCache, sink *auditTrailSink) {
	c.AddHandler(func(old, cur *endpointEntry) {
		sink.mu.Lock() // a different kind of mutex: no finding on its own
		sink.lines = append(sink.lines, cur.Addr)
		sink.mu.Unlock()
	})
}

func wireNotifying(c *notifyingCache) {
	c.AddHandler(func(old, cur *endpointEntry) { _ = c.Get(cur.Service) })
}

// Balancers nest: a child reports its status to its parent through a
// registered updater that locks the parent's handlers lock, a different
// object of the same type. Not a double lock.
type nestedBalancer struct {
	handlersMu sync.Mutex
	healthy    map[string]bool
	updaters   []func(up bool)
}

func (b *nestedBalancer) RegisterStatusUpdater(fn func(up bool)) {
	b.handlersMu.Lock()
	b.updaters = append(b.updaters, fn)
	b.handlersMu.Unlock()
}

func (b *nestedBalancer) SetStatus(name string, up bool) {
	b.handlersMu.Lock()
	defer b.handlersMu.Unlock()
	b.healthy[name] = up
	for _, fn := range b.updaters {
		fn(up) // ok: the registered updaters lock a parent balancer, not this one
	}
}

func linkBalancers(parent, child *nestedBalancer, name string) {
	child.RegisterStatusUpdater(func(up bool) {
		parent.SetStatus(name, up)
	})
}
