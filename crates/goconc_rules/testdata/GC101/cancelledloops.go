package gc101

import (
	"context"
	"errors"
	"time"
)

// Channel fields whose only receiver is one goroutine's loop that leaves
// on cancellation. Senders that do not watch for it block forever once
// the loop has gone.

type logLine struct {
	source string
	text   string
}

// shipper batches lines in one goroutine and ships the batches in
// another, which stops when the context ends.
type shipper struct {
	lines   chan logLine
	batches chan []logLine
	size    int
	send    func(context.Context, []logLine) error
}

func newShipper(size int, send func(context.Context, []logLine) error) *shipper {
	return &shipper{lines: make(chan logLine, 128), batches: make(chan []logLine), size: size, send: send}
}

func (s *shipper) Start(ctx context.Context) {
	go s.batch()
	go s.ship(ctx)
}

func (s *shipper) batch() {
	var pending []logLine
	for l := range s.lines {
		pending = append(pending, l)
		if len(pending) == s.size {
			s.batches <- pending // want `goroutine blocks forever sending on s.batches once \(\*shipper\).ship has stopped`
			pending = nil
		}
	}
	close(s.batches)
}

func (s *shipper) ship(ctx context.Context) {
	for {
		select {
		case b, ok := <-s.batches:
			if !ok {
				return
			}
			_ = s.send(ctx, b)
		case <-ctx.Done():
			return
		}
	}
}

// rpcStream multiplexes calls over one stream goroutine bound to the
// stream's context. Call watches the caller's context for the reply but
// not for the request.
type rpcCall struct {
	method string
	reply  chan []byte
}

type rpcStream struct {
	calls chan *rpcCall
}

func openRPCStream(ctx context.Context) *rpcStream {
	s := &rpcStream{calls: make(chan *rpcCall)}
	go s.serve(ctx)
	return s
}

func (s *rpcStream) serve(ctx context.Context) {
	for {
		select {
		case c := <-s.calls:
			c.reply <- []byte("ok " + c.method)
		case <-ctx.Done():
			return
		}
	}
}

var errCallCancelled = errors.New("call cancelled")

func (s *rpcStream) Call(ctx context.Context, method string) ([]byte, error) {
	c := &rpcCall{method: method, reply: make(chan []byte, 1)}
	s.calls <- c // want `send on s.calls blocks forever once \(\*rpcStream\).serve has stopped`
	select {
	case r := <-c.reply:
		return r, nil
	case <-ctx.Done():
		return nil, errCallCancelled
	}
}

// Negative: the producer gives up with the same context as the loop.
type sampler struct {
	samples chan float64
	out     func(float64)
}

func (s *sampler) Start(ctx context.Context, read func() float64) {
	go s.produce(ctx, read)
	go s.consume(ctx)
}

func (s *sampler) produce(ctx context.Context, read func() float64) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			select {
			case s.samples <- read():
			case <-ctx.Done():
				return
			}
		case <-ctx.Done():
			return
		}
	}
}

func (s *sampler) consume(ctx context.Context) {
	for {
		select {
		case v := <-s.samples:
			s.out(v)
		case <-ctx.Done():
			return
		}
	}
}

func newSampler(out func(float64)) *sampler {
	return &sampler{samples: make(chan float64), out: out}
}

// Negative: the loop ends only when the channel is closed, so every value
// is received.
type auditTrail struct {
	entries chan string
	write   func(string)
}

func newAuditTrail(write func(string)) *auditTrail {
	a := &auditTrail{entries: make(chan string), write: write}
	go a.drain()
	return a
}

func (a *auditTrail) drain() {
	for e := range a.entries {
		a.write(e)
	}
}

func (a *auditTrail) Record(ctx context.Context, e string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	a.entries <- e
	return nil
}

func (a *auditTrail) Close() { close(a.entries) }

// Negative: a call that never watches a context is left to the stop-request
// checks; this one hands over with a select on its own context.
type jobQueue struct {
	jobs chan func()
}

func newJobQueue(ctx context.Context) *jobQueue {
	q := &jobQueue{jobs: make(chan func())}
	go q.run(ctx)
	return q
}

func (q *jobQueue) run(ctx context.Context) {
	for {
		select {
		case j := <-q.jobs:
			j()
		case <-ctx.Done():
			return
		}
	}
}

func (q *jobQueue) Submit(ctx context.Context, j func()) error {
	select {
	case q.jobs <- j:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// uploadStream checks its context before queueing, then sends with a
// plain send: the write loop may leave right after the check.
type uploadStream struct {
	ctx    context.Context
	cancel context.CancelFunc
	chunks chan []byte
	write  func([]byte) error
}

func newUploadStream(parent context.Context, write func([]byte) error) *uploadStream {
	ctx, cancel := context.WithCancel(parent)
	s := &uploadStream{ctx: ctx, cancel: cancel, chunks: make(chan []byte), write: write}
	go s.writeLoop()
	return s
}

func (s *uploadStream) writeLoop() {
	for {
		select {
		case c := <-s.chunks:
			if err := s.write(c); err != nil {
				s.cancel()
				return
			}
		case <-s.ctx.Done():
			return
		}
	}
}

func (s *uploadStream) Send(chunk []byte) error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	s.chunks <- chunk // want `send on s.chunks blocks forever once \(\*uploadStream\).writeLoop has stopped`
	return nil
}
