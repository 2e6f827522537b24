package gc204

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// Job is one unit of work.
type Job struct {
	ID      int
	Payload []byte
}

// WorkerPool models a resizable worker pool whose Shrink sends quit signals
// over an unbuffered channel while holding the pool lock; every worker takes
// that lock to update its statistics after each job, before it gets back to
// the select that would receive the quit signal.
type WorkerPool struct {
	mu      sync.Mutex
	workers int
	done    map[int]int
	jobs    chan Job
	quit    chan struct{}
	handle  func(Job)
}

// NewWorkerPool starts n workers.
func NewWorkerPool(n int, handle func(Job)) *WorkerPool {
	p := &WorkerPool{done: map[int]int{}, jobs: make(chan Job), quit: make(chan struct{}), handle: handle}
	p.Grow(n)
	return p
}

// Grow starts n more workers.
func (p *WorkerPool) Grow(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := 0; i < n; i++ {
		p.workers++
		go p.work(p.workers)
	}
}

func (p *WorkerPool) work(id int) {
	for {
		select {
		case j := <-p.jobs:
			p.handle(j)
			p.mu.Lock()
			p.done[id]++
			p.mu.Unlock()
		case <-p.quit:
			return
		}
	}
}

// Shrink stops n workers.
func (p *WorkerPool) Shrink(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := 0; i < n && p.workers > 0; i++ {
		p.quit <- struct{}{} // want "blocking send on p.quit while holding p.mu"
		p.workers--
	}
}

// SafeWorkerPool is the fixed pool: Shrink reserves the count under the lock
// and sends the quit signals after releasing it, one lock/unlock per
// iteration.
type SafeWorkerPool struct {
	mu      sync.Mutex
	workers int
	done    map[int]int
	jobs    chan Job
	quit    chan struct{}
	handle  func(Job)
}

func (p *SafeWorkerPool) work(id int) {
	for {
		select {
		case j := <-p.jobs:
			p.handle(j)
			p.mu.Lock()
			p.done[id]++
			p.mu.Unlock()
		case <-p.quit:
			return
		}
	}
}

// Grow starts n more workers.
func (p *SafeWorkerPool) Grow(n int) {
	for i := 0; i < n; i++ {
		p.mu.Lock()
		p.workers++
		id := p.workers
		p.mu.Unlock()
		go p.work(id)
	}
}

// Shrink stops n workers.
func (p *SafeWorkerPool) Shrink(n int) {
	for i := 0; i < n; i++ {
		p.mu.Lock()
		if p.workers == 0 {
			p.mu.Unlock()
			return
		}
		p.workers--
		p.mu.Unlock()
		p.quit <- struct{}{} // ok: the lock taken in this iteration was released just above
	}
}

// DispatchQueue models a delivery queue whose Push waits, inside a select
// with only a cancellation case as the alternative, for the consumer to take
// the item while holding q.mu; the consumer acknowledges each item under
// q.mu before receiving the next one.
type DispatchQueue struct {
	mu       sync.Mutex
	inflight map[int]bool
	out      chan Job
}

// NewDispatchQueue starts the consumer.
func NewDispatchQueue(handle func(Job)) *DispatchQueue {
	q := &DispatchQueue{inflight: map[int]bool{}, out: make(chan Job)}
	go func() {
		for j := range q.out {
			handle(j)
			q.ack(j.ID)
		}
	}()
	return q
}

func (q *DispatchQueue) ack(id int) {
	q.mu.Lock()
	delete(q.inflight, id)
	q.mu.Unlock()
}

// Push hands j to the consumer.
func (q *DispatchQueue) Push(ctx context.Context, j Job) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.inflight[j.ID] = true
	select { // want "while holding q.mu"
	case q.out <- j:
		return nil
	case <-ctx.Done():
		delete(q.inflight, j.ID)
		return ctx.Err()
	}
}

// SafeDispatchQueue is the fixed queue: the bookkeeping is done under the
// lock and the hand-off happens after releasing it.
type SafeDispatchQueue struct {
	mu       sync.Mutex
	inflight map[int]bool
	out      chan Job
}

func (q *SafeDispatchQueue) ack(id int) {
	q.mu.Lock()
	delete(q.inflight, id)
	q.mu.Unlock()
}

// Push hands j to the consumer.
func (q *SafeDispatchQueue) Push(ctx context.Context, j Job) error {
	q.mu.Lock()
	q.inflight[j.ID] = true
	q.mu.Unlock()
	select { // ok: no lock is held during the hand-off
	case q.out <- j:
		return nil
	case <-ctx.Done():
		q.ack(j.ID)
		return ctx.Err()
	}
}

// Aggregator models a scatter-gather aggregator that drains the results
// channel while holding the lock, but every producer takes the lock to mark
// its shard as reported before it sends its result.
type Aggregator struct {
	mu       sync.Mutex
	reported map[string]bool
	results  chan int
	total    int
}

// NewAggregator returns an aggregator for the given fan-out.
func NewAggregator() *Aggregator {
	return &Aggregator{reported: map[string]bool{}, results: make(chan int)}
}

// Produce reports the result of one shard.
func (a *Aggregator) Produce(shard string, v int) {
	a.mu.Lock()
	a.reported[shard] = true
	a.mu.Unlock()
	a.results <- v
}

// Gather starts one producer per shard and sums their results.
func (a *Aggregator) Gather(shards []string, query func(string) int) int {
	for _, sh := range shards {
		go a.Produce(sh, query(sh))
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for range shards {
		a.total += <-a.results // want "blocking receive from a.results while holding a.mu"
	}
	return a.total
}

// SafeAggregator is the fixed aggregator: results are received without the
// lock, and only the sum is updated under it.
type SafeAggregator struct {
	mu       sync.Mutex
	reported map[string]bool
	results  chan int
	total    int
}

// Produce reports the result of one shard.
func (a *SafeAggregator) Produce(shard string, v int) {
	a.mu.Lock()
	a.reported[shard] = true
	a.mu.Unlock()
	a.results <- v
}

// Gather starts one producer per shard and sums their results.
func (a *SafeAggregator) Gather(shards []string, query func(string) int) int {
	for _, sh := range shards {
		go a.Produce(sh, query(sh))
	}
	sum := 0
	for range shards {
		v := <-a.results // ok: received without holding a.mu
		a.mu.Lock()
		a.total += v
		sum = a.total
		a.mu.Unlock()
	}
	return sum
}

type pendingRequest struct {
	id   int
	done chan error
}

// RequestTracker models a tracker that completes a request by sending its
// result while holding the tracker lock. The waiter takes the same lock
// afterwards, but each done channel has capacity 1 and receives exactly one
// value (the request is removed from the map under the lock), so the send
// never blocks.
type RequestTracker struct {
	mu      sync.Mutex
	pending map[int]*pendingRequest
	latency map[int]time.Duration
}

// Start registers request id.
func (t *RequestTracker) Start(id int) *pendingRequest {
	r := &pendingRequest{id: id, done: make(chan error, 1)}
	t.mu.Lock()
	t.pending[id] = r
	t.mu.Unlock()
	return r
}

// Complete delivers the outcome of request id.
func (t *RequestTracker) Complete(id int, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r, ok := t.pending[id]
	if !ok {
		return
	}
	delete(t.pending, id)
	r.done <- err // ok: done has capacity 1 and this is its only send
}

// Wait waits for request r and records its latency.
func (t *RequestTracker) Wait(r *pendingRequest, started time.Time) error {
	err := <-r.done
	t.mu.Lock()
	t.latency[r.id] = time.Since(started)
	t.mu.Unlock()
	return err
}

// Prefetcher models a cache prefetcher that spawns the fetch goroutine while
// holding its lock; the goroutine sends the result after the spawning
// function has released the lock, and the consumer locks a different mutex.
type Prefetcher struct {
	mu       sync.Mutex
	statsMu  sync.Mutex
	inflight map[string]bool
	fetched  chan string
	hits     int
}

// NewPrefetcher starts the consumer of prefetched keys.
func NewPrefetcher(store func(string)) *Prefetcher {
	p := &Prefetcher{inflight: map[string]bool{}, fetched: make(chan string)}
	go func() {
		for k := range p.fetched {
			store(k)
			p.statsMu.Lock()
			p.hits++
			p.statsMu.Unlock()
		}
	}()
	return p
}

// Prefetch fetches key in the background unless already in flight.
func (p *Prefetcher) Prefetch(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inflight[key] {
		return
	}
	p.inflight[key] = true
	go func() {
		p.fetched <- key // ok: sent from the spawned goroutine, which does not hold p.mu
		p.mu.Lock()
		delete(p.inflight, key)
		p.mu.Unlock()
	}()
}

// Flush hands every in-flight key to the consumer while holding p.mu; the
// consumer only ever takes p.statsMu, never p.mu.
func (p *Prefetcher) Flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k := range p.inflight {
		p.fetched <- k // ok: the receiving goroutine takes p.statsMu, not p.mu
	}
}

// MetricsSink models a metrics pipeline whose flusher only TryLocks the
// registry before each receive: when the registry is busy it skips the
// snapshot instead of waiting, so it always reaches the receive.
type MetricsSink struct {
	mu      sync.Mutex
	gauges  map[string]float64
	samples chan float64
	last    map[string]float64
}

// NewMetricsSink starts the flusher.
func NewMetricsSink(export func(map[string]float64, float64)) *MetricsSink {
	m := &MetricsSink{gauges: map[string]float64{}, samples: make(chan float64)}
	go func() {
		for {
			if m.mu.TryLock() {
				m.last = make(map[string]float64, len(m.gauges))
				for k, v := range m.gauges {
					m.last[k] = v
				}
				m.mu.Unlock()
			}
			s, ok := <-m.samples
			if !ok {
				return
			}
			export(nil, s)
		}
	}()
	return m
}

// Record sets a gauge and forwards the sample.
func (m *MetricsSink) Record(name string, v float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gauges[name] = v
	m.samples <- v // ok: the flusher only TryLocks m.mu, which never blocks it from receiving
}

// Crawler models an errgroup fan-out scheduled while the crawler lock is
// held; the tasks send their pages from their own goroutines, and the
// collector takes the lock only after receiving.
type Crawler struct {
	mu    sync.Mutex
	once  sync.Once
	seen  map[string]bool
	pages chan string
	fetch func(ctx context.Context, url string) (string, error)
}

func (c *Crawler) init() {
	c.pages = make(chan string)
	c.seen = map[string]bool{}
}

// Crawl fetches urls concurrently and returns the number of new pages.
func (c *Crawler) Crawl(ctx context.Context, urls []string) (int, error) {
	c.once.Do(c.init)
	g, ctx := errgroup.WithContext(ctx)
	c.mu.Lock()
	for _, u := range urls {
		if c.seen[u] {
			continue
		}
		c.seen[u] = true
		g.Go(func() error {
			page, err := c.fetch(ctx, u)
			if err != nil {
				return err
			}
			select { // ok: runs in an errgroup goroutine that does not hold c.mu
			case c.pages <- page:
			case <-ctx.Done():
				return ctx.Err()
			}
			return nil
		})
	}
	c.mu.Unlock()
	var collectErr error
	fresh := 0
	done := make(chan struct{})
	go func() {
		collectErr = g.Wait()
		close(done)
	}()
	for {
		select {
		case <-c.pages:
			c.mu.Lock()
			fresh++
			c.mu.Unlock()
		case <-done:
			return fresh, collectErr
		}
	}
}

// Ticker models a heartbeat whose state is updated in both branches of an
// if, each with its own lock/unlock, and in an inline function with a
// deferred unlock closure, before the beat is sent.
type Ticker struct {
	mu    sync.Mutex
	beats int
	skips int
	out   chan int
}

// Beat records and publishes one heartbeat.
func (t *Ticker) Beat(skip bool) {
	if skip {
		t.mu.Lock()
		t.skips++
		t.mu.Unlock()
	} else {
		t.mu.Lock()
		t.beats++
		t.mu.Unlock()
	}
	n := func() int {
		t.mu.Lock()
		defer func() { t.mu.Unlock() }()
		return t.beats
	}()
	t.out <- n // ok: both branches and the inline function released t.mu before the send
}

// Watch receives heartbeats and reads the skip counter under the lock.
func (t *Ticker) Watch(report func(beats, skips int)) {
	for n := range t.out {
		t.mu.Lock()
		skips := t.skips
		t.mu.Unlock()
		report(n, skips)
	}
}
