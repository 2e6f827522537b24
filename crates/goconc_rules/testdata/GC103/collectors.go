package gc103

import (
	"context"
	"sync"
	"time"
)

// metricDesc and metricCollector mimic a metrics registry's Collector
// contract: the registry calls Describe with a channel it drains.
type metricDesc struct{ name string }

type probeCollector struct {
	ctx    context.Context
	descs  []metricDesc
	extras func() []metricDesc
}

// Describe runs on the registry's goroutine, which owns ch and reads it
// until Describe returns; p.ctx is the probe's lifetime, not this call's.
func (p *probeCollector) Describe(ch chan<- metricDesc) {
	for _, d := range p.descs {
		ch <- d // ok: the caller's channel, on the caller's goroutine
	}
	if p.extras != nil {
		for _, d := range p.extras() {
			ch <- d // ok: same
		}
	}
}

// exportLoop is started as a goroutine with a channel someone else
// reads: when that reader stops, nothing here watches p.ctx.
func (p *probeCollector) exportLoop(out chan<- metricDesc) {
	for {
		for _, d := range p.descs {
			out <- d // want `send to out in a loop has no case <-p.ctx.Done\(\)`
		}
		time.Sleep(time.Second)
	}
}

func (p *probeCollector) StartExport(out chan<- metricDesc) {
	go p.exportLoop(out)
}

// pausableClient hands each waiter its own one-slot channel and answers
// every registered waiter once, then empties the list.
type pausableClient struct {
	mu      sync.Mutex
	ctx     context.Context
	paused  bool
	waiters []chan bool
}

func (c *pausableClient) unpausedChanLocked() <-chan bool {
	ch := make(chan bool, 1)
	c.waiters = append(c.waiters, ch)
	return ch
}

func (c *pausableClient) SetPaused(paused bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.paused = paused
	if paused {
		return
	}
	for _, ch := range c.waiters {
		ch <- true // ok: every waiter channel has one free slot and gets one value
	}
	c.waiters = nil
}

func (c *pausableClient) Shutdown() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range c.waiters {
		ch <- false // ok: same
	}
	c.waiters = nil
}

func (c *pausableClient) WaitUnpaused() bool {
	c.mu.Lock()
	ch := c.unpausedChanLocked()
	c.mu.Unlock()
	select {
	case ok := <-ch:
		return ok
	case <-c.ctx.Done():
		return false
	}
}

// runDebugMonitor runs for the whole debug command, whose context is set
// once to context.Background(): there is nothing to cancel.
type monitorEvent struct{ text string }

func runDebugMonitor(events <-chan monitorEvent, print func(string)) error {
	ctx := context.Background()
	return followMonitor(ctx, events, print)
}

func followMonitor(ctx context.Context, events <-chan monitorEvent, print func(string)) error {
	for {
		ev := <-events // ok: the only caller passes a context set once to context.Background()
		print(ev.text)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// followReplication is also handed a cancellable context by Replicate.
func followReplication(ctx context.Context, events <-chan monitorEvent, apply func(string)) error {
	for {
		ev := <-events // want `receive from events in a loop has no case <-ctx.Done\(\)`
		apply(ev.text)
	}
}

func runReplicationDebug(events <-chan monitorEvent, apply func(string)) error {
	ctx := context.Background()
	return followReplication(ctx, events, apply)
}

func Replicate(ctx context.Context, events <-chan monitorEvent, apply func(string)) error {
	return followReplication(ctx, events, apply)
}

// startAudit hands its never-cancelled context on through launchAudit to
// the loop the goroutine runs: still nothing to cancel.
func startAudit(events <-chan monitorEvent, print func(string)) {
	ctx := context.Background()
	launchAudit(ctx, events, print)
}

func launchAudit(ctx context.Context, events <-chan monitorEvent, print func(string)) {
	go func() {
		_ = auditLoop(ctx, events, print)
	}()
}

func auditLoop(ctx context.Context, events <-chan monitorEvent, print func(string)) error {
	for {
		ev := <-events // ok: every context reaching here is context.Background()
		print(ev.text)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}
