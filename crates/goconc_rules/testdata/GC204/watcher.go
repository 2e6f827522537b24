package gc204

import (
	"context"
	"errors"
	"sync"
	"time"
)

// WatchEvent is a key change delivered to watchers.
type WatchEvent struct {
	Key      string
	Revision int64
}

// WatcherHub models an etcd-style watch hub mixing a lock and channels:
// Sync holds h.mu while asking the dispatcher for a flush and while waiting
// for its answer, but the dispatcher takes h.mu to grab the pending events
// (in flush) before it can receive the next request or send the answer.
type WatcherHub struct {
	mu      sync.Mutex
	pending []WatchEvent
	rev     int64
	syncs   int
	kick    chan struct{}
	syncReq chan struct{}
	synced  chan int64
	deliver func(WatchEvent)
}

// NewWatcherHub starts the dispatcher.
func NewWatcherHub(deliver func(WatchEvent)) *WatcherHub {
	h := &WatcherHub{
		kick:    make(chan struct{}, 1),
		syncReq: make(chan struct{}),
		synced:  make(chan int64),
		deliver: deliver,
	}
	go h.dispatch()
	return h
}

func (h *WatcherHub) dispatch() {
	for {
		select {
		case <-h.kick:
			h.flush()
		case <-h.syncReq:
			h.synced <- h.flush()
		}
	}
}

func (h *WatcherHub) flush() int64 {
	h.mu.Lock()
	batch := h.pending
	h.pending = nil
	rev := h.rev
	h.mu.Unlock()
	for _, ev := range batch {
		h.deliver(ev)
	}
	return rev
}

// Put records a change and wakes the dispatcher.
func (h *WatcherHub) Put(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.rev++
	h.pending = append(h.pending, WatchEvent{Key: key, Revision: h.rev})
	select { // ok: kick is buffered and the default case makes this non-blocking
	case h.kick <- struct{}{}:
	default:
	}
}

// Sync waits until the dispatcher has delivered everything up to now.
func (h *WatcherHub) Sync() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.syncs++
	h.syncReq <- struct{}{} // want "blocking send on h.syncReq while holding h.mu"
	return <-h.synced       // want "blocking receive from h.synced while holding h.mu"
}

// SafeWatcherHub is the fixed hub: Sync updates its counter under the lock
// and talks to the dispatcher after releasing it.
type SafeWatcherHub struct {
	mu      sync.Mutex
	pending []WatchEvent
	rev     int64
	syncs   int
	syncReq chan struct{}
	synced  chan int64
	deliver func(WatchEvent)
}

// NewSafeWatcherHub starts the dispatcher.
func NewSafeWatcherHub(deliver func(WatchEvent)) *SafeWatcherHub {
	h := &SafeWatcherHub{syncReq: make(chan struct{}), synced: make(chan int64), deliver: deliver}
	go func() {
		for range h.syncReq {
			h.mu.Lock()
			batch := h.pending
			h.pending = nil
			rev := h.rev
			h.mu.Unlock()
			for _, ev := range batch {
				h.deliver(ev)
			}
			h.synced <- rev
		}
	}()
	return h
}

// Sync waits until the dispatcher has delivered everything up to now.
func (h *SafeWatcherHub) Sync() int64 {
	h.mu.Lock()
	h.syncs++
	h.mu.Unlock()
	h.syncReq <- struct{}{} // ok: h.mu was released before talking to the dispatcher
	return <-h.synced       // ok: no lock is held while waiting for the answer
}

// Poller models a background poller whose Stop sends the stop signal while
// holding the lock that each poll iteration takes before it reaches the
// select on stopc.
type Poller struct {
	mu      sync.Mutex
	results []int
	stopc   chan struct{}
	poll    func() int
}

// NewPoller starts polling every interval.
func NewPoller(interval time.Duration, poll func() int) *Poller {
	p := &Poller{stopc: make(chan struct{}), poll: poll}
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			v := p.poll()
			p.mu.Lock()
			p.results = append(p.results, v)
			p.mu.Unlock()
			select {
			case <-p.stopc:
				return
			case <-t.C:
			}
		}
	}()
	return p
}

// Stop ends the polling goroutine and clears the results.
func (p *Poller) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopc <- struct{}{} // want "blocking send on p.stopc while holding p.mu"
	p.results = nil
}

// SafePoller is the fixed poller: Stop closes the channel, which never
// blocks, and clears the results under the lock.
type SafePoller struct {
	mu      sync.Mutex
	results []int
	stopc   chan struct{}
	stopped bool
}

// Stop ends the polling goroutine and clears the results.
func (p *SafePoller) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.stopped {
		p.stopped = true
		close(p.stopc) // ok: close never blocks
	}
	p.results = nil
}

// Elector models a leader-election client that announces leadership changes
// on an unbuffered channel while write-locked; the observer goroutine reads
// the current term (RLock) before receiving the next change.
type Elector struct {
	mu       sync.RWMutex
	term     int
	leader   bool
	changes  chan bool
	onChange func(leader bool, term int)
}

// NewElector starts the observer goroutine.
func NewElector(onChange func(leader bool, term int)) *Elector {
	e := &Elector{changes: make(chan bool), onChange: onChange}
	go func() {
		for leader := range e.changes {
			e.onChange(leader, e.Term())
		}
	}()
	return e
}

// Term returns the current term.
func (e *Elector) Term() int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.term
}

// SetLeader records the result of a campaign.
func (e *Elector) SetLeader(leader bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if leader != e.leader {
		e.term++
		e.leader = leader
		e.changes <- leader // want "blocking send on e.changes while holding e.mu"
	}
}

// QuietElector is the fixed client: the change is published after the lock
// is released.
type QuietElector struct {
	mu      sync.RWMutex
	term    int
	leader  bool
	changes chan bool
}

// Term returns the current term.
func (e *QuietElector) Term() int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.term
}

// SetLeader records the result of a campaign.
func (e *QuietElector) SetLeader(leader bool) {
	e.mu.Lock()
	changed := leader != e.leader
	if changed {
		e.term++
		e.leader = leader
	}
	e.mu.Unlock()
	if changed {
		e.changes <- leader // ok: e.mu was released above
	}
}

var errConnClosed = errors.New("mux: connection closed")

type call struct {
	id   uint32
	done chan []byte
}

// MuxConn models a multiplexed RPC connection whose Call holds the
// connection lock while waiting for its response; the reader goroutine must
// take the same lock to find the pending call before it can deliver it.
type MuxConn struct {
	mu      sync.Mutex
	nextID  uint32
	pending map[uint32]*call
	closed  bool
	write   func(id uint32, req []byte) error
}

// NewMuxConn starts the reader goroutine.
func NewMuxConn(frames <-chan [2][]byte, write func(id uint32, req []byte) error) *MuxConn {
	c := &MuxConn{pending: map[uint32]*call{}, write: write}
	go c.readLoop(frames)
	return c
}

// readLoop delivers responses coming off the wire.
func (c *MuxConn) readLoop(frames <-chan [2][]byte) {
	for f := range frames {
		id := uint32(f[0][0])
		c.mu.Lock()
		cl := c.pending[id]
		delete(c.pending, id)
		c.mu.Unlock()
		if cl != nil {
			cl.done <- f[1]
		}
	}
}

// Call sends req and waits for the response.
func (c *MuxConn) Call(req []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errConnClosed
	}
	c.nextID++
	cl := &call{id: c.nextID, done: make(chan []byte)}
	c.pending[cl.id] = cl
	if err := c.write(cl.id, req); err != nil {
		delete(c.pending, cl.id)
		return nil, err
	}
	return <-cl.done, nil // want "blocking receive from cl.done while holding c.mu"
}

// SafeMuxConn is the fixed connection: the pending call is registered under
// the lock, and the response is awaited after releasing it. The done
// channel also has room for the single response.
type SafeMuxConn struct {
	mu      sync.Mutex
	nextID  uint32
	pending map[uint32]*call
	closed  bool
	write   func(id uint32, req []byte) error
}

// NewSafeMuxConn starts the reader goroutine.
func NewSafeMuxConn(frames <-chan [2][]byte, write func(id uint32, req []byte) error) *SafeMuxConn {
	c := &SafeMuxConn{pending: map[uint32]*call{}, write: write}
	go c.readLoop(frames)
	return c
}

// readLoop delivers responses coming off the wire.
func (c *SafeMuxConn) readLoop(frames <-chan [2][]byte) {
	for f := range frames {
		id := uint32(f[0][0])
		c.mu.Lock()
		cl := c.pending[id]
		delete(c.pending, id)
		c.mu.Unlock()
		if cl != nil {
			cl.done <- f[1]
		}
	}
}

// Call sends req and waits for the response or cancellation.
func (c *SafeMuxConn) Call(ctx context.Context, req []byte) ([]byte, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, errConnClosed
	}
	c.nextID++
	cl := &call{id: c.nextID, done: make(chan []byte, 1)}
	c.pending[cl.id] = cl
	c.mu.Unlock()
	if err := c.write(cl.id, req); err != nil {
		return nil, err
	}
	select { // ok: no lock is held while waiting
	case resp := <-cl.done:
		return resp, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
