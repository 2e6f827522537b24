package gc203

import (
	"fmt"
	"sync"
)

type chunkKind int

const (
	chunkXOR chunkKind = iota
	chunkHistogram
)

// seriesWriter encodes series records under the series lock.
type seriesWriter struct {
	mu     sync.Mutex
	kind   chunkKind
	buf    []byte
	blocks []*blockRef
	index  map[string]int
}

type blockRef struct {
	mu     sync.Mutex
	closed bool
	data   []byte
}

// encode panics in the default of a switch over every known kind: an
// unreachable case, not an error a caller recovers from.
func (w *seriesWriter) encode(v float64) {
	w.mu.Lock()
	switch w.kind {
	case chunkXOR:
		w.buf = append(w.buf, byte(v))
	case chunkHistogram:
		w.buf = append(w.buf, byte(v), 0)
	default:
		panic(fmt.Sprintf("unknown chunk kind %d", w.kind)) // ok: unreachable default of an exhaustive switch
	}
	w.mu.Unlock()
}

// forget panics with a constant message on a broken invariant.
func (w *seriesWriter) forget(name string) {
	w.mu.Lock()
	if _, ok := w.index[name]; !ok {
		panic("forgetting unknown series") // ok: invariant check with a constant message
	}
	delete(w.index, name)
	w.mu.Unlock()
}

// reject panics with the caller's error: a request handler whose panic the
// server recovers leaves the lock held for every later request.
func (w *seriesWriter) reject(name string, err error) {
	w.mu.Lock()
	if err != nil {
		panic(fmt.Errorf("series %s: %w", name, err)) // want "w.mu is not unlocked on this path"
	}
	w.index[name] = len(w.index)
	w.mu.Unlock()
}

// firstNonEmpty is called with w.mu held; it drops the lock while it looks
// at each block and takes it back before moving on, so every iteration
// starts by unlocking it.
func (w *seriesWriter) firstNonEmpty() int {
	for i, b := range w.blocks {
		w.mu.Unlock()
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			w.mu.Lock() // ok: the next iteration starts by unlocking w.mu again
			continue
		}
		n := len(b.data)
		b.mu.Unlock()
		w.mu.Lock()
		if n > 0 {
			return i
		}
	}
	return -1
}

// touch takes and releases a lock around nothing; the `if false` keeps
// linters from flagging the empty critical section and never runs.
func touch(mu *sync.Mutex) {
	mu.Lock()
	if false {
		return // ok: never runs
	}
	mu.Unlock()
}
