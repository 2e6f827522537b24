package gc201

import "sync"

// A build graph's marshal cache: Acquire locks the cache and returns an
// instance that embeds it; the instance's Release unlocks the same mutex
// under another path (inst.marshalCache.mu). Builders add mounts one
// after another, each taking and releasing the cache.
type marshalCache struct {
	mu      sync.Mutex
	digests map[string]string
}

type marshalCacheInstance struct {
	*marshalCache
}

func (mc *marshalCache) Acquire() *marshalCacheInstance {
	mc.mu.Lock()
	return &marshalCacheInstance{mc}
}

func (mc *marshalCacheInstance) Store(key, digest string) {
	if mc.digests == nil {
		mc.digests = map[string]string{}
	}
	mc.digests[key] = digest
}

func (mc *marshalCacheInstance) Release() {
	mc.mu.Unlock()
}

type execVertex struct {
	cache  marshalCache
	mounts []string
}

func (e *execVertex) AddMount(target string) {
	cache := e.cache.Acquire()
	defer cache.Release()
	e.mounts = append(e.mounts, target)
	cache.Store(target, "")
}

func (e *execVertex) Validate() bool {
	cache := e.cache.Acquire()
	ok := len(e.mounts) > 0
	cache.Release()
	return ok
}

// ok: each AddMount releases the cache through its instance before returning.
func buildScanner(run *execVertex, extras []string) bool {
	run.AddMount("/tmp")
	for _, extra := range extras {
		run.AddMount("/extras/" + extra)
	}
	run.AddMount("/out")
	return run.Validate()
}

// Holding the instance across a call that acquires the cache again
// deadlocks: the guard has not been released yet.
func snapshotMounts(e *execVertex) []string {
	cache := e.cache.Acquire()
	defer cache.Release()
	e.AddMount("/snapshot") // want "e.cache.mu is already locked: AddMount acquires it"
	return append([]string(nil), e.mounts...)
}
