package gc206

import (
	"sync"
)

// buildJob models the "channel with Cond" deadlock: the waiter holds the
// lock and waits on the Cond, while the only goroutine that would signal
// it is first blocked sending an artifact that the waiter receives only
// after its wait loop.
type buildJob struct {
	mu   sync.Mutex
	cond *sync.Cond
	done bool
}

func newBuildJob() *buildJob {
	j := &buildJob{}
	j.cond = sync.NewCond(&j.mu)
	return j
}

// Run deadlocks: the signaller is stuck on artifacts.
func (j *buildJob) Run(build func() string) string {
	artifacts := make(chan string)
	j.mu.Lock()
	go func() {
		artifacts <- build()
		j.mu.Lock()
		j.done = true
		j.mu.Unlock()
		j.cond.Signal()
	}()
	for !j.done {
		j.cond.Wait() // want "can never wake"
	}
	j.mu.Unlock()
	return <-artifacts
}

// bufferedBuildJob is the fixed job: the artifact channel has room, so the
// signaller reaches Signal without waiting for the receiver.
type bufferedBuildJob struct {
	mu   sync.Mutex
	cond *sync.Cond
	done bool
}

func newBufferedBuildJob() *bufferedBuildJob {
	j := &bufferedBuildJob{}
	j.cond = sync.NewCond(&j.mu)
	return j
}

// Run cannot deadlock: the send before Signal is buffered.
func (j *bufferedBuildJob) Run(build func() string) string {
	artifacts := make(chan string, 1)
	j.mu.Lock()
	go func() {
		artifacts <- build()
		j.mu.Lock()
		j.done = true
		j.mu.Unlock()
		j.cond.Signal() // ok: the waiter in Run is reached, the send above cannot block
	}()
	for !j.done {
		j.cond.Wait() // ok: the signaller's send is buffered, Signal always happens
	}
	j.mu.Unlock()
	return <-artifacts
}

// drainGate models a shutdown gate whose closer waits for an
// acknowledgement before broadcasting, while the waiter only acknowledges
// after it has been woken.
type drainGate struct {
	mu     sync.Mutex
	cond   *sync.Cond
	closed bool
}

func newDrainGate() *drainGate {
	g := &drainGate{}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// Drain deadlocks: the broadcaster waits on ack, ack is closed after Wait.
func (g *drainGate) Drain() {
	ack := make(chan struct{})
	go func() {
		<-ack
		g.mu.Lock()
		g.closed = true
		g.mu.Unlock()
		g.cond.Broadcast()
	}()
	g.mu.Lock()
	for !g.closed {
		g.cond.Wait() // want "can never wake"
	}
	g.mu.Unlock()
	close(ack)
}

// ackFirstGate is the fixed gate: it acknowledges before waiting.
type ackFirstGate struct {
	mu     sync.Mutex
	cond   *sync.Cond
	closed bool
}

func newAckFirstGate() *ackFirstGate {
	g := &ackFirstGate{}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// Drain closes ack before blocking, so the broadcaster can proceed.
func (g *ackFirstGate) Drain() {
	ack := make(chan struct{})
	go func() {
		<-ack
		g.mu.Lock()
		g.closed = true
		g.mu.Unlock()
		g.cond.Broadcast() // ok: ack is closed before the waiter blocks
	}()
	close(ack)
	g.mu.Lock()
	for !g.closed {
		g.cond.Wait() // ok: the broadcaster is not blocked on a channel
	}
	g.mu.Unlock()
}

// leaderCache models a component whose waiters were migrated to channel
// subscriptions but which still broadcasts on the old Cond: nothing in the
// package waits on it any more, so the Broadcast can never reach anyone.
type leaderCache struct {
	mu            sync.Mutex
	leaderChanged *sync.Cond
	leader        string
	watchers      []chan string
}

func newLeaderCache() *leaderCache {
	c := &leaderCache{}
	c.leaderChanged = sync.NewCond(&c.mu)
	return c
}

// Watch subscribes to leader changes.
func (c *leaderCache) Watch() <-chan string {
	ch := make(chan string, 1)
	c.mu.Lock()
	c.watchers = append(c.watchers, ch)
	c.mu.Unlock()
	return ch
}

// Set records a new leader and notifies.
func (c *leaderCache) Set(leader string) {
	c.mu.Lock()
	c.leader = leader
	for _, w := range c.watchers {
		select {
		case w <- leader:
		default:
		}
	}
	c.mu.Unlock()
	c.leaderChanged.Broadcast() // want "can never reach"
}

// readyLatch models a latch that may be opened before anybody waits: the
// early Signal is lost, but waiters check the flag first, so nothing is
// missed.
type readyLatch struct {
	mu   sync.Mutex
	cond *sync.Cond
	open bool
}

func newReadyLatch() *readyLatch {
	l := &readyLatch{}
	l.cond = sync.NewCond(&l.mu)
	return l
}

// Open may run before any Await.
func (l *readyLatch) Open() {
	l.mu.Lock()
	l.open = true
	l.mu.Unlock()
	l.cond.Broadcast() // ok: Await checks l.open before waiting, an early Broadcast is harmless
}

// Await blocks until Open.
func (l *readyLatch) Await() {
	l.mu.Lock()
	for !l.open {
		l.cond.Wait() // ok: for loop with l.mu held
	}
	l.mu.Unlock()
}
