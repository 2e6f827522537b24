package gc101

import (
	"context"
	"net"
	"time"
)

// Futures: a helper starts a goroutine that computes one value and
// returns the unbuffered channel it will send it on. A caller that stops
// waiting (its context ends, a timeout fires) leaves the goroutine parked
// in its one send forever.
type addrResult struct {
	addrs []string
	err   error
}

type cachingResolver struct {
	r       *net.Resolver
	timeout time.Duration
}

func (c *cachingResolver) lookupAsync(host string) <-chan addrResult {
	out := make(chan addrResult)
	go func() {
		addrs, err := c.r.LookupHost(context.Background(), host)
		out <- addrResult{addrs: addrs, err: err} // want `goroutine blocks forever sending to out: lookupAsync returns it, and Resolve can stop waiting before the value comes`
	}()
	return out
}

func (c *cachingResolver) Resolve(ctx context.Context, host string) ([]string, error) {
	pending := c.lookupAsync(host) // related "the stream is taken here"
	select {
	case res := <-pending:
		return res.addrs, res.err
	case <-ctx.Done(): // related "stops listening"
		return nil, ctx.Err()
	}
}

// The same future consumed in a read loop: each iteration starts a read,
// and a deadline ends the loop while the last read is still in flight.
type frame struct {
	last    bool
	payload []byte
}

type frameSource interface {
	Next() (frame, error)
}

type frameStream struct {
	src frameSource
}

type frameResult struct {
	f   frame
	err error
}

func (s *frameStream) readNext() <-chan frameResult {
	ch := make(chan frameResult)
	go func() {
		f, err := s.src.Next()
		ch <- frameResult{f: f, err: err} // want `goroutine blocks forever sending to ch: readNext returns it, and ReadMessage can stop waiting before the value comes`
	}()
	return ch
}

func (s *frameStream) ReadMessage(deadline time.Duration) ([]byte, error) {
	timeout := time.After(deadline)
	var msg []byte
	for {
		next := s.readNext()
		select {
		case <-timeout:
			return nil, context.DeadlineExceeded
		case r := <-next:
			if r.err != nil {
				return nil, r.err
			}
			msg = append(msg, r.f.payload...)
			if r.f.last {
				return msg, nil
			}
		}
	}
}

// Fixed: one slot of buffer, so the send completes with no reader.
func (c *cachingResolver) lookupBuffered(host string) <-chan addrResult {
	out := make(chan addrResult, 1)
	go func() {
		addrs, err := c.r.LookupHost(context.Background(), host)
		out <- addrResult{addrs: addrs, err: err}
	}()
	return out
}

func (c *cachingResolver) ResolveBuffered(ctx context.Context, host string) ([]string, error) {
	select {
	case res := <-c.lookupBuffered(host):
		return res.addrs, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Fixed: the goroutine's send also watches the caller's context.
func (c *cachingResolver) lookupCtx(ctx context.Context, host string) <-chan addrResult {
	out := make(chan addrResult)
	go func() {
		addrs, err := c.r.LookupHost(ctx, host)
		select {
		case out <- addrResult{addrs: addrs, err: err}:
		case <-ctx.Done():
		}
	}()
	return out
}

func (c *cachingResolver) ResolveCtx(ctx context.Context, host string) ([]string, error) {
	pending := c.lookupCtx(ctx, host)
	select {
	case res := <-pending:
		return res.addrs, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Fixed: the caller waits for the value however long it takes.
func (c *cachingResolver) ResolveBlocking(host string) ([]string, error) {
	res := <-c.lookupAsync(host)
	return res.addrs, res.err
}

// Fixed: a caller that gives up hands the future to a goroutine that
// drains it.
func (s *frameStream) readNextDrained() <-chan frameResult {
	ch := make(chan frameResult)
	go func() {
		f, err := s.src.Next()
		ch <- frameResult{f: f, err: err}
	}()
	return ch
}

func (s *frameStream) PollMessage(ctx context.Context) (frame, error) {
	next := s.readNextDrained()
	select {
	case r := <-next:
		return r.f, r.err
	case <-ctx.Done():
		go func() { <-next }()
		return frame{}, ctx.Err()
	}
}
