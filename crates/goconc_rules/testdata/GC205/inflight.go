package gc205

import "sync"

// Hand-rolled "in-flight call" deduplication: the first caller loads, the
// others wait on the call's WaitGroup. Waiting while holding the cache lock
// blocks the loader, which needs the lock before its Done.

type inflightLoad struct {
	wg  sync.WaitGroup
	val []byte
	err error
}

type blobCache struct {
	mu       sync.Mutex
	blobs    map[string][]byte
	inflight map[string]*inflightLoad
}

func (c *blobCache) Get(key string, fetch func(string) ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	if b, ok := c.blobs[key]; ok {
		c.mu.Unlock()
		return b, nil
	}
	if l, ok := c.inflight[key]; ok {
		l.wg.Wait() // want `l.wg.Wait while holding c.mu: the call being waited for is another invocation of this function, which takes c.mu before its Done`
		c.mu.Unlock()
		return l.val, l.err
	}
	l := &inflightLoad{}
	l.wg.Add(1)
	c.inflight[key] = l
	c.mu.Unlock()

	l.val, l.err = fetch(key)

	c.mu.Lock()
	if l.err == nil {
		c.blobs[key] = l.val
	}
	delete(c.inflight, key)
	c.mu.Unlock()
	l.wg.Done()
	return l.val, l.err
}

type blobCacheFixed struct {
	mu       sync.Mutex
	blobs    map[string][]byte
	inflight map[string]*inflightLoad
}

func (c *blobCacheFixed) Get(key string, fetch func(string) ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	if b, ok := c.blobs[key]; ok {
		c.mu.Unlock()
		return b, nil
	}
	if l, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		l.wg.Wait() // ok: the lock is released first
		return l.val, l.err
	}
	l := &inflightLoad{}
	l.wg.Add(1)
	c.inflight[key] = l
	c.mu.Unlock()

	l.val, l.err = fetch(key)

	c.mu.Lock()
	if l.err == nil {
		c.blobs[key] = l.val
	}
	delete(c.inflight, key)
	c.mu.Unlock()
	l.wg.Done()
	return l.val, l.err
}

type blobCacheDoneFirst struct {
	mu       sync.Mutex
	blobs    map[string][]byte
	inflight map[string]*inflightLoad
}

// Get signals the waiters before it takes the lock to publish the result.
func (c *blobCacheDoneFirst) Get(key string, fetch func(string) ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	if l, ok := c.inflight[key]; ok {
		l.wg.Wait() // ok: the loader calls Done before it needs the lock
		c.mu.Unlock()
		return l.val, l.err
	}
	l := &inflightLoad{}
	l.wg.Add(1)
	c.inflight[key] = l
	c.mu.Unlock()

	l.val, l.err = fetch(key)
	l.wg.Done()

	c.mu.Lock()
	delete(c.inflight, key)
	if l.err == nil {
		c.blobs[key] = l.val
	}
	c.mu.Unlock()
	return l.val, l.err
}
