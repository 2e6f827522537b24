package gc206

import (
	"errors"
	"sync"
)

var errLimiterClosed = errors.New("limiter closed")

// ConcurrencyLimiter caps in-flight requests; Acquire is called by every
// request goroutine and blocks while the limit is reached.
type ConcurrencyLimiter struct {
	mu       sync.Mutex
	cond     *sync.Cond
	inFlight int
	limit    int
	closed   bool
}

func NewConcurrencyLimiter(limit int) *ConcurrencyLimiter {
	l := &ConcurrencyLimiter{limit: limit}
	l.cond = sync.NewCond(&l.mu)
	return l
}

func (l *ConcurrencyLimiter) Acquire() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for !l.closed && l.inFlight >= l.limit {
		l.cond.Wait() // related `several goroutines can wait here`
	}
	if l.closed {
		return errLimiterClosed
	}
	l.inFlight++
	return nil
}

func (l *ConcurrencyLimiter) Release() {
	l.mu.Lock()
	l.inFlight--
	l.mu.Unlock()
	l.cond.Signal() // ok: one slot frees one waiter
}

// Close fails every pending Acquire, but wakes only one of them.
func (l *ConcurrencyLimiter) Close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	l.cond.Signal() // want "l.cond.Signal wakes one waiter, but changing l.closed releases every goroutine waiting in Acquire"
}

// DrainTracker lets its owner wait once for in-flight work to finish;
// only Close waits, and it is called once.
type DrainTracker struct {
	mu      sync.Mutex
	cond    *sync.Cond
	pending int
	closing bool
}

func NewDrainTracker() *DrainTracker {
	d := &DrainTracker{}
	d.cond = sync.NewCond(&d.mu)
	return d
}

func (d *DrainTracker) Begin() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closing {
		return false
	}
	d.pending++
	return true
}

func (d *DrainTracker) End() {
	d.mu.Lock()
	d.pending--
	done := d.pending == 0
	d.mu.Unlock()
	if done {
		d.cond.Signal() // ok: the only waiter is the single Close call
	}
}

func (d *DrainTracker) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closing = true
	for d.pending > 0 {
		d.cond.Wait()
	}
}
