package gc102

import "errors"

// Unbuffered channels that only the goroutine creating them uses: their
// first send or receive never meets a partner. Typical after a refactor
// that dropped the `go` from what used to be a background call.

type segmentFlusher struct {
	pending [][]byte
}

func (s *segmentFlusher) flush() error {
	if len(s.pending) == 0 {
		return errors.New("nothing to flush")
	}
	s.pending = nil
	return nil
}

// flushNow sends the result to itself on an unbuffered channel.
func (s *segmentFlusher) flushNow() error {
	errc := make(chan error)
	errc <- s.flush() // want `send on errc blocks forever: errc is unbuffered and only this goroutine uses it, so nothing can receive`
	return <-errc
}

// handshake waits for an acknowledgement it sends itself afterwards.
func (s *segmentFlusher) handshake() {
	ack := make(chan struct{})
	<-ack // want `receive from ack blocks forever: ack is unbuffered and only this goroutine uses it, so nothing can send`
	ack <- struct{}{}
}

// flushAsync keeps the goroutine.
func (s *segmentFlusher) flushAsync() error {
	errc := make(chan error)
	go func() { errc <- s.flush() }() // ok: another goroutine sends
	return <-errc
}

// flushBuffered reads its own result back from a one-slot buffer.
func (s *segmentFlusher) flushBuffered() error {
	errc := make(chan error, 1)
	errc <- s.flush() // ok: buffered
	return <-errc
}

// flushVia hands the channel to a helper goroutine.
func (s *segmentFlusher) flushVia() error {
	errc := make(chan error)
	go flushInto(s, errc)
	return <-errc // ok: the helper sends
}

func flushInto(s *segmentFlusher, errc chan<- error) { errc <- s.flush() }

// closedSignal closes before waiting: the receive returns at once.
func closedSignal() {
	done := make(chan struct{})
	close(done)
	<-done // ok: closed
}

// tryFlush polls without blocking.
func (s *segmentFlusher) tryFlush() bool {
	ready := make(chan struct{})
	select {
	case <-ready: // ok: a select with default never blocks
		return true
	default:
		return false
	}
}
