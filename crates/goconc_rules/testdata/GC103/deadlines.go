package gc103

import (
	"context"
	"time"
)

// A mount that waits for open writers on shutdown, but never longer than
// its timeout: the deadline timer is armed once before the loop, and its
// case returns.
type mountState struct {
	ctx     context.Context
	writers func() int
	changed chan struct{}

	timedOut bool
	flushed  bool
}

// notify wakes a waiter without blocking the writer.
func (m *mountState) notify() {
	select {
	case m.changed <- struct{}{}:
	default:
	}
}

func (m *mountState) WaitForWriters(timeout time.Duration) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		if m.writers() == 0 {
			return
		}
		select {
		case <-m.changed:
		case <-deadline.C: // ok: the loop ends when the deadline passes
			m.timedOut = true
			return
		}
	}
}

// The same wait with a channel deadline from time.After.
func (m *mountState) WaitForIdle(timeout time.Duration) bool {
	giveUp := time.After(timeout)
	for {
		if m.writers() == 0 {
			return true
		}
		select {
		case <-m.changed:
		case <-giveUp: // ok
			m.timedOut = true
			return false
		}
	}
}

// A "deadline" re-armed on every change is an idle timeout: a steady
// stream of changes keeps the loop alive, and ctx cannot stop it.
func (m *mountState) WaitForQuiet(quiet time.Duration) {
	idle := time.NewTimer(quiet)
	defer idle.Stop()
	for {
		select { // want "select in a loop has no case <-m.ctx.Done\(\)"
		case <-m.changed:
			idle.Reset(quiet)
		case <-idle.C:
			m.flushed = true
			return
		}
	}
}
