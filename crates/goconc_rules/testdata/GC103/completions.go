package gc103

import (
	"context"
	"errors"
)

// flushRequest asks the flush scheduler to persist everything written so
// far; done receives exactly one result.
type flushRequest struct {
	upto uint64
	done chan error
}

// flushScheduler queues flush requests and answers the ones that turn out
// to be no-ops without starting a flush.
type flushScheduler struct {
	ctx     context.Context
	queue   []*flushRequest
	flushed uint64
}

func (s *flushScheduler) Flush(upto uint64) error {
	req := &flushRequest{upto: upto, done: make(chan error, 1)}
	s.queue = append(s.queue, req)
	return <-req.done
}

// answerNoops pops the requests already covered by the last flush.
func (s *flushScheduler) answerNoops() {
	for len(s.queue) > 0 {
		req := s.queue[0]
		if req.upto > s.flushed {
			return
		}
		req.done <- nil // ok: each request's own done channel, buffered (capacity 1) at every creation
		s.queue = s.queue[1:]
	}
}

// commitRequest is one writer waiting for its batch to commit.
type commitRequest struct {
	payload []byte
	result  chan error
}

func newCommitRequest(payload []byte) *commitRequest {
	req := &commitRequest{payload: payload}
	req.result = make(chan error, 1)
	return req
}

// batchCommitter commits writers' payloads in groups.
type batchCommitter struct {
	pending []*commitRequest
	write   func([]byte) error
}

func (b *batchCommitter) Submit(ctx context.Context, payload []byte) error {
	req := newCommitRequest(payload)
	b.pending = append(b.pending, req)
	select {
	case err := <-req.result:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// finish answers every writer of a committed batch.
func (b *batchCommitter) finish(ctx context.Context, batch []*commitRequest) {
	var err error
	if ctx.Err() != nil {
		err = errors.New("commit canceled")
	}
	for _, req := range batch {
		if err == nil {
			err = b.write(req.payload)
		}
		req.result <- err // ok: a different writer's buffered result channel each iteration
	}
}

// scanWorker streams keys to one long-lived, unbuffered results channel:
// the consumer going away blocks the worker forever.
type scanWorker struct {
	ctx     context.Context
	keys    []string
	results chan string
}

func newScanWorker(ctx context.Context, keys []string) *scanWorker {
	return &scanWorker{ctx: ctx, keys: keys, results: make(chan string)}
}

func (w *scanWorker) run() {
	for _, key := range w.keys {
		w.results <- key // want "send to w.results in a loop has no case <-w.ctx.Done\\(\\)"
	}
}

// ackRequest is acknowledged on an unbuffered channel: the sender waits for
// the requester to be listening.
type ackRequest struct {
	seq uint64
	ack chan struct{}
}

func newAckRequest(seq uint64) *ackRequest {
	return &ackRequest{seq: seq, ack: make(chan struct{})}
}

func acknowledgeAll(ctx context.Context, pending []*ackRequest) {
	for _, r := range pending {
		r.ack <- struct{}{} // want "send to r.ack in a loop has no case <-ctx.Done\\(\\)"
	}
}

// leaseGrant is answered on a channel that one creation site leaves
// unbuffered: not every grant has a free slot.
type leaseGrant struct {
	ttl   int64
	reply chan int64
}

func newLeaseGrant(ttl int64) *leaseGrant {
	return &leaseGrant{ttl: ttl, reply: make(chan int64, 1)}
}

func newSyncLeaseGrant(ttl int64) *leaseGrant {
	return &leaseGrant{ttl, make(chan int64)}
}

func grantAll(ctx context.Context, grants []*leaseGrant, next func() int64) {
	for i := range grants {
		g := grants[i]
		g.reply <- next() // want "send to g.reply in a loop has no case <-ctx.Done\\(\\)"
	}
}
