package gc102

import "time"

// tokenRefiller tops up a token bucket on every tick. Close stops the
// ticker and expects the refill goroutine to end with it, but a stopped
// ticker's channel is never closed: the range waits forever.
type tokenRefiller struct {
	tokens chan struct{}
	ticker *time.Ticker
}

func newTokenRefiller(every time.Duration, burst int) *tokenRefiller {
	r := &tokenRefiller{tokens: make(chan struct{}, burst), ticker: time.NewTicker(every)}
	go r.refill()
	return r
}

func (r *tokenRefiller) refill() {
	for range r.ticker.C { // want "range over r.ticker.C never ends: stopping the ticker does not close its channel"
		select {
		case r.tokens <- struct{}{}:
		default:
		}
	}
}

func (r *tokenRefiller) Take() bool {
	select {
	case <-r.tokens:
		return true
	default:
		return false
	}
}

func (r *tokenRefiller) Close() { r.ticker.Stop() }

// leakyBucket drains on every tick and leaves its loop when Close closes
// stop.
type leakyBucket struct {
	level  chan struct{}
	ticker *time.Ticker
	stop   chan struct{}
}

func newLeakyBucket(every time.Duration, size int) *leakyBucket {
	b := &leakyBucket{level: make(chan struct{}, size), ticker: time.NewTicker(every), stop: make(chan struct{})}
	go b.drain()
	return b
}

func (b *leakyBucket) drain() {
	for {
		select {
		case <-b.ticker.C: // ok: Close also closes stop
			select {
			case <-b.level:
			default:
			}
		case <-b.stop:
			return
		}
	}
}

func (b *leakyBucket) Add() bool {
	select {
	case b.level <- struct{}{}:
		return true
	default:
		return false
	}
}

func (b *leakyBucket) Close() {
	b.ticker.Stop()
	close(b.stop)
}
