package gc101

import (
	"context"
	"sync"
	"time"
)

// Request/reply through an actor goroutine: the caller hands an unbuffered
// reply channel to the actor and stops waiting on a timeout or
// cancellation. The actor's reply send then blocks forever, and every
// request queued behind it with it.

type lookupRequest struct {
	key   string
	reply chan lookupResult
}

type lookupResult struct {
	value string
	found bool
}

type registryActor struct {
	requests chan lookupRequest
	entries  map[string]string
}

func newRegistryActor() *registryActor {
	a := &registryActor{requests: make(chan lookupRequest), entries: map[string]string{}}
	go a.serve()
	return a
}

func (a *registryActor) serve() {
	for req := range a.requests {
		v, ok := a.entries[req.key]
		req.reply <- lookupResult{v, ok}
	}
}

// Lookup gives up on cancellation; the actor is then stuck on its reply.
func (a *registryActor) Lookup(ctx context.Context, key string) (string, bool, error) {
	reply := make(chan lookupResult) // want `reply is unbuffered and handed to another goroutine: once this function stops waiting for the reply, that goroutine's send on reply blocks forever`
	a.requests <- lookupRequest{key: key, reply: reply}
	select {
	case r := <-reply:
		return r.value, r.found, nil
	case <-ctx.Done():
		return "", false, ctx.Err()
	}
}

// LookupBuffered leaves a slot for the reply.
func (a *registryActor) LookupBuffered(ctx context.Context, key string) (string, bool, error) {
	reply := make(chan lookupResult, 1)
	a.requests <- lookupRequest{key: key, reply: reply}
	select {
	case r := <-reply:
		return r.value, r.found, nil
	case <-ctx.Done():
		return "", false, ctx.Err()
	}
}

// LookupWait never gives up: the reply is always received.
func (a *registryActor) LookupWait(key string) (string, bool) {
	reply := make(chan lookupResult)
	a.requests <- lookupRequest{key: key, reply: reply}
	r := <-reply
	return r.value, r.found
}

// A health checker whose prober answers on a bare reply channel.
type probe chan chan time.Duration

func runProber(probes probe) {
	for reply := range probes {
		start := time.Now()
		reply <- time.Since(start)
	}
}

func measure(probes probe, timeout time.Duration) (time.Duration, bool) {
	reply := make(chan time.Duration) // want `reply is unbuffered and handed to another goroutine`
	probes <- reply
	select {
	case d := <-reply:
		return d, true
	case <-time.After(timeout):
		return 0, false
	}
}

// A barrier whose coordinator closes the waiter's channel: a close never
// waits for the waiter, so giving up is harmless.
type barrierWait struct {
	generation int
	done       chan struct{}
}

type barrier struct {
	waits chan barrierWait
}

func (b *barrier) coordinate() {
	pending := map[int][]chan struct{}{}
	for w := range b.waits {
		pending[w.generation] = append(pending[w.generation], w.done)
		if len(pending[w.generation]) == 3 {
			for _, ch := range pending[w.generation] {
				close(ch)
			}
			delete(pending, w.generation)
		}
	}
}

func (b *barrier) Wait(ctx context.Context, generation int) error {
	done := make(chan struct{})
	b.waits <- barrierWait{generation: generation, done: done}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// A stats collector that answers without waiting (select with default).
type statsQuery struct {
	reply chan int
}

type statsCollector struct {
	queries chan statsQuery
	count   int
}

func (s *statsCollector) run() {
	for q := range s.queries {
		select {
		case q.reply <- s.count:
		default:
		}
	}
}

func (s *statsCollector) Count(timeout time.Duration) (int, bool) {
	reply := make(chan int)
	s.queries <- statsQuery{reply: reply}
	select {
	case n := <-reply:
		return n, true
	case <-time.After(timeout):
		return 0, false
	}
}

// rpcMux registers each call's reply channel in a map that its read loop
// answers from; a call that times out leaves the loop blocked on the
// unbuffered reply.
type rpcReply struct {
	id   uint64
	body string
}

type rpcMux struct {
	mu      sync.Mutex
	next    uint64
	pending map[uint64]chan rpcReply
	send    func(id uint64, method string) error
}

func (m *rpcMux) Call(ctx context.Context, method string) (string, error) {
	m.mu.Lock()
	m.next++
	id := m.next
	reply := make(chan rpcReply) // want `reply is unbuffered and handed to another goroutine`
	m.pending[id] = reply
	m.mu.Unlock()
	if err := m.send(id, method); err != nil {
		return "", err
	}
	select {
	case r := <-reply:
		return r.body, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (m *rpcMux) readLoop(in <-chan rpcReply) {
	for r := range in {
		m.mu.Lock()
		reply, ok := m.pending[r.id]
		delete(m.pending, r.id)
		m.mu.Unlock()
		if ok {
			reply <- r
		}
	}
}

// Negative: the reply slot is buffered, so a late answer never waits.
type bufferedMux struct {
	mu      sync.Mutex
	next    uint64
	pending map[uint64]chan rpcReply
}

func (m *bufferedMux) Call(ctx context.Context) (string, error) {
	m.mu.Lock()
	m.next++
	id := m.next
	reply := make(chan rpcReply, 1)
	m.pending[id] = reply
	m.mu.Unlock()
	select {
	case r := <-reply:
		return r.body, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (m *bufferedMux) readLoop(in <-chan rpcReply) {
	for r := range in {
		m.mu.Lock()
		reply, ok := m.pending[r.id]
		delete(m.pending, r.id)
		m.mu.Unlock()
		if ok {
			reply <- r
		}
	}
}
