// Package jobs runs the order service's background jobs: a scheduler that
// fires periodic maintenance, a batch runner for re-pricing orders, and a
// blocking queue that hands jobs to workers.
//
// It deliberately contains three concurrency bugs that goconc reports
// (GC103, GC205, GC206); each is marked with a BUG comment.
package jobs

import (
	"context"
	"errors"
	"log"
	"sync"
	"time"
)

// Job is one unit of background work.
type Job struct {
	Name string
	Run  func(context.Context) error
}

// ErrStopScheduler, returned by a job, stops the scheduler loop.
var ErrStopScheduler = errors.New("jobs: stop scheduler")

// Scheduler runs submitted jobs and a periodic maintenance job.
type Scheduler struct {
	submit      chan Job
	interval    time.Duration
	maintenance func(context.Context)
}

// NewScheduler returns a scheduler; call Start to run it.
func NewScheduler(interval time.Duration, maintenance func(context.Context)) *Scheduler {
	return &Scheduler{
		submit:      make(chan Job),
		interval:    interval,
		maintenance: maintenance,
	}
}

// Submit hands a job to the scheduler loop.
func (s *Scheduler) Submit(j Job) { s.submit <- j }

// Start runs the scheduler loop until ctx is cancelled.
func (s *Scheduler) Start(ctx context.Context) {
	go s.loop(ctx)
}

func (s *Scheduler) loop(ctx context.Context) {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		// BUG (GC103): ctx is in scope but never selected on, so cancelling
		// the service context does not stop this goroutine.
		select {
		case j := <-s.submit:
			err := j.Run(ctx)
			if errors.Is(err, ErrStopScheduler) {
				return
			}
			if err != nil {
				log.Printf("job %s: %v", j.Name, err)
			}
		case <-t.C:
			s.maintenance(ctx)
		}
	}
}

// PriceUpdate is the new price of one order.
type PriceUpdate struct {
	OrderID string
	Cents   int64
}

// RepriceAll recomputes the price of every order concurrently.
func RepriceAll(ctx context.Context, orderIDs []string, price func(context.Context, string) int64) []PriceUpdate {
	updates := make(chan PriceUpdate)
	var wg sync.WaitGroup
	for _, id := range orderIDs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			updates <- PriceUpdate{OrderID: id, Cents: price(ctx, id)}
		}()
	}
	// BUG (GC205): updates is unbuffered and read only after Wait: every
	// worker blocks on its send, so Wait never returns.
	wg.Wait()
	close(updates)
	var out []PriceUpdate
	for u := range updates {
		out = append(out, u)
	}
	return out
}

// Queue is a blocking FIFO of jobs shared by the workers.
type Queue struct {
	mu    sync.Mutex
	ready *sync.Cond
	jobs  []Job
}

// NewQueue returns an empty queue.
func NewQueue() *Queue {
	q := &Queue{}
	q.ready = sync.NewCond(&q.mu)
	return q
}

// Push appends a job and wakes every waiting worker.
func (q *Queue) Push(j Job) {
	q.mu.Lock()
	q.jobs = append(q.jobs, j)
	q.mu.Unlock()
	q.ready.Broadcast()
}

// Pop blocks until a job is available and removes it.
func (q *Queue) Pop() Job {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.jobs) == 0 {
		// BUG (GC206): Broadcast wakes every worker; all but one find the
		// queue empty again and index past the end. Wait must be in a loop.
		q.ready.Wait()
	}
	j := q.jobs[0]
	q.jobs = q.jobs[1:]
	return j
}
