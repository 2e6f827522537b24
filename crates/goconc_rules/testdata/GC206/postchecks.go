package gc206

import (
	"errors"
	"sync"
)

// A worker pool's job queue that checks closed only after its wait loop:
// Close sets the flag and broadcasts, but the idle workers' loop re-checks
// only the queue length, so they go straight back to sleep and Stop's
// Wait never returns.
type postCheckQueue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	items  []func()
	closed bool
}

func newPostCheckQueue() *postCheckQueue {
	q := &postCheckQueue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *postCheckQueue) Push(job func()) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return errors.New("queue closed")
	}
	q.items = append(q.items, job)
	q.cond.Signal()
	return nil
}

func (q *postCheckQueue) Pop() (func(), bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 {
		q.cond.Wait() // want `Close sets q.closed and wakes q.cond, but this wait loop does not re-check q.closed`
	}
	if q.closed {
		return nil, false
	}
	job := q.items[0]
	q.items = q.items[1:]
	return job, true
}

func (q *postCheckQueue) Close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}

// The fixed queue re-checks closed in the loop condition, and checks it
// again after the loop to tell the two exits apart.
type postCheckQueueFixed struct {
	mu     sync.Mutex
	cond   *sync.Cond
	items  []func()
	closed bool
}

func newPostCheckQueueFixed() *postCheckQueueFixed {
	q := &postCheckQueueFixed{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *postCheckQueueFixed) Push(job func()) {
	q.mu.Lock()
	q.items = append(q.items, job)
	q.cond.Signal()
	q.mu.Unlock()
}

func (q *postCheckQueueFixed) Pop() (func(), bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 && !q.closed {
		q.cond.Wait() // ok: the loop re-checks closed
	}
	if q.closed && len(q.items) == 0 {
		return nil, false
	}
	job := q.items[0]
	q.items = q.items[1:]
	return job, true
}

func (q *postCheckQueueFixed) Close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}
