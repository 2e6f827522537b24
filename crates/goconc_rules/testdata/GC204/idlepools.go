package gc204

import (
	"errors"
	"sync"
)

// Pools of idle sessions kept in a buffered channel. Taking a session
// first polls the channel; with nothing idle and the pool at its limit it
// waits for a session to come back.

type dbSession struct {
	id  int
	bad bool
}

var errSessionPoolClosed = errors.New("session pool closed")

// sessionPool waits for a returned session while still holding the lock
// that Release needs before it can put one back.
type sessionPool struct {
	mu     sync.Mutex
	idle   chan *dbSession
	active int
	limit  int
	closed bool
	open   func(id int) (*dbSession, error)
}

func newSessionPool(limit int, open func(int) (*dbSession, error)) *sessionPool {
	return &sessionPool{idle: make(chan *dbSession, limit), limit: limit, open: open}
}

func (p *sessionPool) Acquire() (*dbSession, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errSessionPoolClosed
	}
	select {
	case s := <-p.idle:
		return s, nil
	default:
	}
	if p.active < p.limit {
		s, err := p.open(p.active)
		if err != nil {
			return nil, err
		}
		p.active++
		return s, nil
	}
	return <-p.idle, nil // want `blocking receive from p.idle while holding p.mu`
}

func (p *sessionPool) Release(s *dbSession) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s.bad || p.closed {
		p.active--
		return
	}
	p.idle <- s
}

// Negative: the pool drops the lock before it waits, so Release can put
// the session back.
type bufferPool struct {
	mu    sync.Mutex
	free  chan []byte
	made  int
	limit int
}

func (p *bufferPool) Get() []byte {
	p.mu.Lock()
	select {
	case b := <-p.free:
		p.mu.Unlock()
		return b
	default:
	}
	if p.made < p.limit {
		p.made++
		p.mu.Unlock()
		return make([]byte, 4096)
	}
	p.mu.Unlock()
	return <-p.free
}

func (p *bufferPool) Put(b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.free <- b[:0]
}

func newBufferPool(limit int) *bufferPool {
	return &bufferPool{free: make(chan []byte, limit), limit: limit}
}

// Negative: returned workers go back without the pool lock, so a waiter
// holding it is still served.
type workerSlots struct {
	mu    sync.Mutex
	ready chan int
	next  int
	max   int
}

func newWorkerSlots(max int) *workerSlots {
	return &workerSlots{ready: make(chan int, max), max: max}
}

func (w *workerSlots) take() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	select {
	case id := <-w.ready:
		return id
	default:
	}
	if w.next < w.max {
		w.next++
		return w.next
	}
	return <-w.ready
}

func (w *workerSlots) give(id int) {
	w.ready <- id
}
