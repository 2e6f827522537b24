package gc202

import "sync"

// Merging into a value the caller has just built: merge locks the
// receiver, then the argument, but the receiver is always a fresh sum
// from newCounterSet that no other goroutine can see yet, so nobody can
// lock the pair the other way round.
type counterSet struct {
	mu     sync.Mutex
	counts map[string]int
}

func newCounterSet() *counterSet {
	return &counterSet{counts: make(map[string]int)}
}

func (c *counterSet) merge(other *counterSet) {
	c.mu.Lock()
	other.mu.Lock()
	for k, v := range other.counts {
		c.counts[k] += v
	}
	other.mu.Unlock()
	c.mu.Unlock()
}

type shardStats struct {
	shards []*counterSet
}

func (s *shardStats) Total() *counterSet {
	sum := newCounterSet()
	for _, shard := range s.shards {
		sum.merge(shard)
	}
	return sum
}

type builtStats struct {
	mu      sync.Mutex
	pending *counterSet
}

func newBuiltStats() *builtStats {
	b := &builtStats{pending: newCounterSet()}
	return b
}

type statsGroup struct {
	mu    sync.Mutex
	stats []*builtStats
}

func (g *statsGroup) Snapshot() *builtStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	snap := newBuiltStats()
	for _, st := range g.stats {
		snap.pending.merge(st.pending)
	}
	return snap
}
