package gc204

import "sync"

// Read-through caches that deduplicate loads: the first caller for a key
// loads it, later callers wait for its done channel.

type pendingLoad struct {
	done chan struct{}
	data []byte
	err  error
}

// blobCache waits for the leader while still holding c.mu; the leader
// needs c.mu to record the result before it closes done.
type blobCache struct {
	fetch   func(string) ([]byte, error)
	mu      sync.Mutex
	blobs   map[string][]byte
	pending map[string]*pendingLoad
}

func (c *blobCache) Get(key string) ([]byte, error) {
	c.mu.Lock()
	if b, ok := c.blobs[key]; ok {
		c.mu.Unlock()
		return b, nil
	}
	if p, ok := c.pending[key]; ok {
		<-p.done // want `blocking receive from p.done while holding c.mu`
		c.mu.Unlock()
		return p.data, p.err
	}
	p := &pendingLoad{done: make(chan struct{})}
	c.pending[key] = p
	c.mu.Unlock()

	p.data, p.err = c.fetch(key)

	c.mu.Lock()
	delete(c.pending, key)
	if p.err == nil {
		c.blobs[key] = p.data
	}
	c.mu.Unlock()
	close(p.done)
	return p.data, p.err
}

// Negative: the follower releases the lock before it waits.
type manifestCache struct {
	fetch     func(string) ([]byte, error)
	mu        sync.Mutex
	manifests map[string][]byte
	pending   map[string]*pendingLoad
}

func (c *manifestCache) Get(key string) ([]byte, error) {
	c.mu.Lock()
	if m, ok := c.manifests[key]; ok {
		c.mu.Unlock()
		return m, nil
	}
	if p, ok := c.pending[key]; ok {
		c.mu.Unlock()
		<-p.done
		return p.data, p.err
	}
	p := &pendingLoad{done: make(chan struct{})}
	c.pending[key] = p
	c.mu.Unlock()

	p.data, p.err = c.fetch(key)

	c.mu.Lock()
	delete(c.pending, key)
	if p.err == nil {
		c.manifests[key] = p.data
	}
	c.mu.Unlock()
	close(p.done)
	return p.data, p.err
}
