package gc101

import (
	"context"
	"errors"
	"time"
)

// False-positive shapes found while triaging real code.

// dualProbe models a health checker that races two independent probes
// (a TCP dial and an HTTP check) and keeps the first verdict; the channel
// has one slot per probe, so the loser's send completes too.
type dualProbe struct {
	dial  func() error
	check func() error
}

// Probe reports the first probe to finish or gives up after the budget.
func (d *dualProbe) Probe(budget time.Duration) error {
	verdicts := make(chan error, 2)
	go func() {
		verdicts <- d.dial() // ok: capacity 2 covers both probe goroutines
	}()
	go func() {
		verdicts <- d.check() // ok: capacity 2 covers both probe goroutines
	}()
	select {
	case err := <-verdicts:
		return err
	case <-time.After(budget):
		return errors.New("probe timed out")
	}
}

// listenRetrier models a server start-up loop that retries on a fresh
// port each time: every attempt gets its own buffered error channel.
type listenRetrier struct {
	listen func(attempt int) error
	ready  chan struct{}
}

// Start retries until the server reports ready.
func (l *listenRetrier) Start(attempts int) bool {
	for i := 0; i < attempts; i++ {
		errc := make(chan error, 1)
		go func() {
			errc <- l.listen(i) // ok: a new capacity-1 channel per attempt, one sender each
		}()
		select {
		case <-errc:
			continue
		case <-l.ready:
			return true
		}
	}
	return false
}

// workerFleet models a coordinator whose event loop returns only once
// every worker has reported its exit, counting them down.
type workerFleet struct {
	run func(ctx context.Context, id int) error
}

// RunAll waits for every worker, whatever the context does.
func (w *workerFleet) RunAll(ctx context.Context, n int) error {
	exited := make(chan error)
	for i := 0; i < n; i++ {
		go func() {
			exited <- w.run(ctx, i) // ok: the loop below returns only after n receives
		}()
	}
	var firstErr error
	active := n
	for {
		err := <-exited
		if err != nil && firstErr == nil {
			firstErr = err
		}
		active--
		if active == 0 {
			return firstErr
		}
	}
}

// handoffServer models a test-style driver that hands a connection to a
// goroutine when a request arrives; the loop ends only on an event that
// happens after the handoff.
type handoffServer struct {
	gotReq   chan bool
	sawClose chan bool
}

// Drive sends the go-ahead for every request until the close is observed.
func (h *handoffServer) Drive(closeConn func()) {
	goAhead := make(chan bool)
	go func() {
		<-goAhead // ok: the driver leaves only on sawClose, which follows the go-ahead
		closeConn()
	}()
	for {
		select {
		case <-h.gotReq:
			goAhead <- true
		case <-h.sawClose:
			return
		}
	}
}

// tokenFetcher models an OAuth client that refreshes a token in the
// background and reports either the error or the token on one channel,
// from two exclusive branches.
type tokenFetcher struct {
	refresh func() (string, error)
}

// Token gives up when ctx ends; the refresher is then stuck on whichever
// send its branch reaches.
func (t *tokenFetcher) Token(ctx context.Context) (string, error) {
	type result struct {
		tok string
		err error
	}
	resc := make(chan result)
	go func() {
		tok, err := t.refresh()
		if err != nil {
			resc <- result{err: err} // want "blocks forever sending to resc"
			return
		}
		resc <- result{tok: tok}
	}()
	select {
	case r := <-resc:
		return r.tok, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// TokenFixed buffers the single result.
func (t *tokenFetcher) TokenFixed(ctx context.Context) (string, error) {
	type result struct {
		tok string
		err error
	}
	resc := make(chan result, 1)
	go func() {
		tok, err := t.refresh()
		if err != nil {
			resc <- result{err: err} // ok: capacity 1 holds whichever single send runs
			return
		}
		resc <- result{tok: tok}
	}()
	select {
	case r := <-resc:
		return r.tok, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
