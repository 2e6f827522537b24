package gc103

import (
	"context"
	"time"
)

// Shapes found while triaging real services: loops that look uncancellable
// but end by construction. Each is a negative case.

// dialRacer models a happy-eyeballs style dialer: it starts two attempts
// and collects their results from a channel it created itself; the loop
// ends after both answered.
type dialRacer struct {
	dial func(context.Context, string) error
}

func (d *dialRacer) Race(ctx context.Context, primary, fallback string) error {
	results := make(chan error)
	go func() { results <- d.dial(ctx, primary) }()
	go func() { results <- d.dial(ctx, fallback) }()
	var firstErr error
	for i := 0; i < 2; i++ {
		select { // ok: a finite loop over results the function produces itself
		case err := <-results:
			if err == nil {
				return nil
			}
			firstErr = err
		case <-time.After(time.Second):
		}
	}
	return firstErr
}

// leaseKeeper models a keep-alive loop over a watch channel that the
// client library closes when ctx ends.
type leaseKeeper struct {
	watch func(ctx context.Context, key string) <-chan string
	renew func(string)
}

func (l *leaseKeeper) Keep(ctx context.Context, key string) {
	events := l.watch(ctx, key)
	for {
		ev := <-events // ok: the channel comes from a call that takes ctx and closes with it
		if ev == "" {
			return
		}
		l.renew(ev)
	}
}

// shardWriter models a writer that uses a one-slot channel as a mutex
// around a shared buffer: it always gives back the token it took.
type shardWriter struct {
	token chan []byte
}

func (w *shardWriter) WriteAll(ctx context.Context, chunks [][]byte) error {
	for _, c := range chunks {
		if err := ctx.Err(); err != nil {
			return err
		}
		buf := <-w.token
		buf = append(buf[:0], c...)
		w.token <- buf // ok: returns the token taken just above, cannot block
	}
	return nil
}

// rpcRequest carries its own reply channel.
type rpcRequest struct {
	method string
	reply  chan error
}

// pinnedThread models a goroutine locked to an OS thread that executes
// requests and answers each on the requester's reply channel.
type pinnedThread struct {
	exec func(context.Context, string) error
}

func (p *pinnedThread) Serve(ctx context.Context, requests <-chan rpcRequest) {
	for req := range requests {
		req.reply <- p.exec(ctx, req.method) // ok: the requester waits for its own reply
	}
}

// revisionFanout models a test harness that hands the final revision to
// one buffered channel per member, each sent to exactly once.
func revisionFanout(ctx context.Context, members int, final <-chan int64, watch func(context.Context, <-chan int64)) {
	chans := make([]chan int64, members)
	for i := range chans {
		ch := make(chan int64, 1)
		chans[i] = ch
		go watch(ctx, ch)
	}
	go func() {
		rev := <-final
		for _, ch := range chans {
			ch <- rev // ok: every member channel is buffered (capacity 1) and sent to once
		}
	}()
}

// frameConn models a connection whose serve loop reads frames produced
// by a reader goroutine it starts itself; the reader reports the closed
// connection as a frame error, which ends the loop.
type frameConn struct {
	ctx    context.Context
	frames chan error
	read   func() error
}

func (c *frameConn) readLoop() {
	for {
		err := c.read()
		select {
		case c.frames <- err: // ok: the select has case <-c.ctx.Done()
		case <-c.ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

func (c *frameConn) serve() {
	go c.readLoop()
	for {
		select { // ok: fed by the reader goroutine serve starts, which ends with the connection
		case err := <-c.frames:
			if err != nil {
				return
			}
		}
	}
}

// pollUntilReady models a readiness poll that checks ctx on every
// iteration and sleeps a bounded time between attempts.
func pollUntilReady(ctx context.Context, ready func() bool) bool {
	for ctx.Err() == nil {
		if ready() {
			return true
		}
		<-time.After(10 * time.Millisecond) // ok: bounded wait, the loop condition polls ctx
	}
	return false
}
