package gc206

import "sync"

// segmentGate lets readers wait until the current compaction is done.
// finish flips the flag and broadcasts without the gate's lock: a reader
// that saw compacting == true under g.mu but has not reached Wait yet
// misses the broadcast and waits for the next compaction.
type segmentGate struct {
	mu         sync.Mutex
	cond       *sync.Cond
	compacting bool
	generation int
}

func newSegmentGate() *segmentGate {
	g := &segmentGate{}
	g.cond = sync.NewCond(&g.mu)
	return g
}

func (g *segmentGate) start() {
	g.mu.Lock()
	g.compacting = true
	g.mu.Unlock()
}

func (g *segmentGate) finish() {
	g.generation++
	g.compacting = false // want "finish changes g.compacting and wakes g.cond without holding g.mu"
	g.cond.Broadcast()
}

func (g *segmentGate) waitIdle() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.compacting {
		g.cond.Wait()
	}
	return g.generation
}

func runCompaction(g *segmentGate, compact func()) {
	g.start()
	compact()
	g.finish()
}

// flushGate changes its flag under the lock and broadcasts after
// releasing it: the waiter either sees the new value or is already in Wait.
type flushGate struct {
	mu       sync.Mutex
	cond     *sync.Cond
	flushing bool
}

func newFlushGate() *flushGate {
	g := &flushGate{}
	g.cond = sync.NewCond(&g.mu)
	return g
}

func (g *flushGate) begin() {
	g.mu.Lock()
	g.flushing = true
	g.mu.Unlock()
}

func (g *flushGate) end() {
	g.mu.Lock()
	g.flushing = false // ok: changed under g.mu
	g.mu.Unlock()
	g.cond.Broadcast()
}

func (g *flushGate) await() {
	g.mu.Lock()
	for g.flushing {
		g.cond.Wait()
	}
	g.mu.Unlock()
}

// endLocked documents that its caller holds the lock.
func (g *flushGate) endLocked() {
	g.flushing = false // ok: the caller holds g.mu (endLocked)
	g.cond.Broadcast()
}

func (g *flushGate) abort() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.endLocked()
}

// A helper whose every caller takes the lock first.
func (g *flushGate) clear() {
	g.flushing = false // ok: the only caller holds g.mu
	g.cond.Broadcast()
}

func (g *flushGate) reset() {
	g.mu.Lock()
	g.clear()
	g.mu.Unlock()
}

// tallyGate locks through the Cond's own L.
type tallyGate struct {
	mu      sync.Mutex
	cond    *sync.Cond
	pending int
}

func newTallyGate() *tallyGate {
	g := &tallyGate{}
	g.cond = sync.NewCond(&g.mu)
	return g
}

func (g *tallyGate) done() {
	g.cond.L.Lock()
	g.pending-- // ok: changed under g.cond.L, which is g.mu
	g.cond.Broadcast()
	g.cond.L.Unlock()
}

func (g *tallyGate) add() {
	g.mu.Lock()
	g.pending++
	g.mu.Unlock()
}

func (g *tallyGate) wait() {
	g.mu.Lock()
	for g.pending > 0 {
		g.cond.Wait()
	}
	g.mu.Unlock()
}

// jobSlots checks for a free slot through an accessor that locks and
// unlocks, then locks again only to wait: a release between the two
// Signals nobody.
type jobSlots struct {
	mu   sync.Mutex
	cond *sync.Cond
	free int
}

func newJobSlots(n int) *jobSlots {
	s := &jobSlots{free: n}
	s.cond = sync.NewCond(&s.mu)
	return s
}

func (s *jobSlots) available() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.free
}

func (s *jobSlots) Acquire() {
	for {
		if s.available() == 0 {
			s.mu.Lock() // related "the lock is taken here, after the condition was checked without it"
			s.cond.Wait() // want "s.cond.Wait right after taking the lock, with no check of the condition under it"
			s.mu.Unlock()
			continue
		}
		s.mu.Lock()
		if s.free > 0 {
			s.free--
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
	}
}

// AcquireChecked re-checks under the lock before every Wait.
func (s *jobSlots) AcquireChecked() {
	s.mu.Lock()
	for s.free == 0 {
		s.cond.Wait() // ok: the condition is checked under s.mu
	}
	s.free--
	s.mu.Unlock()
}

func (s *jobSlots) Release() {
	s.mu.Lock()
	s.free++
	s.mu.Unlock()
	s.cond.Signal()
}
