package gc101

import (
	"errors"
	"io"
	"net"
	"time"
)

// tunnel models the protocol-switch proxy: two copiers pump bytes in each
// direction and the handler returns when the first one finishes. The
// buffer slot and the single receive absorb both results.
type tunnel struct {
	client, backend net.Conn
}

func (t *tunnel) pump(dst io.Writer, src io.Reader, errc chan<- error) {
	_, err := io.Copy(dst, src)
	errc <- err // ok: the slot plus the one receive cover both copiers
}

// Serve waits for either direction to finish, then closes both ends so the
// other copier fails fast and sends into the free slot.
func (t *tunnel) Serve() error {
	defer t.client.Close()
	defer t.backend.Close()
	errc := make(chan error, 1)
	go t.pump(t.backend, t.client, errc)
	go t.pump(t.client, t.backend, errc)
	return <-errc
}

// ServeInline has the copiers inline.
func (t *tunnel) ServeInline() error {
	defer t.client.Close()
	defer t.backend.Close()
	done := make(chan error, 1)
	go func() {
		_, err := io.Copy(t.backend, t.client)
		done <- err // ok: capacity 1 plus one receive
	}()
	go func() {
		_, err := io.Copy(t.client, t.backend)
		done <- err // ok: capacity 1 plus one receive
	}()
	return <-done
}

// ServeUnbuffered has no slot: the copier that finishes second blocks
// forever after the handler took the first result.
func (t *tunnel) ServeUnbuffered() error {
	defer t.client.Close()
	defer t.backend.Close()
	done := make(chan error)
	go func() {
		_, err := io.Copy(t.backend, t.client)
		done <- err // want "blocks forever sending to done"
	}()
	go func() {
		_, err := io.Copy(t.client, t.backend)
		done <- err // want "blocks forever sending to done"
	}()
	return <-done
}

// ServeWithDeadline may never receive at all: when the deadline wins, the
// slot takes one result and the other copier blocks forever.
func (t *tunnel) ServeWithDeadline(limit time.Duration) error {
	defer t.client.Close()
	defer t.backend.Close()
	done := make(chan error, 1)
	go func() {
		_, err := io.Copy(t.backend, t.client)
		done <- err // want "blocks forever sending to done"
	}()
	go func() {
		_, err := io.Copy(t.client, t.backend)
		done <- err // want "blocks forever sending to done"
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		return errors.New("tunnel: deadline exceeded")
	}
}

// queueProbe checks a queue in two steps with one result channel: the
// first result is read at once, so the slot is free for the second sender
// even when the final check gives up.
type queueProbe struct {
	enqueue func() error
}

// Probe: two senders, capacity 1, one plain receive every path makes.
func (q *queueProbe) Probe(limit time.Duration) error {
	results := make(chan error, 1)
	go func() {
		results <- q.enqueue() // ok: received right below
	}()
	if err := <-results; err != nil {
		return err
	}
	go func() {
		results <- q.enqueue() // ok: the slot the first receive freed takes it
	}()
	select {
	case err := <-results:
		return err
	case <-time.After(limit):
		return errors.New("probe: enqueue blocked")
	}
}
