package gc202

import "sync"

// The shapes below were false alarms of a class-level lock order on real
// services; each one nests two locks both ways, but something else orders
// the acquisitions.

// shard is one stripe of a sharded series index.
type shard struct {
	mu     sync.Mutex
	series map[uint64]*indexedSeries
}

type indexedSeries struct {
	mu      sync.Mutex
	ref     uint64
	samples int
}

// SeriesIndex models a TSDB-style head index whose series live in one stripe
// by hash and are garbage-collected with a second stripe by reference. The
// stripe lock is taken around the series lock when appending, and the other
// stripe is taken under the series lock during collection, but the two
// stripes are always different shards picked by index: the program orders
// them by index, which a per-type lock order cannot see.
type SeriesIndex struct {
	shards []shard
}

// Append adds a sample to series ref in stripe i.
func (x *SeriesIndex) Append(i int, ref uint64) {
	x.shards[i].mu.Lock()
	defer x.shards[i].mu.Unlock()
	if s, ok := x.shards[i].series[ref]; ok {
		s.mu.Lock() // ok: stripe locks are indexed instances ordered by the program, not a lock class
		s.samples++
		s.mu.Unlock()
	}
}

// Collect drops empty series from stripe j while holding each series lock.
func (x *SeriesIndex) Collect(s *indexedSeries, j int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.samples == 0 {
		x.shards[j].mu.Lock() // ok: the stripe picked by reference differs from the one held by Append
		delete(x.shards[j].series, s.ref)
		x.shards[j].mu.Unlock()
	}
}

// Backend models a storage backend whose commit path nests readMu -> mu
// while defragmentation nests mu -> readMu; both only ever run with the
// batch lock held (commit is an internal helper whose every caller holds
// it), so the two orders can never interleave.
type Backend struct {
	batchMu sync.Mutex
	mu      sync.RWMutex
	readMu  sync.Mutex
	pending int
	size    int64
}

// commit flushes pending writes; callers hold b.batchMu.
func (b *Backend) commit() {
	b.readMu.Lock()
	defer b.readMu.Unlock()
	b.mu.RLock() // ok: every caller of commit holds b.batchMu, which Defrag holds too
	b.size += int64(b.pending)
	b.mu.RUnlock()
	b.pending = 0
}

// Write records a write and commits when the batch is full.
func (b *Backend) Write(n int) {
	b.batchMu.Lock()
	defer b.batchMu.Unlock()
	b.pending += n
	if b.pending > 1024 {
		b.commit()
	}
}

// Defrag rewrites the database.
func (b *Backend) Defrag() {
	b.batchMu.Lock()
	defer b.batchMu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.readMu.Lock() // ok: serialised with commit by b.batchMu
	b.size /= 2
	b.readMu.Unlock()
}

// clusterNode is the node runner of a Cluster; its exported methods are
// only reachable through the unexported type, and every caller of Stop holds
// the cluster's control lock.
type clusterNode struct {
	mu      sync.RWMutex
	cluster *Cluster
	running bool
}

// Cluster models a swarm-style manager whose lifecycle operations (Leave,
// node Stop) run under controlMu: Leave nests mu -> node.mu and Stop nests
// node.mu -> mu, but never concurrently.
type Cluster struct {
	controlMu sync.Mutex
	mu        sync.RWMutex
	node      *clusterNode
	events    []string
}

func (c *Cluster) notify(ev string) {
	c.mu.Lock()
	c.events = append(c.events, ev)
	c.mu.Unlock()
}

// Stop stops the node; callers hold c.controlMu.
func (n *clusterNode) Stop() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.running = false
	n.cluster.notify("leave") // ok: Stop only runs under the control lock, as does Leave
}

func (n *clusterNode) isRunning() bool {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.running
}

// Leave stops the node if it is running.
func (c *Cluster) Leave() {
	c.controlMu.Lock()
	defer c.controlMu.Unlock()
	c.mu.Lock()
	running := c.node.isRunning() // ok: serialised with Stop by c.controlMu
	c.mu.Unlock()
	if running {
		c.node.Stop()
	}
}
