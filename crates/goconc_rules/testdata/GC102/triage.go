package gc102

import (
	"time"
)

// False-positive shapes found while triaging real code.

// memPipe models an in-memory full-duplex pipe: each end stores the same
// channels under different field names and directions, so a send on one
// end's field is received through the other end's field.
type memPipe struct {
	rx <-chan []byte
	tx chan<- []byte
}

func newMemPipe() (*memPipe, *memPipe) {
	ab := make(chan []byte)
	ba := make(chan []byte)
	return &memPipe{rx: ba, tx: ab}, &memPipe{rx: ab, tx: ba}
}

// Write sends through the shared channel.
func (p *memPipe) Write(b []byte) {
	p.tx <- b // ok: received through the peer's rx field, which aliases the same channel
}

// Read receives from the shared channel.
func (p *memPipe) Read() []byte {
	return <-p.rx // ok: the peer's tx field aliases the same channel
}

// tickCollector models a helper fed with timer channels created by the
// caller (time.After results), which the runtime sends on.
func tickCollector(slot int, out chan<- int, fired <-chan time.Time) {
	<-fired // ok: fired comes from time.After, the runtime sends on it
	out <- slot
}

// collectTicks runs the helper on timer channels.
func collectTicks(n int) []int {
	out := make(chan int, n)
	for i := 0; i < n; i++ {
		go tickCollector(i, out, time.After(time.Duration(i)*time.Millisecond))
	}
	var got []int
	for i := 0; i < n; i++ {
		got = append(got, <-out)
	}
	return got
}

// sweeper models a process-wide background task started once from a
// package-level setup function: it is meant to live as long as the process.
var sweepInterval = time.Minute

func startSweeper(sweep func()) {
	go func() {
		for { // ok: process-lifetime daemon started once by a plain setup function
			sweep()
			time.Sleep(sweepInterval)
		}
	}()
}

// closedSendPanics models a crash test: sending on a closed channel panics
// instead of blocking.
func closedSendPanics() {
	ch := make(chan struct{})
	close(ch)
	ch <- struct{}{} // ok: panics (send on closed channel), never blocks
}

// compactionQueue models a process-wide singleton queue whose method
// starts a parameterless top-level worker function: the worker serves the
// whole process, not one instance.
type compactionQueue struct {
	started bool
}

var globalCompactions compactionQueue

func runCompactions() {
	for { // ok: parameterless top-level daemon function, lives as long as the process
		time.Sleep(sweepInterval)
		_ = globalCompactions.started
	}
}

// ensureWorker starts the process-wide worker once.
func (q *compactionQueue) ensureWorker() {
	if q.started {
		return
	}
	q.started = true
	go runCompactions()
}
