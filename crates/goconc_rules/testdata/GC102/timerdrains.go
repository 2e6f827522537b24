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
