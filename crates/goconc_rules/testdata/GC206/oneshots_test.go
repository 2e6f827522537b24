package gc206

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Tests of the wrapper itself wait once and then wake it.
func TestCtxCondReturnsOnCancel(t *testing.T) {
	q := newDispatchQueue()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	q.mu.Lock()
	q.cond.WaitCtx(ctx)
	q.mu.Unlock()
}

// A paced-call stub: every call parks until the test broadcasts the gate.
// There is no predicate to re-check; the test counts the parked calls.
type gatedCall struct {
	gate   *sync.Cond
	calls  int
	parked int
}

func (g *gatedCall) call() error {
	if g.gate != nil {
		g.gate.L.Lock()
		g.parked++
		g.gate.Wait() // ok: a bare gate in a test double
		g.parked--
		g.gate.L.Unlock()
	}
	g.calls++
	return nil
}

// A stub that does test a condition, but only once.
type readyStub struct {
	cond  *sync.Cond
	ready int
}

func (r *readyStub) await() {
	r.cond.L.Lock()
	defer r.cond.L.Unlock()
	if r.ready == 0 {
		r.cond.Wait() // want `r.cond.Wait is not in a loop`
	}
	r.ready--
}

func (r *readyStub) release(n int) {
	r.cond.L.Lock()
	r.ready += n
	r.cond.Broadcast()
	r.cond.L.Unlock()
}

func TestGatedCalls(t *testing.T) {
	g := &gatedCall{gate: sync.NewCond(&sync.Mutex{})}
	done := make(chan struct{})
	go func() {
		_ = g.call()
		close(done)
	}()
	for {
		g.gate.L.Lock()
		parked := g.parked
		g.gate.L.Unlock()
		if parked == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	g.gate.Broadcast()
	<-done
	r := &readyStub{cond: sync.NewCond(&sync.Mutex{})}
	go r.release(1)
	r.await()
}

// A retrying-call stub: tests that need to stall it hand in their own
// Cond and broadcast it under the local's name; the others leave it nil.
type stalledCall struct {
	stall  *sync.Cond
	called int
}

func (s *stalledCall) call() error {
	if s.stall != nil {
		s.stall.L.Lock()
		s.stall.Wait() // ok: woken through the test's own variable
		s.stall.L.Unlock()
	}
	s.called++
	return nil
}

// A stub whose gate no test ever sets: the guarded Wait never runs.
type unusedGateCall struct {
	hold   *sync.Cond
	called int
}

func (u *unusedGateCall) call() error {
	if u.hold != nil {
		u.hold.L.Lock()
		u.hold.Wait() // ok: hold is always nil
		u.hold.L.Unlock()
	}
	u.called++
	return nil
}

func TestStalledCall(t *testing.T) {
	stall := sync.NewCond(&sync.Mutex{})
	s := &stalledCall{stall: stall}
	done := make(chan struct{})
	go func() {
		_ = s.call()
		close(done)
	}()
	time.Sleep(10 * time.Millisecond)
	stall.Broadcast()
	<-done
	u := &unusedGateCall{}
	_ = u.call()
}
