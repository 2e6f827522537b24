package gc206

import "sync"

// proposalLimiter bounds in-flight proposal weight. incr waits on a local
// copy of the Cond field; done's Broadcast reaches it.
type proposalLimiter struct {
	c      *sync.Cond
	iou    int
	max    int
	closed bool
}

func newProposalLimiter(max int) *proposalLimiter {
	return &proposalLimiter{c: sync.NewCond(&sync.Mutex{}), max: max}
}

func (l *proposalLimiter) incr(weight int) bool {
	c := l.c
	c.L.Lock()
	defer c.L.Unlock()
	for l.iou+weight > l.max && !l.closed {
		c.Wait()
	}
	if l.closed {
		return false
	}
	l.iou += weight
	return true
}

func (l *proposalLimiter) done(weight int) {
	l.c.L.Lock()
	l.iou -= weight
	l.c.L.Unlock()
	l.c.Broadcast() // ok: incr waits on the same Cond through its local copy
}

func (l *proposalLimiter) close() {
	l.c.L.Lock()
	l.closed = true
	l.c.L.Unlock()
	l.c.Broadcast() // ok: same
}

// snapshotGate broadcasts on a Cond that nothing waits on, not even
// through a copy.
type snapshotGate struct {
	c       *sync.Cond
	version int
}

func newSnapshotGate() *snapshotGate {
	return &snapshotGate{c: sync.NewCond(&sync.Mutex{})}
}

func (g *snapshotGate) publish() {
	c := g.c
	c.L.Lock()
	g.version++
	c.L.Unlock()
	c.Broadcast() // want "c.Broadcast can never reach a waiter"
}

func (g *snapshotGate) current() int {
	g.c.L.Lock()
	defer g.c.L.Unlock()
	return g.version
}
