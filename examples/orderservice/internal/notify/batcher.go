// Package notify batches order events for downstream systems.
package notify

import (
	"context"
	"log"
	"sync"
	"time"
)

// Event is one order state change.
type Event struct {
	OrderID string
	Status  string
}

// Batcher collects events and flushes them when the batch is full, when the
// interval elapses, and once more on shutdown.
type Batcher struct {
	events   chan Event
	size     int
	interval time.Duration
	flush    func([]Event) error

	closeOnce sync.Once
	done      chan struct{}
}

// NewBatcher returns a batcher; start it with Run.
func NewBatcher(size int, interval time.Duration, flush func([]Event) error) *Batcher {
	return &Batcher{
		events:   make(chan Event, size),
		size:     size,
		interval: interval,
		flush:    flush,
		done:     make(chan struct{}),
	}
}

// Publish queues an event, giving up when ctx ends.
func (b *Batcher) Publish(ctx context.Context, ev Event) error {
	select {
	case b.events <- ev:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-b.done:
		return context.Canceled
	}
}

// Run flushes batches until ctx is cancelled or Close is called.
func (b *Batcher) Run(ctx context.Context) {
	ticker := time.NewTicker(b.interval)
	defer ticker.Stop()
	batch := make([]Event, 0, b.size)
	emit := func() {
		if len(batch) == 0 {
			return
		}
		if err := b.flush(batch); err != nil {
			log.Printf("notify: flush failed: %v", err)
		}
		batch = batch[:0]
	}
	defer emit()
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.done:
			return
		case ev := <-b.events:
			batch = append(batch, ev)
			if len(batch) >= b.size {
				emit()
			}
		case <-ticker.C:
			emit()
		}
	}
}

// Close stops Run; safe to call more than once.
func (b *Batcher) Close() {
	b.closeOnce.Do(func() { close(b.done) })
}
