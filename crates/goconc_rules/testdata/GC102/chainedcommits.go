package gc102

import (
	"context"
	"sync"
)

// Commits are chained: each one waits for the previous to finish before it
// is issued, so offsets reach the broker in order. The group keeps the
// latest commit's done channel; the commit goroutine closes its own channel
// when it is done, and the next commit waits on the one it found.

type offsetCommitter struct {
	mu         sync.Mutex
	commitDone chan struct{}
	issue      func(ctx context.Context, offsets map[string]int64) error
}

// ok: every channel stored in commitDone is closed by the goroutine that
// made it.
func (c *offsetCommitter) commit(ctx context.Context, offsets map[string]int64, onDone func(error)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	priorDone := c.commitDone
	commitDone := make(chan struct{})
	c.commitDone = commitDone
	go func() {
		defer close(commitDone)
		if priorDone != nil {
			select {
			case <-priorDone:
			default:
				<-priorDone
			}
		}
		onDone(c.issue(ctx, offsets))
	}()
}

// The same chain with the done channel made straight into the field and
// nobody closing it: the second commit waits forever for the first.
type leakyCommitter struct {
	mu         sync.Mutex
	commitDone chan struct{}
	issue      func(ctx context.Context, offsets map[string]int64) error
}

func (c *leakyCommitter) commit(ctx context.Context, offsets map[string]int64, onDone func(error)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	priorDone := c.commitDone
	c.commitDone = make(chan struct{})
	go func() {
		if priorDone != nil {
			<-priorDone // want `receive from c.commitDone blocks forever: c.commitDone is never sent to or closed`
		}
		onDone(c.issue(ctx, offsets))
	}()
}
