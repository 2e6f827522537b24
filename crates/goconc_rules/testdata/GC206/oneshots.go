package gc206

import (
	"context"
	"sync"
)

// A write-once promise: isSet only ever goes from false to true, and the
// only Broadcast follows that store, so a waiter woken by it always finds
// the value set. The `if` is as good as a loop.
type writeOncePromise struct {
	lock    sync.Mutex
	cond    *sync.Cond
	isSet   bool
	value   any
	waiters int
}

func newWriteOncePromise() *writeOncePromise {
	p := &writeOncePromise{}
	p.cond = sync.NewCond(&p.lock)
	return p
}

func (p *writeOncePromise) Get() any {
	p.lock.Lock()
	defer p.lock.Unlock()
	if !p.isSet {
		p.waiters++
		p.cond.Wait() // ok: isSet never goes back to false
	}
	return p.value
}

func (p *writeOncePromise) Set(v any) bool {
	p.lock.Lock()
	defer p.lock.Unlock()
	if p.isSet {
		return false
	}
	p.isSet = true
	p.value = v
	p.cond.Broadcast()
	return true
}

// A build result published once: full goes from nil to a payload and never
// back, and the only Broadcast follows the store.
type builtPayload struct {
	lock  sync.Mutex
	cond  *sync.Cond
	empty []byte
	full  []byte
}

func newBuiltPayload(empty []byte) *builtPayload {
	p := &builtPayload{empty: empty}
	p.cond = sync.NewCond(&p.lock)
	return p
}

func (p *builtPayload) update(full []byte) {
	p.lock.Lock()
	defer p.lock.Unlock()
	if p.full == nil {
		p.full = full
	}
	p.cond.Broadcast()
}

func (p *builtPayload) ResolveFull() []byte {
	p.lock.Lock()
	defer p.lock.Unlock()
	if p.full == nil {
		p.cond.Wait() // ok: full is only ever set to a payload
	}
	return p.full
}

// A resettable latch: Reset clears the flag, so a waiter woken by Open can
// find it cleared again by a Reset that ran first.
type resettableLatch struct {
	mu     sync.Mutex
	cond   *sync.Cond
	opened bool
}

func newResettableLatch() *resettableLatch {
	l := &resettableLatch{}
	l.cond = sync.NewCond(&l.mu)
	return l
}

func (l *resettableLatch) Open() {
	l.mu.Lock()
	l.opened = true
	l.cond.Broadcast()
	l.mu.Unlock()
}

func (l *resettableLatch) Reset() {
	l.mu.Lock()
	l.opened = false
	l.mu.Unlock()
}

func (l *resettableLatch) Await() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.opened {
		l.cond.Wait() // want `l.cond.Wait is not in a loop`
	}
}

// A one-way flag whose Cond is also broadcast for another reason: a
// waiter woken by Kick finds ready still false.
type kickedGate struct {
	mu    sync.Mutex
	cond  *sync.Cond
	ready bool
	kicks int
}

func newKickedGate() *kickedGate {
	g := &kickedGate{}
	g.cond = sync.NewCond(&g.mu)
	return g
}

func (g *kickedGate) MarkReady() {
	g.mu.Lock()
	g.ready = true
	g.cond.Broadcast()
	g.mu.Unlock()
}

func (g *kickedGate) Kick() {
	g.mu.Lock()
	g.kicks++
	g.cond.Broadcast()
	g.mu.Unlock()
}

func (g *kickedGate) AwaitReady() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.ready {
		g.cond.Wait() // want `g.cond.Wait is not in a loop`
	}
}

// A Cond with context support: the wait runs in a goroutine that closes a
// channel when Wait returns, and the wrapper selects on that channel and
// ctx.Done(). The dispatcher calls the wrapper in a loop that re-checks
// the predicate; the package's test calls it once to test the wrapper.
type ctxCond struct {
	*sync.Cond
}

func (c ctxCond) WaitCtx(ctx context.Context) {
	woken := make(chan struct{})
	go func() {
		c.Cond.Wait() // ok: WaitCtx is called from a loop
		close(woken)
	}()
	select {
	case <-woken:
	case <-ctx.Done():
		c.Broadcast()
		<-woken
	}
}

type dispatchQueue struct {
	mu      sync.Mutex
	cond    ctxCond
	pending []string
	stopped bool
}

func newDispatchQueue() *dispatchQueue {
	q := &dispatchQueue{}
	q.cond = ctxCond{Cond: sync.NewCond(&q.mu)}
	return q
}

func (q *dispatchQueue) Push(s string) {
	q.mu.Lock()
	q.pending = append(q.pending, s)
	q.cond.Broadcast()
	q.mu.Unlock()
}

func (q *dispatchQueue) Next(ctx context.Context) (string, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.pending) == 0 && ctx.Err() == nil && !q.stopped {
		q.cond.WaitCtx(ctx)
	}
	if len(q.pending) == 0 {
		return "", false
	}
	s := q.pending[0]
	q.pending = q.pending[1:]
	return s, true
}

// The same bridge, but the caller waits once: a Broadcast for another
// item wakes it with its own job still missing.
type jobBoard struct {
	mu   sync.Mutex
	cond ctxBridge
	done map[string]bool
}

type ctxBridge struct {
	*sync.Cond
}

func (c ctxBridge) WaitOrCancel(ctx context.Context) {
	woken := make(chan struct{})
	go func() {
		c.Cond.Wait() // want `c.Cond.Wait is not in a loop: the condition can be false again`
		close(woken)
	}()
	select {
	case <-woken:
	case <-ctx.Done():
		c.Broadcast()
		<-woken
	}
}

func newJobBoard() *jobBoard {
	b := &jobBoard{done: map[string]bool{}}
	b.cond = ctxBridge{Cond: sync.NewCond(&b.mu)}
	return b
}

func (b *jobBoard) Finish(id string) {
	b.mu.Lock()
	b.done[id] = true
	b.cond.Broadcast()
	b.mu.Unlock()
}

func (b *jobBoard) AwaitJob(ctx context.Context, id string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.done[id] {
		b.cond.WaitOrCancel(ctx)
	}
	return b.done[id]
}
