package gc204

import (
	"os"
	"sync"
)

// ioLimiter bounds concurrent disk operations: a token is taken from the
// buffered channel before an operation and put back after it.
type ioLimiter struct {
	tokens chan struct{}
}

func newIOLimiter(n int) *ioLimiter {
	l := &ioLimiter{tokens: make(chan struct{}, n)}
	for i := 0; i < n; i++ {
		l.tokens <- struct{}{}
	}
	return l
}

func (l *ioLimiter) acquire() { <-l.tokens }
func (l *ioLimiter) release() { l.tokens <- struct{}{} }

// segmentStore writes segments under its lock and limits its disk I/O.
type segmentStore struct {
	mu    sync.RWMutex
	dir   string
	io    *ioLimiter
	index map[string]int64
}

// rebuildIndex holds the store lock for the whole rebuild and takes an I/O
// token under it. Token holders only read the directory name under the
// lock before they take their own token, so none of them waits for the
// store lock while holding a token.
func (s *segmentStore) rebuildIndex() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.io.acquire() // ok: the releasing side takes the store lock only before its own acquire
	defer s.io.release()
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		s.index[e.Name()] = 0
	}
	return nil
}

// removeStale reads the directory under a short read lock, releases it,
// then does its I/O under a token.
func (s *segmentStore) removeStale(name string) error {
	s.mu.RLock()
	dir := s.dir
	s.mu.RUnlock()

	s.io.acquire()
	err := os.Remove(dir + "/" + name)
	s.io.release()
	return err
}

// journalStore is the broken twin: its flusher takes a token and then the
// store lock before giving the token back, while compact holds the store
// lock and waits for a token.
type journalStore struct {
	mu      sync.Mutex
	io      *ioLimiter
	pending [][]byte
	path    string
}

func (j *journalStore) compact() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.io.acquire() // want "blocking receive from j.io.tokens while holding j.mu"
	defer j.io.release()
	j.pending = j.pending[:0]
}

func (j *journalStore) flush() error {
	j.io.acquire()
	j.mu.Lock()
	batch := j.pending
	j.pending = nil
	j.mu.Unlock()
	err := appendAll(j.path, batch)
	j.io.release()
	return err
}

func appendAll(path string, batch [][]byte) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, b := range batch {
		if _, err := f.Write(b); err != nil {
			return err
		}
	}
	return nil
}
