package gc103

import (
	"context"
	"net"
	"sync"
	"time"
)

// connTracker models a server that keeps its lifetime context in a struct
// field; its housekeeping loop forgets to watch it.
type connTracker struct {
	ctx    context.Context
	conns  chan net.Conn
	reaper *time.Ticker
	active map[net.Conn]time.Time
}

// track runs on its own goroutine; s.ctx is in scope but never selected.
func (s *connTracker) track() {
	for {
		select { // want "no case <-s.ctx.Done\\(\\)"
		case c := <-s.conns:
			s.active[c] = time.Now()
		case <-s.reaper.C:
			for c, seen := range s.active {
				if time.Since(seen) > time.Minute {
					_ = c.Close()
					delete(s.active, c)
				}
			}
		}
	}
}

// sessionTracker is the fixed tracker: the loop ends with s.ctx.
type sessionTracker struct {
	ctx    context.Context
	conns  chan net.Conn
	reaper *time.Ticker
	active map[net.Conn]time.Time
}

func (s *sessionTracker) track() {
	defer s.reaper.Stop()
	for {
		select { // ok: watches the context stored in the struct field s.ctx
		case c := <-s.conns:
			s.active[c] = time.Now()
		case <-s.reaper.C:
			for c, seen := range s.active {
				if time.Since(seen) > time.Minute {
					_ = c.Close()
					delete(s.active, c)
				}
			}
		case <-s.ctx.Done():
			return
		}
	}
}

// spanExporter models a tracing exporter that batches spans in a goroutine
// started from a function that has ctx; the goroutine captures ctx but
// never selects on it.
type spanExporter struct {
	in     chan string
	upload func(context.Context, []string)
}

// Start leaks the batching goroutine past ctx cancellation.
func (e *spanExporter) Start(ctx context.Context) {
	go func() {
		flush := time.NewTicker(time.Second)
		defer flush.Stop()
		var pending []string
		for {
			select { // want "select in a loop has no case <-ctx.Done\\(\\)"
			case s := <-e.in:
				pending = append(pending, s)
			case <-flush.C:
				e.upload(ctx, pending)
				pending = nil
			}
		}
	}()
}

// StartFixed lets the goroutine end with ctx.
func (e *spanExporter) StartFixed(ctx context.Context) {
	go func() {
		flush := time.NewTicker(time.Second)
		defer flush.Stop()
		var pending []string
		for {
			select { // ok: has case <-ctx.Done(); the ticker is stopped by defer
			case s := <-e.in:
				pending = append(pending, s)
			case <-flush.C:
				e.upload(ctx, pending)
				pending = nil
			case <-ctx.Done():
				return
			}
		}
	}()
}

// record is one row of a streaming export.
type record struct {
	id int
}

// streamRecords models a streaming RPC handler that pushes rows into an
// unbuffered stream; when the client goes away (ctx cancelled) the send
// blocks forever.
func streamRecords(ctx context.Context, rows []record, out chan<- record) {
	for _, r := range rows {
		out <- r // want "no case <-ctx.Done\\(\\)"
	}
}

// streamRecordsFixed selects on ctx.Done() around each send.
func streamRecordsFixed(ctx context.Context, rows []record, out chan<- record) error {
	for _, r := range rows {
		select {
		case out <- r: // ok: the enclosing select has case <-ctx.Done()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// bufferRecords fills a channel sized for every row: the sends can never
// block, so there is nothing to cancel.
func bufferRecords(ctx context.Context, rows []record) <-chan record {
	_ = ctx
	out := make(chan record, len(rows))
	for _, r := range rows {
		out <- r // ok: capacity len(rows) covers one send per row
	}
	close(out)
	return out
}

// pubsubHub models a pub/sub hub that publishes to subscriber channels
// one after another; a slow subscriber stalls Publish beyond ctx.
type pubsubHub struct {
	mu   sync.Mutex
	subs []chan string
}

// Publish blocks on each subscriber without watching ctx.
func (h *pubsubHub) Publish(ctx context.Context, msg string) {
	h.mu.Lock()
	subs := append([]chan string(nil), h.subs...)
	h.mu.Unlock()
	for _, sub := range subs {
		sub <- msg // want "no case <-ctx.Done\\(\\)"
	}
}

// PublishFixed gives up on cancellation.
func (h *pubsubHub) PublishFixed(ctx context.Context, msg string) error {
	h.mu.Lock()
	subs := append([]chan string(nil), h.subs...)
	h.mu.Unlock()
	for _, sub := range subs {
		select {
		case sub <- msg: // ok: the select has case <-ctx.Done()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// PublishLossy drops messages for subscribers that are not ready: the
// select has a default case and never blocks.
func (h *pubsubHub) PublishLossy(ctx context.Context, msg string) int {
	_ = ctx
	h.mu.Lock()
	defer h.mu.Unlock()
	dropped := 0
	for _, sub := range h.subs {
		select { // ok: non-blocking select with default
		case sub <- msg:
		default:
			dropped++
		}
	}
	return dropped
}
