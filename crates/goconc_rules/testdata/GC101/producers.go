package gc101

import "time"

// A producer goroutine feeding a consumer loop that stops for good on a
// closed stop channel: unless the producer's send watches the same stop
// channel, it blocks forever after Stop.

type leaseEvent struct {
	key     string
	expired bool
}

type leaseWatcher struct {
	events chan leaseEvent
	stopCh chan struct{}
	poll   func() leaseEvent
}

func newLeaseWatcher(poll func() leaseEvent) *leaseWatcher {
	w := &leaseWatcher{events: make(chan leaseEvent), stopCh: make(chan struct{}), poll: poll}
	go w.produce()
	return w
}

func (w *leaseWatcher) produce() {
	for {
		ev := w.poll()
		w.events <- ev // want `send on w.events blocks forever once \(\*leaseWatcher\).Run has stopped: its only receiver leaves for good when w.stopCh is closed`
	}
}

func (w *leaseWatcher) Stop() { close(w.stopCh) }

func (w *leaseWatcher) Run(handle func(leaseEvent)) {
	for {
		select {
		case <-w.stopCh:
			return
		case ev := <-w.events:
			handle(ev)
		}
	}
}

// The fixed producer leaves with the consumer.
type leaseWatcherFixed struct {
	events chan leaseEvent
	stopCh chan struct{}
	poll   func() leaseEvent
}

func newLeaseWatcherFixed(poll func() leaseEvent) *leaseWatcherFixed {
	w := &leaseWatcherFixed{events: make(chan leaseEvent), stopCh: make(chan struct{}), poll: poll}
	go w.produce()
	return w
}

func (w *leaseWatcherFixed) produce() {
	for {
		ev := w.poll()
		select {
		case w.events <- ev: // ok: also returns when stopped
		case <-w.stopCh:
			return
		}
	}
}

func (w *leaseWatcherFixed) Stop() { close(w.stopCh) }

func (w *leaseWatcherFixed) Run(handle func(leaseEvent)) {
	for {
		select {
		case <-w.stopCh:
			return
		case ev := <-w.events:
			handle(ev)
		}
	}
}

// A request/response producer on a one-slot channel: after each send it
// waits for the reply or its own deadline, so the slot absorbs the one
// request a stopped consumer leaves behind.
type flushRequest struct{ done chan error }

type flushLoop struct {
	requests chan flushRequest
	stopCh   chan struct{}
}

func newFlushLoop() *flushLoop {
	l := &flushLoop{requests: make(chan flushRequest, 1), stopCh: make(chan struct{})}
	go l.run()
	go l.flushPeriodically()
	return l
}

func (l *flushLoop) run() {
	for {
		select {
		case <-l.stopCh:
			return
		case req := <-l.requests:
			req.done <- nil
		}
	}
}

func (l *flushLoop) flushPeriodically() {
	for {
		req := flushRequest{done: make(chan error, 1)}
		l.requests <- req // ok: buffered, and the reply wait below gives up
		select {
		case <-req.done:
		case <-time.After(time.Second):
			return
		}
	}
}

func (l *flushLoop) Stop() { close(l.stopCh) }
