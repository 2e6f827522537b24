package gc204

import "sync"

// Caches that report evictions on a channel their users read through an
// accessor.

type lruCache struct {
	mu      sync.RWMutex
	items   map[string][]byte
	order   []string
	limit   int
	evicted chan string
}

func newLRUCache(limit int) *lruCache {
	return &lruCache{items: map[string][]byte{}, limit: limit, evicted: make(chan string)}
}

func (c *lruCache) Put(k string, v []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.items[k] = v
	c.order = append(c.order, k)
	if len(c.order) > c.limit {
		old := c.order[0]
		c.order = c.order[1:]
		delete(c.items, old)
		c.evicted <- old // want `blocking send on c.evicted while holding c.mu: only code outside the package receives from it`
	}
}

func (c *lruCache) Size() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.items)
}

func (c *lruCache) Evicted() <-chan string { return c.evicted }

// Negative: the eviction is announced after the lock is released.
type tileCache struct {
	mu      sync.Mutex
	tiles   map[string][]byte
	order   []string
	limit   int
	evicted chan string
}

func newTileCache(limit int) *tileCache {
	return &tileCache{tiles: map[string][]byte{}, limit: limit, evicted: make(chan string)}
}

func (c *tileCache) Put(k string, v []byte) {
	c.mu.Lock()
	c.tiles[k] = v
	c.order = append(c.order, k)
	var old string
	if len(c.order) > c.limit {
		old = c.order[0]
		c.order = c.order[1:]
		delete(c.tiles, old)
	}
	c.mu.Unlock()
	if old != "" {
		c.evicted <- old
	}
}

func (c *tileCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.tiles)
}

func (c *tileCache) Evicted() <-chan string { return c.evicted }

// Negative: a buffered notice channel that drops when full.
type fontCache struct {
	mu      sync.Mutex
	fonts   map[string][]byte
	evicted chan string
}

func newFontCache() *fontCache {
	return &fontCache{fonts: map[string][]byte{}, evicted: make(chan string, 16)}
}

func (c *fontCache) Drop(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.fonts, k)
	select {
	case c.evicted <- k:
	default:
	}
}

func (c *fontCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.fonts)
}

func (c *fontCache) Evicted() <-chan string { return c.evicted }
