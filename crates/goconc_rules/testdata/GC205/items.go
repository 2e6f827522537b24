package gc205

import (
	"errors"
	"sync"
)

var errStreamClosed = errors.New("stream closed")

type delivery struct {
	id  int
	ack func() error
}

// priorityConsumer counts deliveries, not goroutines: the WaitGroup is
// Add(n) for n expected messages and each handled message checks out.
type priorityConsumer struct {
	next func() (delivery, error)
}

// Drain waits for n messages; the pump returns when the stream closes,
// which is not a Done it owes.
func (c *priorityConsumer) Drain(n int) {
	var handled sync.WaitGroup
	handled.Add(n)
	go func() {
		for {
			d, err := c.next()
			if err != nil {
				return // ok: the group counts messages; the pump owes no Done of its own
			}
			if err := d.ack(); err != nil {
				return // ok: as above
			}
			handled.Done()
		}
	}()
	handled.Wait()
}

// RunWorkers counts goroutines: each worker checks out when told to stop,
// but the error path leaves without checking out.
func (c *priorityConsumer) RunWorkers(n int, stop <-chan struct{}) {
	var running sync.WaitGroup
	for i := 0; i < n; i++ {
		running.Add(1)
		go func() {
			for {
				select {
				case <-stop:
					running.Done()
					return
				default:
				}
				d, err := c.next()
				if errors.Is(err, errStreamClosed) {
					return // want "running\\.Done is not called on this path"
				}
				if err == nil {
					_ = d.ack()
				}
			}
		}()
	}
	running.Wait()
}

// startedThenDone uses one group twice: the goroutine checks in when it
// has started and again when it has finished, and the waiter adds again
// between the two waits.
func (c *priorityConsumer) startedThenDone(stop func()) {
	var wg sync.WaitGroup
	wg.Add(1) // ok: the second Add below pairs with the deferred Done
	go func() {
		wg.Done()
		defer wg.Done()
		_, _ = c.next()
	}()
	wg.Wait()
	wg.Add(1)
	stop()
	wg.Wait()
}

// undercounted adds one for two goroutines that each check out once.
func (c *priorityConsumer) undercounted() {
	var wg sync.WaitGroup
	wg.Add(1) // want "wg\\.Add\\(1\\) does not match the 2 goroutine"
	go func() {
		defer wg.Done()
		_, _ = c.next()
	}()
	go func() {
		defer wg.Done()
		_, _ = c.next()
	}()
	wg.Wait()
}
