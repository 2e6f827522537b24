package gc103

import (
	"context"
	"sync"
	"time"
)

// rollbackRunner applies resources with at most limit applies in
// flight: each iteration takes a slot before it starts the apply, and
// the apply's goroutine gives it back when it ends.
type applyFunc func(ctx context.Context, resource string) error

type rollbackRunner struct {
	slots chan struct{}
	apply applyFunc
}

func newRollbackRunner(limit int, apply applyFunc) *rollbackRunner {
	return &rollbackRunner{slots: make(chan struct{}, limit), apply: apply}
}

func (r *rollbackRunner) applyAll(ctx context.Context, resources []string) {
	var wg sync.WaitGroup
	for _, res := range resources {
		r.slots <- struct{}{} // ok: the goroutine started below gives the slot back
		wg.Add(1)
		go func(res string) {
			defer func() {
				wg.Done()
				<-r.slots
			}()
			actx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			_ = r.apply(actx, res)
		}(res)
	}
	wg.Wait()
}

// uploadGate hands its slots to callers, who give them back through
// Release whenever they are done: a caller stuck waiting for a slot
// ignores its context.
type uploadGate struct {
	slots chan struct{}
}

func (g *uploadGate) AcquireN(ctx context.Context, n int) {
	for i := 0; i < n; i++ {
		g.slots <- struct{}{} // want `send to g.slots in a loop has no case <-ctx.Done\(\)`
	}
}

func (g *uploadGate) Release() { <-g.slots }
