package gc204

import (
	"sync"
	"testing"
	"time"
)

// A compactor reproduced in a test file. Stop waits for the loop to exit
// while holding c.mu, but the loop takes c.mu in every round before it can
// see stopc: if Stop wins the lock, both wait forever.
type reproCompactor struct {
	mu     sync.Mutex
	rev    int64
	stopc  chan struct{}
	donec  chan struct{}
	ticker *time.Ticker
}

func newReproCompactor() *reproCompactor {
	return &reproCompactor{
		stopc:  make(chan struct{}),
		donec:  make(chan struct{}),
		ticker: time.NewTicker(time.Millisecond),
	}
}

func (c *reproCompactor) run() {
	defer close(c.donec)
	for {
		select {
		case <-c.stopc:
			return
		case <-c.ticker.C:
			c.mu.Lock()
			c.rev++
			c.mu.Unlock()
		}
	}
}

func (c *reproCompactor) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	close(c.stopc)
	<-c.donec // want "blocking receive from c.donec while holding c.mu"
}

func TestReproCompactorStops(t *testing.T) {
	c := newReproCompactor()
	go c.run()
	time.Sleep(5 * time.Millisecond)
	c.Stop()
}
