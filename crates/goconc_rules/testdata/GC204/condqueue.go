package gc204

import "sync"

// A queue whose pump goroutine holds the queue lock (released only inside
// Cond.Wait) while it hands items over an unbuffered channel, and a Pop
// that takes the same object's lock before receiving: the pump waits for
// Pop, Pop waits for the lock.

type jobQueue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []string
	out   chan string
}

func newJobQueue() *jobQueue {
	q := &jobQueue{out: make(chan string)}
	q.cond = sync.NewCond(&q.mu)
	go q.pump()
	return q
}

func (q *jobQueue) Push(job string) {
	q.mu.Lock()
	q.items = append(q.items, job)
	q.mu.Unlock()
	q.cond.Signal()
}

func (q *jobQueue) pump() {
	q.mu.Lock()
	for {
		for len(q.items) == 0 {
			q.cond.Wait()
		}
		job := q.items[0]
		q.items = q.items[1:]
		q.out <- job // want `blocking send on q.out while holding q.mu`
	}
}

func (q *jobQueue) Pop() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return <-q.out // want `blocking receive from q.out while holding q.mu`
}

// The fixed queue hands the item over outside the lock.
type jobQueueFixed struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []string
	out   chan string
}

func newJobQueueFixed() *jobQueueFixed {
	q := &jobQueueFixed{out: make(chan string)}
	q.cond = sync.NewCond(&q.mu)
	go q.pump()
	return q
}

func (q *jobQueueFixed) Push(job string) {
	q.mu.Lock()
	q.items = append(q.items, job)
	q.mu.Unlock()
	q.cond.Signal()
}

func (q *jobQueueFixed) pump() {
	for {
		q.mu.Lock()
		for len(q.items) == 0 {
			q.cond.Wait()
		}
		job := q.items[0]
		q.items = q.items[1:]
		q.mu.Unlock()
		q.out <- job // ok: no lock held
	}
}

func (q *jobQueueFixed) Pop() string {
	return <-q.out // ok: no lock held
}
