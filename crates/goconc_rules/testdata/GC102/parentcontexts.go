package gc102

import (
	"context"
	"time"
)

// Background loops stopped through a cancel func kept in a field.

// uptimeProber derives a cancellable context for its loop but starts the
// loop with the caller's context: Stop cancels a context nobody watches
// and waits for a loop that is still running.
type uptimeProber struct {
	cancel context.CancelFunc
	donec  chan struct{}
	probe  func(context.Context) error
}

func (h *uptimeProber) Start(ctx context.Context) {
	pctx, cancel := context.WithCancel(ctx)
	h.cancel = cancel
	h.donec = make(chan struct{})
	go h.loop(ctx)
	go h.report(pctx)
}

func (h *uptimeProber) loop(ctx context.Context) {
	defer close(h.donec)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			_ = h.probe(ctx)
		case <-ctx.Done():
			return
		}
	}
}

func (h *uptimeProber) report(ctx context.Context) { <-ctx.Done() }

func (h *uptimeProber) Stop() {
	h.cancel()
	<-h.donec // want `this waits for loop to exit, but loop returns only when the context it was started with is done, and that is the parent`
}

// Negative: the loop gets the derived context.
type tokenRenewer struct {
	cancel context.CancelFunc
	donec  chan struct{}
	renew  func(context.Context) error
}

func (l *tokenRenewer) Start(ctx context.Context) {
	rctx, cancel := context.WithCancel(ctx)
	l.cancel = cancel
	l.donec = make(chan struct{})
	go l.loop(rctx)
}

func (l *tokenRenewer) loop(ctx context.Context) {
	defer close(l.donec)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			_ = l.renew(ctx)
		case <-ctx.Done():
			return
		}
	}
}

func (l *tokenRenewer) Stop() {
	l.cancel()
	<-l.donec
}

// Negative: `ctx, cancel := context.WithCancel(ctx)` rebinds the parameter
// itself, so the loop does get the derived context.
type quotaRefresher struct {
	cancel  context.CancelFunc
	done    chan struct{}
	refresh func(context.Context)
}

func (q *quotaRefresher) Start(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	q.cancel = cancel
	q.done = make(chan struct{})
	go q.run(ctx)
}

func (q *quotaRefresher) run(ctx context.Context) {
	defer close(q.done)
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			q.refresh(ctx)
		}
	}
}

func (q *quotaRefresher) Stop() {
	q.cancel()
	<-q.done
}
