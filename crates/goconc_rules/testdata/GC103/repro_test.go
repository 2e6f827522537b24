package gc103

import (
	"context"
	"sync"
	"testing"
)

// A scheduler reproduced in a test file: Run is a method like its
// production twin, so its loop is checked. It polls ctx.Err() only after a
// task arrives; with an empty queue, cancellation is never seen.
type reproTask struct{ id int }

type reproScheduler struct {
	queue chan reproTask
	mu    sync.Mutex
	done  []int
}

func (s *reproScheduler) Run(ctx context.Context) error {
	for {
		t := <-s.queue // want "receive from s.queue in a loop has no case <-ctx.Done\(\)"
		if err := ctx.Err(); err != nil {
			return err
		}
		s.mu.Lock()
		s.done = append(s.done, t.id)
		s.mu.Unlock()
	}
}

// The fixed scheduler selects on ctx.Done().
func (s *reproScheduler) RunUntilDone(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case t := <-s.queue: // ok: the loop watches ctx.Done()
			s.mu.Lock()
			s.done = append(s.done, t.id)
			s.mu.Unlock()
		}
	}
}

// Test functions themselves are bounded by the test timeout.
func TestReproSchedulerDrains(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &reproScheduler{queue: make(chan reproTask, 4)}
	results := make(chan int)
	go func() {
		for i := 0; i < 3; i++ {
			results <- i
		}
	}()
	for i := 0; i < 3; i++ {
		got := <-results // ok: a test function's own loop, bounded by the test timeout
		s.queue <- reproTask{id: got}
	}
	if err := ctx.Err(); err != nil {
		t.Fatal(err)
	}
}
