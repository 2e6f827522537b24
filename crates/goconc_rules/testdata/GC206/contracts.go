package gc206

import "sync"

// A value store that pauses writers while garbage collection runs. The
// helpers state their locking contract in their doc comments.

type gcValueStore struct {
	gcMu   sync.Mutex
	gcCond *sync.Cond
	inGC   bool
	reads  int
	values map[string][]byte
}

func newGCValueStore() *gcValueStore {
	s := &gcValueStore{values: make(map[string][]byte)}
	s.gcCond = sync.NewCond(&s.gcMu)
	return s
}

// waitForNoGC blocks until no collection is running.
// Call with s.gcMu locked.
func (s *gcValueStore) waitForNoGC() {
	for s.inGC {
		s.gcCond.Wait()
	}
}

// ok: the documented contract holds at every call.
func (s *gcValueStore) Put(key string, value []byte) {
	s.gcMu.Lock()
	defer s.gcMu.Unlock()
	s.waitForNoGC()
	s.values[key] = value
}

func (s *gcValueStore) collect(live func(string) bool) {
	s.gcMu.Lock()
	s.inGC = true
	for k := range s.values {
		if !live(k) {
			delete(s.values, k)
		}
	}
	s.inGC = false
	s.gcCond.Broadcast()
	s.gcMu.Unlock()
}

// beginRead registers a reader and returns the function that ends the read.
// The returned function must be called with s.gcMu held.
func (s *gcValueStore) beginRead() func() {
	s.reads++
	return func() {
		s.reads--
		if s.reads == 0 {
			s.gcCond.Broadcast()
		}
	}
}

func (s *gcValueStore) waitForReads() {
	s.gcMu.Lock()
	defer s.gcMu.Unlock()
	for s.reads > 0 {
		s.gcCond.Wait()
	}
}

func (s *gcValueStore) Get(key string) []byte {
	s.gcMu.Lock()
	end := s.beginRead()
	v := s.values[key]
	end()
	s.gcMu.Unlock()
	return v
}

// A second store whose helper has no such contract, and a caller that
// does not lock.
type pausedStore struct {
	mu     sync.Mutex
	cond   *sync.Cond
	paused bool
}

func newPausedStore() *pausedStore {
	s := &pausedStore{}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// waitUnpaused blocks until the store is resumed.
func (s *pausedStore) waitUnpaused() {
	for s.paused {
		s.cond.Wait() // want `s.cond.Wait without holding s.mu \(its L\), here or at this caller`
	}
}

func (s *pausedStore) Write() {
	s.waitUnpaused()
}

func (s *pausedStore) Resume() {
	s.mu.Lock()
	s.paused = false
	s.cond.Broadcast()
	s.mu.Unlock()
}
