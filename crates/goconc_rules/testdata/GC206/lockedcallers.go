package gc206

import "sync"

// A block store whose garbage collector waits for outstanding reads on a
// Cond over the store's own mutex. The waiting helpers follow the
// "callers hold mu" convention; the callers take the lock either by name
// or through the Cond's L, and one helper is reached through another.
type blockStore struct {
	mu               sync.Mutex
	gcCond           *sync.Cond
	gcInProgress     bool
	outstandingReads int
	manifest         []string
}

func newBlockStore() *blockStore {
	s := &blockStore{}
	s.gcCond = sync.NewCond(&s.mu)
	return s
}

func (s *blockStore) EndGC() {
	s.gcCond.L.Lock()
	defer s.gcCond.L.Unlock()
	s.finishGC()
}

// finishGC must be called with s.mu held.
func (s *blockStore) finishGC() {
	for s.outstandingReads > 0 {
		s.gcCond.Wait() // ok: EndGC holds s.mu through s.gcCond.L
	}
	s.gcInProgress = false
	s.gcCond.Broadcast()
}

func (s *blockStore) Commit(entry string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updateManifest(entry)
}

// updateManifest must be called with s.mu held.
func (s *blockStore) updateManifest(entry string) {
	s.waitForGC()
	s.manifest = append(s.manifest, entry)
}

func (s *blockStore) waitForGC() {
	for s.gcInProgress {
		s.gcCond.Wait() // ok: every caller of updateManifest holds s.mu
	}
}

func (s *blockStore) endRead() {
	s.mu.Lock()
	s.outstandingReads--
	s.mu.Unlock()
	s.gcCond.Broadcast()
}

// The same helper chain, but one entry point calls it without the lock.
type journal struct {
	mu       sync.Mutex
	cond     *sync.Cond
	flushing bool
	entries  []string
}

func newJournal() *journal {
	j := &journal{}
	j.cond = sync.NewCond(&j.mu)
	return j
}

func (j *journal) Append(e string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.appendLocked(e)
}

func (j *journal) AppendUnsafe(e string) {
	j.appendLocked(e)
}

func (j *journal) appendLocked(e string) {
	j.awaitFlush()
	j.entries = append(j.entries, e)
}

func (j *journal) awaitFlush() {
	for j.flushing {
		j.cond.Wait() // want `j.cond.Wait without holding j.mu \(its L\), here or at this caller`
	}
}

func (j *journal) Flush() {
	j.mu.Lock()
	j.flushing = true
	j.mu.Unlock()
	j.mu.Lock()
	j.flushing = false
	j.mu.Unlock()
	j.cond.Broadcast()
}
