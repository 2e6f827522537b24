package gc206

import (
	"errors"
	"sync"
	"time"
)

// boundedQueue is a blocking FIFO with a capacity. The waits live in small
// helpers that keep the blocked-producer/consumer gauges up to date; the
// callers own the predicate and re-check it in a loop.
type boundedQueue struct {
	mu       sync.Mutex
	notFull  *sync.Cond
	notEmpty *sync.Cond
	items    []string
	limit    int
	closed   bool

	blockedPuts  int
	blockedTakes int
}

func newBoundedQueue(limit int) *boundedQueue {
	q := &boundedQueue{limit: limit}
	q.notFull = sync.NewCond(&q.mu)
	q.notEmpty = sync.NewCond(&q.mu)
	return q
}

// waitForSpace parks a producer until a consumer frees a slot. The caller
// holds q.mu and re-checks the capacity when it returns.
func (q *boundedQueue) waitForSpace() {
	q.blockedPuts++
	q.notFull.Wait() // ok: Put and PutAll call waitForSpace inside for loops on the capacity
	q.blockedPuts--
}

// waitForItem parks a consumer until a producer adds an item or the queue
// closes. The caller holds q.mu.
func (q *boundedQueue) waitForItem() {
	q.blockedTakes++
	q.notEmpty.Wait() // ok: Take calls waitForItem inside a for loop on len(q.items)
	q.blockedTakes--
}

// Put blocks while the queue is full.
func (q *boundedQueue) Put(s string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) >= q.limit && !q.closed {
		q.waitForSpace()
	}
	if q.closed {
		return errors.New("queue closed")
	}
	q.items = append(q.items, s)
	q.notEmpty.Signal()
	return nil
}

// PutAll enqueues a batch, blocking for room item by item.
func (q *boundedQueue) PutAll(batch []string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, s := range batch {
		for len(q.items) >= q.limit {
			if q.closed {
				return errors.New("queue closed")
			}
			q.waitForSpace()
		}
		q.items = append(q.items, s)
		q.notEmpty.Signal()
	}
	return nil
}

// Take blocks until an item is available or the queue is closed.
func (q *boundedQueue) Take() (string, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 && !q.closed {
		q.waitForItem()
	}
	if len(q.items) == 0 {
		return "", false
	}
	s := q.items[0]
	q.items = q.items[1:]
	q.notFull.Signal()
	return s, true
}

// Close wakes every blocked producer and consumer.
func (q *boundedQueue) Close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.notFull.Broadcast()
	q.notEmpty.Broadcast()
}

// compactionGate lets one compaction run at a time; the others queue on
// turn. waitTurn is the shared parking helper.
type compactionGate struct {
	mu      sync.Mutex
	turn    *sync.Cond
	running bool
	queued  int
	started time.Time
}

func newCompactionGate() *compactionGate {
	g := &compactionGate{}
	g.turn = sync.NewCond(&g.mu)
	return g
}

// waitTurn parks the caller until the running compaction finishes. The
// caller holds g.mu.
func (g *compactionGate) waitTurn() {
	g.queued++
	g.turn.Wait() // want "Wait is not in a loop, and TryCompact calls waitTurn outside a loop"
	g.queued--
}

// Compact waits for its turn, re-checking after every wake-up.
func (g *compactionGate) Compact(run func()) {
	g.mu.Lock()
	for g.running {
		g.waitTurn()
	}
	g.running = true
	g.started = time.Now()
	g.mu.Unlock()

	run()

	g.mu.Lock()
	g.running = false
	g.mu.Unlock()
	g.turn.Broadcast()
}

// TryCompact waits at most one turn: with several queued compactions the
// Broadcast wakes them all and every one of them sets running.
func (g *compactionGate) TryCompact(run func()) {
	g.mu.Lock()
	if g.running {
		g.waitTurn()
	}
	g.running = true
	g.mu.Unlock()

	run()

	g.mu.Lock()
	g.running = false
	g.mu.Unlock()
	g.turn.Broadcast()
}

// walFlusher batches log appends; writers block until their record is
// durable.
type walFlusher struct {
	mu         sync.Mutex
	durable    sync.Cond
	flushedSeq uint64
	nextSeq    uint64
	waiters    int
	stalls     int
	stalled    time.Duration
}

func newWALFlusher() *walFlusher {
	f := &walFlusher{}
	f.durable.L = &f.mu
	return f
}

// awaitFlush parks the caller until the next flush completes; the flush
// loop reads f.waiters to decide whether to flush early. The caller holds
// f.mu.
func (f *walFlusher) awaitFlush() {
	f.waiters++
	f.durable.Wait() // ok: Append loops on f.flushedSeq, and Sync loops around parkWriter, its other caller
	f.waiters--
}

// Append assigns a sequence number and waits until it is durable.
func (f *walFlusher) Append(rec []byte) uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextSeq++
	seq := f.nextSeq
	for f.flushedSeq < seq {
		f.awaitFlush()
	}
	return seq
}

// parkWriter records a stall for the metrics and parks until the next
// flush. The caller holds f.mu and owns the predicate.
func (f *walFlusher) parkWriter(since time.Time) {
	f.stalls++
	f.awaitFlush()
	f.stalled += time.Since(since)
}

// Sync waits until every record appended so far is durable.
func (f *walFlusher) Sync() {
	f.mu.Lock()
	defer f.mu.Unlock()
	start := time.Now()
	for f.flushedSeq < f.nextSeq {
		f.parkWriter(start)
	}
}

// flushed publishes a completed flush.
func (f *walFlusher) flushed(upTo uint64) {
	f.mu.Lock()
	f.flushedSeq = upTo
	f.mu.Unlock()
	f.durable.Broadcast() // ok: awaitFlush and WaitForFlush wait on f.durable
}

// WaitForFlush is an exported helper with no caller in this package: it
// cannot be vouched for by its callers, and returns after any flush,
// including one for an unrelated, earlier record.
func (f *walFlusher) WaitForFlush() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.durable.Wait() // want "Wait is not in a loop: the condition"
}
