package gc202

import "sync"

// latencyWindow is a mergeable histogram guarded by its own mutex.
type latencyWindow struct {
	mu      sync.Mutex
	samples []float64
}

// mergeFrom locks the receiver, then the other window: two calls with the
// windows swapped deadlock, if any caller can make them.
func (w *latencyWindow) mergeFrom(other *latencyWindow) {
	w.mu.Lock()
	defer w.mu.Unlock()
	other.mu.Lock() // ok: every caller merges into a window it has just built
	w.samples = append(w.samples, other.samples...)
	other.mu.Unlock()
}

type topicStats struct {
	channels []*latencyWindow
}

// aggregate merges every channel's window into a fresh one: no other
// goroutine can hold the fresh window, so no call can mirror this one.
func (t *topicStats) aggregate() *latencyWindow {
	var total *latencyWindow
	for _, c := range t.channels {
		if total == nil {
			total = &latencyWindow{}
		}
		total.mergeFrom(c)
	}
	return total
}

// shardPair merges two long-lived shards into each other, in an order the
// callers choose.
type shardPair struct {
	left, right *latencyWindow
}

func (w *latencyWindow) absorb(other *latencyWindow) {
	w.mu.Lock()
	defer w.mu.Unlock()
	other.mu.Lock() // want "acquires other.mu while holding w.mu"
	w.samples = append(w.samples, other.samples...)
	other.samples = nil
	other.mu.Unlock()
}

// rebalance may run concurrently with rebalanceBack: left into right here,
// right into left there.
func (p *shardPair) rebalance() {
	p.right.absorb(p.left)
}

func (p *shardPair) rebalanceBack() {
	p.left.absorb(p.right)
}
