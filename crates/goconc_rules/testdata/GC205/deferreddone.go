package gc205

import (
	"context"
	"errors"
	"log"
	"net/url"
	"sync"
)

// A segmentReplicator ships a segment to every replicaPeer in parallel. shipTo
// validates the replicaPeer's endpoint before it registers its deferred
// Done: a replicaPeer with a malformed URL returns early, its count is never
// released, and Replicate waits forever.
type replicaPeer struct {
	ID       string
	Endpoint string
}

type segShipper interface {
	Ship(ctx context.Context, u *url.URL, seg []byte) error
}

type segmentReplicator struct {
	followers []replicaPeer
	shipper   segShipper
}

func (r *segmentReplicator) Replicate(ctx context.Context, seg []byte) {
	var wg sync.WaitGroup
	for _, f := range r.followers {
		wg.Add(1)
		go r.shipTo(ctx, f, seg, &wg)
	}
	wg.Wait()
}

func (r *segmentReplicator) shipTo(ctx context.Context, f replicaPeer, seg []byte, wg *sync.WaitGroup) {
	u, err := url.Parse(f.Endpoint)
	if err != nil {
		log.Printf("replicaPeer %s: bad endpoint: %v", f.ID, err)
		return // want `wg\.Done is not called on this path`
	}
	defer wg.Done() // related "the deferred Done is only registered here"
	if err := r.shipper.Ship(ctx, u, seg); err != nil {
		log.Printf("replicaPeer %s: %v", f.ID, err)
	}
}

// The same mistake on a field group: the compaction worker bails out on a
// closed store before its defer.
type levelCompactor struct {
	mu      sync.Mutex
	closed  bool
	running sync.WaitGroup
	levels  [][]string
}

var errCompactorClosed = errors.New("store closed")

func (c *levelCompactor) CompactAll() {
	for level := range c.levels {
		c.running.Add(1)
		go c.compactLevel(level)
	}
	c.running.Wait()
}

func (c *levelCompactor) compactLevel(level int) {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return // want `c\.running\.Done is not called on this path`
	}
	defer c.running.Done()
	c.mu.Lock()
	c.levels[level] = nil
	c.mu.Unlock()
}

// Fixed: the defer is the first statement, so every return releases the
// count.
func (r *segmentReplicator) shipToFixed(ctx context.Context, f replicaPeer, seg []byte, wg *sync.WaitGroup) {
	defer wg.Done()
	u, err := url.Parse(f.Endpoint)
	if err != nil {
		log.Printf("replicaPeer %s: bad endpoint: %v", f.ID, err)
		return
	}
	if err := r.shipper.Ship(ctx, u, seg); err != nil {
		log.Printf("replicaPeer %s: %v", f.ID, err)
	}
}

func (r *segmentReplicator) ReplicateFixed(ctx context.Context, seg []byte) {
	var wg sync.WaitGroup
	for _, f := range r.followers {
		wg.Add(1)
		go r.shipToFixed(ctx, f, seg, &wg)
	}
	wg.Wait()
}

// Fixed: the function checks in with the group itself, after the early
// return; paths before the Add owe nothing.
type drainTracker struct {
	mu       sync.Mutex
	draining bool
	inflight sync.WaitGroup
}

func (t *drainTracker) Handle(serve func()) error {
	t.mu.Lock()
	if t.draining {
		t.mu.Unlock()
		return errCompactorClosed
	}
	t.inflight.Add(1)
	t.mu.Unlock()
	defer t.inflight.Done()
	serve()
	return nil
}

func (t *drainTracker) Drain() {
	t.mu.Lock()
	t.draining = true
	t.mu.Unlock()
	t.inflight.Wait()
}

// Fixed: the early path releases the count explicitly before returning.
func (c *levelCompactor) compactLevelFixed(level int) {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		c.running.Done()
		return
	}
	defer c.running.Done()
	c.mu.Lock()
	c.levels[level] = nil
	c.mu.Unlock()
}

func (c *levelCompactor) CompactAllFixed() {
	for level := range c.levels {
		c.running.Add(1)
		go c.compactLevelFixed(level)
	}
	c.running.Wait()
}

// Fixed by design: the group is optional, and the returns below the
// conditional defer are covered whenever there is a group to release.
type taskStatsCollector struct {
	tasks []string
	fetch func(id string) (map[string]float64, error)
	out   chan<- map[string]float64
}

func (c *taskStatsCollector) collect(id string, wg *sync.WaitGroup) {
	if wg != nil {
		defer wg.Done()
	}
	stats, err := c.fetch(id)
	if err != nil {
		log.Printf("stats %s: %v", id, err)
		return
	}
	c.out <- stats
}

func (c *taskStatsCollector) CollectAll() {
	var wg sync.WaitGroup
	for _, id := range c.tasks {
		wg.Add(1)
		go c.collect(id, &wg)
	}
	wg.Wait()
}
