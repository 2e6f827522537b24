package gc101

import (
	"context"
	"errors"
	"time"
)

// Stop requests sent on an unbuffered channel to a goroutine's select
// loop. When the loop can also end another way, a later Stop waits for a
// receiver that is gone.

type event struct {
	key string
}

var errWatchClosed = errors.New("watch closed")

type watcher struct {
	events  chan event
	stopCh  chan struct{}
	handler func(event) error
}

func newWatcher(events chan event, handler func(event) error) *watcher {
	w := &watcher{events: events, stopCh: make(chan struct{}), handler: handler}
	go w.loop()
	return w
}

// loop ends when the event source closes or the handler fails, as well as
// on Stop.
func (w *watcher) loop() {
	for {
		select {
		case ev, ok := <-w.events:
			if !ok {
				return
			}
			if err := w.handler(ev); err != nil {
				return
			}
		case <-w.stopCh:
			return
		}
	}
}

// Stop hangs once loop has returned on its own.
func (w *watcher) Stop() {
	w.stopCh <- struct{}{} // want `send on w.stopCh blocks forever once the goroutine running \(\*watcher\).loop has returned`
}

// ticker-driven flusher whose loop only ends on the stop request: every
// Stop finds it listening (called once).
type flusher struct {
	quit  chan struct{}
	flush func()
}

func newFlusher(flush func()) *flusher {
	f := &flusher{quit: make(chan struct{}), flush: flush}
	go f.run()
	return f
}

func (f *flusher) run() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			f.flush()
		case <-f.quit:
			f.flush()
			return
		}
	}
}

func (f *flusher) Stop() {
	f.quit <- struct{}{} // ok: run returns only after receiving it
}

// closer closes its stop channel instead: a close never blocks.
type closer struct {
	done chan struct{}
	in   chan int
}

func newCloser(in chan int) *closer {
	c := &closer{done: make(chan struct{}), in: in}
	go c.loop()
	return c
}

func (c *closer) loop() {
	for {
		select {
		case _, ok := <-c.in:
			if !ok {
				return
			}
		case <-c.done:
			return
		}
	}
}

func (c *closer) Stop() { close(c.done) }

// reloader takes requests, not stop signals: its case loops again, and
// the loop's own exit is the context.
type reloader struct {
	reload chan chan error
}

func newReloader(ctx context.Context) *reloader {
	r := &reloader{reload: make(chan chan error)}
	go r.run(ctx)
	return r
}

func (r *reloader) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case errc := <-r.reload:
			errc <- nil
		}
	}
}

func (r *reloader) Reload() error {
	errc := make(chan error, 1)
	r.reload <- errc // ok: a request channel, not a stop request
	return <-errc
}

// bufferedStopper leaves one slot for the stop request: the send never
// waits for the loop.
type bufferedStopper struct {
	stop chan struct{}
	in   chan int
}

func newBufferedStopper(in chan int) *bufferedStopper {
	b := &bufferedStopper{stop: make(chan struct{}, 1), in: in}
	go b.loop()
	return b
}

func (b *bufferedStopper) loop() {
	for {
		select {
		case _, ok := <-b.in:
			if !ok {
				return
			}
		case <-b.stop:
			return
		}
	}
}

func (b *bufferedStopper) Stop() {
	b.stop <- struct{}{} // ok: one slot of buffer
}

// session stops when its connection fails, and Close asks it to stop.
type session struct {
	closeReq chan struct{}
	recv     func() (event, error)
	out      chan event
}

func newSession(recv func() (event, error)) *session {
	s := &session{closeReq: make(chan struct{}), recv: recv, out: make(chan event, 16)}
	go s.serve()
	return s
}

func (s *session) serve() {
	for {
		ev, err := s.recv()
		if err != nil {
			return
		}
		select {
		case s.out <- ev:
		case <-s.closeReq:
			return
		}
	}
}

func (s *session) Close() {
	s.closeReq <- struct{}{} // want `send on s.closeReq blocks forever once the goroutine running \(\*session\).serve has returned`
}

// uplinkProber gives up after too many failed probes; its constructor
// returns the literal directly, so the stop channel is made inside it.
type uplinkProber struct {
	probe    func() error
	every    time.Duration
	maxFails int
	halt     chan struct{}
}

func newUplinkProber(probe func() error, every time.Duration, maxFails int) *uplinkProber {
	return &uplinkProber{probe: probe, every: every, maxFails: maxFails, halt: make(chan struct{})}
}

func (p *uplinkProber) Start() { go p.run() }

func (p *uplinkProber) run() {
	fails := 0
	t := time.NewTicker(p.every)
	defer t.Stop()
	for {
		select {
		case <-p.halt:
			return
		case <-t.C:
			if err := p.probe(); err != nil {
				fails++
				if fails >= p.maxFails {
					return
				}
				continue
			}
			fails = 0
		}
	}
}

// Halt waits for run forever once run has given up.
func (p *uplinkProber) Halt() {
	p.halt <- struct{}{} // want `send on p.halt blocks forever once the goroutine running \(\*uplinkProber\).run has returned`
}

// The same prober with a one-slot stop channel made in the literal.
type uplinkProberFixed struct {
	probe func() error
	every time.Duration
	halt  chan struct{}
}

func newUplinkProberFixed(probe func() error, every time.Duration) *uplinkProberFixed {
	return &uplinkProberFixed{probe: probe, every: every, halt: make(chan struct{}, 1)}
}

func (p *uplinkProberFixed) Start() { go p.run() }

func (p *uplinkProberFixed) run() {
	t := time.NewTicker(p.every)
	defer t.Stop()
	for {
		select {
		case <-p.halt:
			return
		case <-t.C:
			if p.probe() != nil {
				return
			}
		}
	}
}

func (p *uplinkProberFixed) Halt() {
	p.halt <- struct{}{} // ok: one slot of buffer, made in the literal
}

// segmentCompactor's loop runs inside the goroutine that reports its result; it
// gives up after repeated failures, and a later Stop waits forever.
type segmentCompactor struct {
	compact func() error
	every   time.Duration
	halt    chan struct{}
	result  chan error
}

func newSegmentCompactor(compact func() error, every time.Duration) *segmentCompactor {
	return &segmentCompactor{compact: compact, every: every, halt: make(chan struct{}), result: make(chan error, 1)}
}

func (c *segmentCompactor) Start(ctx context.Context) {
	go func() { c.result <- c.Run(ctx) }()
}

func (c *segmentCompactor) Run(ctx context.Context) error {
	t := time.NewTicker(c.every)
	defer t.Stop()
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.halt:
			return nil
		case <-t.C:
			if err := c.compact(); err != nil {
				failures++
				if failures > 3 {
					return err
				}
			}
		}
	}
}

func (c *segmentCompactor) Stop() error {
	c.halt <- struct{}{} // want `send on c.halt blocks forever once the goroutine running \(\*segmentCompactor\).Run has returned`
	return <-c.result
}
