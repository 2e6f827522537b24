package gc103

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"
)

// agent models a daemon main loop built on signal.NotifyContext with a
// ticker that is stopped on exit.
type agent struct {
	report func()
}

// Run ends on SIGTERM/SIGINT through the notify context.
func (a *agent) Run() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		select { // ok: ctx from signal.NotifyContext is selected on
		case <-t.C:
			a.report()
		case <-ctx.Done():
			return
		}
	}
}

// RunStubborn is the same agent with a loop that ignores the signal
// context.
func (a *agent) RunStubborn() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	_ = ctx
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		<-t.C // want "no case <-ctx.Done\\(\\)"
		a.report()
	}
}

// resizeAll models a bounded-concurrency batch built on errgroup with
// SetLimit: g.Go blocks when the limit is reached, but it is not a channel
// operation and the workers watch the group context themselves.
func resizeAll(ctx context.Context, paths []string, resize func(context.Context, string) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, p := range paths {
		g.Go(func() error { // ok: errgroup.Go with SetLimit, not a channel operation
			return resize(gctx, p)
		})
	}
	return g.Wait()
}

// downloadSizes models a fan-in whose consumer ranges over a channel that
// the producer side closes after wg.Wait in its own goroutine: the range
// always ends, and the senders watch ctx.
func downloadSizes(ctx context.Context, urls []string, get func(context.Context, string) int) int {
	sizes := make(chan int)
	var wg sync.WaitGroup
	for _, u := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sizes <- get(ctx, u): // ok: the select has case <-ctx.Done()
			case <-ctx.Done():
			}
		}()
	}
	go func() {
		wg.Wait()
		close(sizes)
	}()
	total := 0
	for n := range sizes { // ok: closed after wg.Wait in its own goroutine
		total += n
	}
	return total
}

// compactionLoop models a component that is stopped by closing a quit
// channel; it has no context in scope at all.
type compactionLoop struct {
	quit    chan struct{}
	trigger chan struct{}
	run     func()
}

func (c *compactionLoop) loop() {
	for {
		select { // ok: no context in scope, the loop ends when quit is closed
		case <-c.trigger:
			c.run()
		case <-c.quit:
			return
		}
	}
}

// Stop closes quit.
func (c *compactionLoop) Stop() { close(c.quit) }

// drainPending models a shutdown path that empties a buffered queue with a
// non-blocking receive loop after ctx has ended.
func drainPending(ctx context.Context, pending chan string, discard func(string)) {
	<-ctx.Done()
	for {
		select { // ok: non-blocking select with default, the loop ends when the queue is empty
		case s := <-pending:
			discard(s)
		default:
			return
		}
	}
}
