package gc206

import (
	"sync"
)

// startBarrier models a start barrier whose Await forgets to take the
// lock: Cond.Wait unlocks L first, which panics ("unlock of unlocked
// mutex") and in any case races with the signaller.
type startBarrier struct {
	mu      sync.Mutex
	cond    *sync.Cond
	arrived int
	parties int
}

func newStartBarrier(parties int) *startBarrier {
	b := &startBarrier{parties: parties}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// Arrive registers one party and wakes the waiters when all are in.
func (b *startBarrier) Arrive() {
	b.mu.Lock()
	b.arrived++
	if b.arrived == b.parties {
		b.cond.Broadcast() // ok: Await and AwaitFixed wait on b.cond
	}
	b.mu.Unlock()
}

// Await waits without holding b.mu.
func (b *startBarrier) Await() {
	for b.arrived < b.parties {
		b.cond.Wait() // want "Wait without holding"
	}
}

// AwaitFixed locks through Cond.L, which is the same mutex.
func (b *startBarrier) AwaitFixed() {
	b.cond.L.Lock()
	defer b.cond.L.Unlock()
	for b.arrived < b.parties {
		b.cond.Wait() // ok: L is held through b.cond.L.Lock()
	}
}

// jobTracker models a tracker that checks its predicate under the lock,
// releases the lock, and then loops on Wait without it.
type jobTracker struct {
	mu      sync.Mutex
	cond    *sync.Cond
	pending int
}

func newJobTracker() *jobTracker {
	t := &jobTracker{}
	t.cond = sync.NewCond(&t.mu)
	return t
}

// Finish marks one job done.
func (t *jobTracker) Finish() {
	t.mu.Lock()
	t.pending--
	t.mu.Unlock()
	t.cond.Broadcast() // ok: Drain waits on t.cond
}

// Drain unlocks before the wait loop.
func (t *jobTracker) Drain() {
	t.mu.Lock()
	busy := t.pending > 0
	t.mu.Unlock()
	for busy {
		t.cond.Wait() // want "Wait without holding"
		busy = t.pending > 0
	}
}

// sessionTable models a table with two mutexes where the condition is
// built on stateMu but Wait is called holding connMu.
type sessionTable struct {
	stateMu sync.Mutex
	connMu  sync.Mutex
	ready   *sync.Cond
	open    bool
	conns   int
}

func newSessionTable() *sessionTable {
	s := &sessionTable{}
	s.ready = sync.NewCond(&s.stateMu)
	return s
}

// Open marks the table ready.
func (s *sessionTable) Open() {
	s.stateMu.Lock()
	s.open = true
	s.stateMu.Unlock()
	s.ready.Broadcast() // ok: AwaitOpen waits on s.ready
}

// AwaitOpen holds the wrong mutex.
func (s *sessionTable) AwaitOpen() {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	for !s.open {
		s.ready.Wait() // want "Wait without holding"
	}
	s.conns++
}

// AwaitOpenFixed holds stateMu, the Cond's L.
func (s *sessionTable) AwaitOpenFixed() {
	s.stateMu.Lock()
	for !s.open {
		s.ready.Wait() // ok: stateMu is L and is held
	}
	s.stateMu.Unlock()
	s.connMu.Lock()
	s.conns++
	s.connMu.Unlock()
}

// snapshotIndex models an index whose readers wait on a Cond built over
// the RWMutex itself while only holding the read lock.
type snapshotIndex struct {
	mu      sync.RWMutex
	rebuilt *sync.Cond
	gen     int
}

func newSnapshotIndex() *snapshotIndex {
	x := &snapshotIndex{}
	x.rebuilt = sync.NewCond(&x.mu)
	return x
}

// Rebuild bumps the generation.
func (x *snapshotIndex) Rebuild() {
	x.mu.Lock()
	x.gen++
	x.mu.Unlock()
	x.rebuilt.Broadcast() // ok: WaitGen waits on x.rebuilt
}

// WaitGen holds RLock, but L is the write side of x.mu.
func (x *snapshotIndex) WaitGen(after int) int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	for x.gen <= after {
		x.rebuilt.Wait() // want "Wait without holding"
	}
	return x.gen
}

// readerIndex is the fixed index: the Cond is built on RLocker(), so
// holding the read lock is holding L.
type readerIndex struct {
	rw     sync.RWMutex
	bumped *sync.Cond
	gen    int
}

func newReaderIndex() *readerIndex {
	x := &readerIndex{}
	x.bumped = sync.NewCond(x.rw.RLocker())
	return x
}

// Rebuild bumps the generation.
func (x *readerIndex) Rebuild() {
	x.rw.Lock()
	x.gen++
	x.rw.Unlock()
	x.bumped.Broadcast() // ok: WaitGen waits on x.bumped
}

// WaitGen holds the read lock, which is L.
func (x *readerIndex) WaitGen(after int) int {
	x.rw.RLock()
	defer x.rw.RUnlock()
	for x.gen <= after {
		x.bumped.Wait() // ok: L is x.rw.RLocker() and the read lock is held
	}
	return x.gen
}

// flowWindow models a flow-control window with a lazily created Cond
// (sync.Once) and a wait helper that documents "caller holds w.mu".
type flowWindow struct {
	mu     sync.Mutex
	once   sync.Once
	cond   *sync.Cond
	credit int
}

func (w *flowWindow) init() {
	w.once.Do(func() { w.cond = sync.NewCond(&w.mu) }) // ok: sync.Once creates the Cond exactly once
}

// waitCreditLocked must be called with w.mu held; every caller does so.
func (w *flowWindow) waitCreditLocked(n int) {
	for w.credit < n {
		w.cond.Wait() // ok: the only caller, Reserve, holds w.mu
	}
}

// Reserve takes n credits, waiting for them.
func (w *flowWindow) Reserve(n int) {
	w.init()
	w.mu.Lock()
	w.waitCreditLocked(n)
	w.credit -= n
	w.mu.Unlock()
}

// Release returns credits.
func (w *flowWindow) Release(n int) {
	w.init()
	w.mu.Lock()
	w.credit += n
	w.mu.Unlock()
	w.cond.Broadcast() // ok: waitCreditLocked waits on w.cond
}
