package gc103

import (
	"context"
	"time"
)

// scanPool models a resizable pool of queue scanners: the pool owner
// shrinks it by sending on a quit channel each worker selects on.
type scanPool struct {
	ctx   context.Context
	scan  func(queue string) bool
	dirty chan bool
}

// worker ends when the owner sends a stop request on quit.
func (p *scanPool) worker(work <-chan string, quit chan int) {
	for {
		select { // ok: `case <-quit: return` is this worker's stop channel
		case q := <-work:
			p.dirty <- p.scan(q)
		case <-quit:
			return
		}
	}
}

// workerLogsQuit does more than return on the quit signal: the clause is
// no longer a bare stop case, and the context is still ignored.
func (p *scanPool) workerLogsQuit(work <-chan string, quit chan int, stopped func(int)) {
	for {
		select { // want "no case <-p.ctx.Done\\(\\)"
		case q := <-work:
			p.dirty <- p.scan(q)
		case n := <-quit:
			stopped(n)
		}
	}
}

// poller returns on the first tick only after its work: the ticker is not
// a way to stop it.
func (p *scanPool) poller(work <-chan string, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select { // want "no case <-p.ctx.Done\\(\\)"
		case q := <-work:
			p.scan(q)
		case <-tick.C:
			p.scan("")
		}
	}
}
