package gc205

import (
	"log"
	"sync"
	"time"
)

// expiringLog holds one WaitGroup count for its armed expiration timer:
// the callback either re-arms the timer, handing the count to its next
// run, or checks out. Close waits for the last run.
type expiringLog struct {
	mu      sync.Mutex
	wg      sync.WaitGroup
	timer   *time.Timer
	closed  bool
	oldest  func() (time.Duration, bool)
	evict   func() error
	maxAge  time.Duration
	onError time.Duration
}

func (l *expiringLog) arm() {
	l.wg.Add(1)
	l.timer = time.AfterFunc(l.maxAge, l.expire)
}

// expire re-arms on every path that does not check out.
func (l *expiringLog) expire() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		l.wg.Done()
		return
	}
	retryLater := func(err error) {
		log.Printf("expiration failed: %v", err)
		l.timer.Reset(l.onError)
	}
	for {
		if err := l.evict(); err != nil {
			retryLater(err)
			return // ok: the timer is re-armed and the next run owes the Done
		}
		age, ok := l.oldest()
		if !ok {
			l.timer = nil
			l.wg.Done()
			return
		}
		if age < l.maxAge {
			l.timer.Reset(l.maxAge - age)
			return // ok: re-armed
		}
	}
}

// Close stops expiration and waits for a running callback.
func (l *expiringLog) Close() {
	l.mu.Lock()
	l.closed = true
	if l.timer != nil && l.timer.Stop() {
		l.wg.Done()
	}
	l.mu.Unlock()
	l.wg.Wait()
}

// sloppyLog forgets both on its error path: nothing re-arms the timer and
// the count is never released, so Close waits forever.
type sloppyLog struct {
	expiringLog
}

func (l *sloppyLog) arm() {
	l.wg.Add(1)
	l.timer = time.AfterFunc(l.maxAge, l.expireSloppy)
}

func (l *sloppyLog) expireSloppy() {
	if err := l.evict(); err != nil {
		log.Printf("expiration failed: %v", err)
		return // want "wg\\.Done is not called on this path"
	}
	age, ok := l.oldest()
	if ok && age < l.maxAge {
		l.timer.Reset(l.maxAge - age)
		return
	}
	l.wg.Done()
}
