package gc101

import (
	"context"
	"errors"
	"time"
)

// Reply channels made inside the request literal. The caller hands the
// request to a serving loop, then waits for the reply or its context;
// once it gives up, the loop's plain `req.resp <- v` has no reader and the
// loop, the only server of every later request, is stuck for good.
type readIndexReq struct {
	resp chan uint64
}

type readIndexServer struct {
	readc     chan readIndexReq
	stopc     chan struct{}
	heartbeat func() uint64
}

func (s *readIndexServer) loop() {
	for {
		select {
		case req := <-s.readc:
			req.resp <- s.heartbeat()
		case <-s.stopc:
			return
		}
	}
}

var errReadIndexStopped = errors.New("read index server stopped")

func (s *readIndexServer) ReadIndex(ctx context.Context) (uint64, error) {
	req := readIndexReq{resp: make(chan uint64)} // want `req.resp is unbuffered and handed to another goroutine: once this function stops waiting for the reply, that goroutine's send on req.resp blocks forever`
	select {
	case s.readc <- req: // related "handed off here"
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-s.stopc:
		return 0, errReadIndexStopped
	}
	select {
	case idx := <-req.resp:
		return idx, nil
	case <-ctx.Done(): // related "stop waiting"
		return 0, ctx.Err()
	}
}

// A worker pool behind a multiplexer: the call gives up after a timeout.
type muxRequest struct {
	method string
	body   []byte
}

type muxResponse struct {
	body []byte
	err  error
}

type muxJob struct {
	req   muxRequest
	reply chan muxResponse
}

type requestMux struct {
	queue chan muxJob
	do    func(muxRequest) muxResponse
}

func (m *requestMux) worker() {
	for j := range m.queue {
		j.reply <- m.do(j.req)
	}
}

func (m *requestMux) Call(method string, body []byte, timeout time.Duration) (muxResponse, error) {
	j := muxJob{req: muxRequest{method: method, body: body}, reply: make(chan muxResponse)} // want `j.reply is unbuffered and handed to another goroutine`
	m.queue <- j
	select {
	case resp := <-j.reply:
		return resp, resp.err
	case <-time.After(timeout):
		return muxResponse{}, context.DeadlineExceeded
	}
}

// Fixed: the reply has a slot, so the worker never waits for the caller.
type leaseReq struct {
	id   int64
	done chan error
}

type leaseKeeper struct {
	reqs  chan leaseReq
	renew func(int64) error
}

func (k *leaseKeeper) run() {
	for r := range k.reqs {
		r.done <- k.renew(r.id)
	}
}

func (k *leaseKeeper) Renew(ctx context.Context, id int64) error {
	r := leaseReq{id: id, done: make(chan error, 1)}
	select {
	case k.reqs <- r:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Fixed: the caller waits for the reply for as long as it takes.
type snapshotReq struct {
	result chan []byte
}

type snapshotter struct {
	reqs chan snapshotReq
	take func() []byte
}

func (s *snapshotter) run() {
	for r := range s.reqs {
		r.result <- s.take()
	}
}

func (s *snapshotter) Snapshot() []byte {
	r := snapshotReq{result: make(chan []byte)}
	s.reqs <- r
	return <-r.result
}
