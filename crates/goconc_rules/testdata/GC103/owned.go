package gc103

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
)

type buildJob struct {
	id     int
	target string
}

type buildResult struct {
	jobID int
	err   error
}

// buildDispatcher runs each submitted job in its own goroutine and records
// the results. Its loop receives the results of goroutines it started, but
// that never ends the loop.
type buildDispatcher struct {
	jobs    chan buildJob
	results chan buildResult
	build   func(context.Context, buildJob) error
	mu      sync.Mutex
	done    map[int]error
}

func (d *buildDispatcher) run(ctx context.Context) {
	for {
		select { // want "select in a loop has no case <-ctx.Done\\(\\)"
		case j := <-d.jobs:
			go d.exec(ctx, j)
		case r := <-d.results:
			d.mu.Lock()
			d.done[r.jobID] = r.err
			d.mu.Unlock()
		}
	}
}

func (d *buildDispatcher) exec(ctx context.Context, j buildJob) {
	d.results <- buildResult{jobID: j.id, err: d.build(ctx, j)}
}

// serveUntilError's own goroutine reports the server's exit, and the case
// returns: it is the way out of the loop.
func serveUntilError(ctx context.Context, srv *http.Server, ln net.Listener, reload <-chan struct{}, apply func()) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	for {
		select { // ok: the server's exit ends the loop
		case err := <-errc:
			return err
		case <-reload:
			apply()
		}
	}
}

// firstProbeFailure collects one result per started goroutine: a bounded wait.
func firstProbeFailure(ctx context.Context, targets []string, probe func(context.Context, string) error) error {
	errs := make(chan error, len(targets))
	for _, t := range targets {
		go func(t string) { errs <- probe(ctx, t) }(t)
	}
	var first error
	for range targets {
		select { // ok: one receive per goroutine started above
		case err := <-errs:
			if err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

// metricsServer parks its Run forever with an empty select even though
// its context says when to stop.
type metricsServer struct {
	addr string
}

func (m *metricsServer) run(ctx context.Context) error {
	ln, err := net.Listen("tcp", m.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	go func() { _ = srv.Serve(ln) }()
	select {} // want "`select \\{\\}` has no case <-ctx.Done\\(\\)"
}

// runFixed waits for the context instead.
func (m *metricsServer) runFixed(ctx context.Context) error {
	ln, err := net.Listen("tcp", m.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{}
	go func() { _ = srv.Serve(ln) }()
	<-ctx.Done() // ok: parks until cancelled
	if err := srv.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return ctx.Err()
}

// parkForever has no context to wait for: a daemon's main goroutine.
func parkForever(start func()) {
	go start()
	select {} // ok: no context in scope
}
