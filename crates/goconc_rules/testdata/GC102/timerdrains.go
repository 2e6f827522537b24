package gc102

import (
	"errors"
	"log"
	"time"
)

// The drain idiom `if !t.Stop() { <-t.C }` after this goroutine may have
// received the timer's value itself: Stop returns false because the value
// is gone, and the drain waits forever.

type keyRotator struct {
	timer    *time.Timer
	interval time.Duration
	rotate   func() error
	done     chan struct{}
}

var errRotate = errors.New("rotate failed")

// run skips the Reset when a rotation fails; the next shutdown hangs in
// the drain (and the rotation never runs again).
func (r *keyRotator) run() {
	for {
		select {
		case <-r.timer.C:
			if err := r.rotate(); err != nil {
				log.Printf("rotate: %v", err)
				continue
			}
			r.timer.Reset(r.interval)
		case <-r.done:
			if !r.timer.Stop() {
				<-r.timer.C // want `<-r.timer.C blocks forever: r.timer.Stop\(\) returns false here when the value was already received`
			}
			return
		}
	}
}

// runFixed re-arms the timer on every path out of the timer case.
func (r *keyRotator) runFixed() {
	for {
		select {
		case <-r.timer.C:
			if err := r.rotate(); err != nil {
				log.Printf("rotate: %v", err)
			}
			r.timer.Reset(r.interval)
		case <-r.done:
			if !r.timer.Stop() {
				<-r.timer.C
			}
			return
		}
	}
}

// debouncer fires after a quiet period; every kick restarts the wait.
type debouncer struct {
	t     *time.Timer
	kicks chan time.Duration
	fire  func()
}

// loop drains after the timer case already consumed the value.
func (d *debouncer) loop() {
	for {
		select {
		case <-d.t.C:
			d.fire()
		case quiet := <-d.kicks:
			if !d.t.Stop() {
				<-d.t.C // want `<-d.t.C blocks forever`
			}
			d.t.Reset(quiet)
		}
	}
}

// loopFixed remembers whether the value was taken.
func (d *debouncer) loopFixed() {
	fired := false
	for {
		select {
		case <-d.t.C:
			fired = true
			d.fire()
		case quiet := <-d.kicks:
			if !d.t.Stop() && !fired {
				select {
				case <-d.t.C:
				default:
				}
			}
			fired = false
			d.t.Reset(quiet)
		}
	}
}

// restart never receives from the timer itself: the drain is the
// documented pre-Go 1.23 idiom.
func restart(t *time.Timer, d time.Duration) {
	if !t.Stop() {
		<-t.C
	}
	t.Reset(d)
}

// pollEach makes a new timer every round.
func pollEach(rounds int, check func() bool, done chan struct{}) {
	for i := 0; i < rounds; i++ {
		timer := time.NewTimer(time.Second)
		select {
		case <-timer.C:
			if check() {
				return
			}
		case <-done:
			if !timer.Stop() {
				<-timer.C
			}
			return
		}
	}
}

// The retry loop stops its backoff timer on the way out; the last wait
// already took the timer's value.
func retryWithBackoff(attempts int, base time.Duration, call func() error) error {
	var t *time.Timer
	var err error
	for i := 0; i < attempts; i++ {
		if err = call(); err == nil {
			break
		}
		if t == nil {
			t = time.NewTimer(base << i)
		} else {
			t.Reset(base << i)
		}
		<-t.C
	}
	if t != nil && !t.Stop() {
		<-t.C // want `<-t.C blocks forever: t.Stop\(\) returns false here when the value was already received`
	}
	return err
}

// A lease keeper re-arms its expiry timer through a helper that drains it
// first; the expiry branch calls the helper right after taking the value.
type expiryTimer struct {
	t   *time.Timer
	ttl time.Duration
}

func (e *expiryTimer) rearm() {
	if !e.t.Stop() {
		<-e.t.C // want `this drain blocks forever when reached from loop: k.expiry.t's value was already received there`
	}
	e.t.Reset(e.ttl)
}

type leaseExpiryKeeper struct {
	expiry   *expiryTimer
	renewals chan time.Duration
	quit     chan struct{}
}

func (k *leaseExpiryKeeper) loop() {
	for {
		select {
		case <-k.renewals:
			k.expiry.rearm()
		case <-k.expiry.t.C:
			log.Print("lease expired, renewing")
			k.renew()
		case <-k.quit:
			return
		}
	}
}

func (k *leaseExpiryKeeper) renew() {
	k.expiry.rearm()
}

// Negative: the helper drains without blocking, so it is safe after the
// value was taken.
type idleTimer struct {
	t    *time.Timer
	idle time.Duration
}

func (i *idleTimer) touch() {
	if !i.t.Stop() {
		select {
		case <-i.t.C:
		default:
		}
	}
	i.t.Reset(i.idle)
}

type idleReaper struct {
	timer *idleTimer
	acts  chan struct{}
	quit  chan struct{}
}

func (r *idleReaper) loop(reap func()) {
	for {
		select {
		case <-r.acts:
			r.timer.touch()
		case <-r.timer.t.C:
			reap()
			r.timer.touch()
		case <-r.quit:
			return
		}
	}
}

// Negative: after the value was taken the loop re-arms the timer itself;
// only the activity branch goes through the draining helper.
type sessionTimer struct {
	t       *time.Timer
	timeout time.Duration
}

func (s *sessionTimer) extend() {
	if !s.t.Stop() {
		<-s.t.C
	}
	s.t.Reset(s.timeout)
}

type sessionWatch struct {
	timer    *sessionTimer
	activity chan struct{}
	quit     chan struct{}
}

func (w *sessionWatch) loop(expire func()) {
	for {
		select {
		case <-w.activity:
			w.timer.extend()
		case <-w.timer.t.C:
			expire()
			w.timer.t.Reset(w.timer.timeout)
		case <-w.quit:
			return
		}
	}
}

// Negative: a flag tracks whether the timer is still armed; the case that
// takes the value clears it, so the drain only runs for a pending value.
func probeLoop(events <-chan string, probe func(), quit <-chan struct{}) {
	timer := time.NewTimer(time.Minute)
	armed := true
	for {
		select {
		case <-events:
		case <-timer.C:
			armed = false
			probe()
		case <-quit:
			return
		}
		if armed && !timer.Stop() {
			<-timer.C
		}
		timer.Reset(time.Minute)
		armed = true
	}
}
