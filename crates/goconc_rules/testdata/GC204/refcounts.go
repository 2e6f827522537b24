package gc204

import (
	"sync"
	"sync/atomic"
)

// A reference-counted table set: readers take a reference under the
// store's lock and drop it without the lock; the last one out closes
// drained. Swapping in new tables waits for the old set to drain while
// holding the store's lock, which no reader needs once it holds a
// reference.
type tableRefs struct {
	refs    *int32
	drained chan struct{}
	files   []string
}

func newTableRefs(files []string) *tableRefs {
	n := int32(1)
	return &tableRefs{refs: &n, drained: make(chan struct{}), files: files}
}

func (t *tableRefs) acquire() { atomic.AddInt32(t.refs, 1) }

func (t *tableRefs) release() {
	if atomic.AddInt32(t.refs, -1) == 0 {
		close(t.drained)
	}
}

type chunkStore struct {
	mu     sync.Mutex
	tables *tableRefs
	closed bool
}

func (s *chunkStore) read(fn func(files []string)) {
	s.mu.Lock()
	t := s.tables
	t.acquire()
	s.mu.Unlock()
	fn(t.files)
	t.release()
}

func (s *chunkStore) swap(files []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.tables
	s.tables = newTableRefs(files)
	old.release()
	<-old.drained // ok: readers drop their reference without s.mu
}

func (s *chunkStore) rebase(files []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tables.files = files
	<-s.tables.drained // ok: as in swap
}

func (s *chunkStore) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.tables.release()
}

// The same drain with a closer that must take the lock first: compaction
// marks the set finished under the store's lock, so a swap waiting under
// that lock waits forever.
type compactedRefs struct {
	drained chan struct{}
	files   []string
}

type compactedStore struct {
	mu       sync.Mutex
	segments *compactedRefs
}

func (s *compactedStore) swap(files []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.segments
	s.segments = &compactedRefs{drained: make(chan struct{}), files: files}
	<-old.drained // want "blocking receive from s.segments.drained while holding s.mu"
}

func (s *compactedStore) finishCompaction() {
	s.mu.Lock()
	seg := s.segments
	s.mu.Unlock()
	close(seg.drained)
}
