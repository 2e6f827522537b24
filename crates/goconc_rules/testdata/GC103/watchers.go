// Package gc103 holds fixtures for GC103 select-without-cancel: a blocking
// select or channel operation inside a loop, in a function that has a
// context.Context in scope, without a case <-ctx.Done().
package gc103

import (
	"context"
	"time"
)

// fileEvent is a filesystem change notification.
type fileEvent struct {
	path string
}

// dirWatcher models a filesystem watcher whose event loop is started with
// a context but only listens to events and a resync ticker.
type dirWatcher struct {
	events chan fileEvent
	resync time.Duration
	apply  func(fileEvent)
	full   func()
}

// Run can never be cancelled: ctx is in scope but not selected on.
func (w *dirWatcher) Run(ctx context.Context) {
	t := time.NewTicker(w.resync)
	defer t.Stop()
	for {
		select { // want "select in a loop has no case <-ctx.Done\\(\\)"
		case ev := <-w.events:
			w.apply(ev)
		case <-t.C:
			w.full()
		}
	}
}

// RunFixed adds the ctx.Done case; the ticker is stopped on the way out.
func (w *dirWatcher) RunFixed(ctx context.Context) {
	t := time.NewTicker(w.resync)
	defer t.Stop()
	for {
		select { // ok: has case <-ctx.Done()
		case ev := <-w.events:
			w.apply(ev)
		case <-t.C:
			w.full()
		case <-ctx.Done():
			return
		}
	}
}

// metricPoint is one sample for a batching exporter.
type metricPoint struct {
	name  string
	value float64
}

// pointBatcher models a batching exporter that pulls from its input with
// a bare receive, so cancelling ctx cannot interrupt the wait.
type pointBatcher struct {
	in    chan metricPoint
	size  int
	flush func(context.Context, []metricPoint)
}

// Loop blocks in <-b.in regardless of ctx.
func (b *pointBatcher) Loop(ctx context.Context) {
	batch := make([]metricPoint, 0, b.size)
	for {
		p := <-b.in // want "no case <-ctx.Done\\(\\)"
		batch = append(batch, p)
		if len(batch) == b.size {
			b.flush(ctx, batch)
			batch = batch[:0]
		}
	}
}

// LoopFixed receives through a select that also watches ctx.
func (b *pointBatcher) LoopFixed(ctx context.Context) {
	batch := make([]metricPoint, 0, b.size)
	for {
		select { // ok: has case <-ctx.Done()
		case p := <-b.in:
			batch = append(batch, p)
			if len(batch) == b.size {
				b.flush(ctx, batch)
				batch = batch[:0]
			}
		case <-ctx.Done():
			return
		}
	}
}

// leaderElector models a leader-election loop that hoists ctx.Done() into
// a local before looping (a common micro-optimisation).
type leaderElector struct {
	leaseLost chan struct{}
	campaign  func(context.Context) bool
}

// Campaign watches the hoisted done channel, which is ctx.Done().
func (e *leaderElector) Campaign(ctx context.Context) {
	done := ctx.Done()
	for {
		if !e.campaign(ctx) {
			return
		}
		select { // ok: done is ctx.Done(), hoisted out of the loop
		case <-e.leaseLost:
		case <-done:
			return
		}
	}
}

// CampaignUnstoppable is the same loop without any cancellation path.
func (e *leaderElector) CampaignUnstoppable(ctx context.Context) {
	for {
		if !e.campaign(ctx) {
			return
		}
		<-e.leaseLost // want "no case <-ctx.Done\\(\\)"
	}
}

// reconnectingClient models a reconnect loop that sleeps on time.After
// between attempts; cancellation is only observed by the dial itself.
type reconnectingClient struct {
	dial    func(context.Context) error
	backoff time.Duration
}

// Connect retries forever: the backoff wait ignores ctx.
func (c *reconnectingClient) Connect(ctx context.Context) {
	for {
		if err := c.dial(ctx); err == nil {
			return
		}
		<-time.After(c.backoff) // want "no case <-ctx.Done\\(\\)"
	}
}

// ConnectFixed waits for either the backoff or cancellation.
func (c *reconnectingClient) ConnectFixed(ctx context.Context) error {
	for {
		if err := c.dial(ctx); err == nil {
			return nil
		}
		timer := time.NewTimer(c.backoff)
		select { // ok: has case <-ctx.Done()
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		}
	}
}

// jobQueue models a worker that checks ctx.Err() at the top of the loop
// but then blocks in a select that does not watch ctx, so a cancel that
// arrives while the queue is idle is never seen.
type jobQueue struct {
	jobs    chan func()
	retries chan func()
}

// Work polls ctx.Err() but the select itself is uncancellable.
func (q *jobQueue) Work(ctx context.Context) {
	for {
		if ctx.Err() != nil {
			return
		}
		select { // want "select in a loop has no case <-ctx.Done\\(\\)"
		case j := <-q.jobs:
			j()
		case j := <-q.retries:
			j()
		}
	}
}

// WorkFixed makes the select itself cancellable.
func (q *jobQueue) WorkFixed(ctx context.Context) {
	for {
		select { // ok: has case <-ctx.Done()
		case j := <-q.jobs:
			j()
		case j := <-q.retries:
			j()
		case <-ctx.Done():
			return
		}
	}
}
