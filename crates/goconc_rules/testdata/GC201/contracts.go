package gc201

import (
	"net"
	"sync"
)

// peerConn models a protocol connection whose outbound path is shared by
// callers that already hold the connection lock and callers that do not:
// the helper takes the lock only when told the caller does not hold it.
type peerConn struct {
	mu      sync.Mutex
	pending [][]byte
	closed  bool
}

func (c *peerConn) allowed(subject string, hasLock bool) bool {
	if !hasLock {
		c.mu.Lock()
		defer c.mu.Unlock()
	}
	return !c.closed && subject != ""
}

// deliver holds c.mu and says so to the helper.
func (c *peerConn) deliver(subject string, msg []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.allowed(subject, true) { // ok: allowed only locks when hasLock is false
		c.pending = append(c.pending, msg)
	}
}

// writer models a flusher that is entered with the lock held and drops it
// around the slow network write, two calls below the caller.
type writer struct {
	mu   sync.Mutex
	conn net.Conn
	buf  []byte
}

// flushLocked must be called with w.mu held; it releases the lock for the
// write and takes it again before returning.
func (w *writer) flushLocked() {
	out := w.buf
	w.buf = nil
	w.mu.Unlock()
	_, _ = w.conn.Write(out)
	w.mu.Lock()
}

func (w *writer) enqueueLocked(p []byte, flush bool) {
	w.buf = append(w.buf, p...)
	if flush {
		w.flushLocked()
	}
}

// Send appends and flushes under the lock.
func (w *writer) Send(p []byte) {
	w.mu.Lock()
	w.enqueueLocked(p, true) // ok: the lock is released before it is taken again, two calls down
	w.mu.Unlock()
}
