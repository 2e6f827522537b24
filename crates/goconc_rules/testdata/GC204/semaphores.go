package gc204

import "sync"

// The first shapes below were false alarms on real services: a channel
// operation under a lock whose counterpart also involves that lock, but
// where the channel cannot block the lock holder. The Compactor at the end
// is a true one: waiting for a goroutine to exit under a lock it needs.

// netnsSlots limits concurrent namespace switches: a buffered channel used
// as a counting semaphore.
var netnsSlots = make(chan struct{}, 1)

func withNetnsSlot(fn func()) {
	netnsSlots <- struct{}{}
	defer func() { <-netnsSlots }()
	fn()
}

// Sandbox models a network sandbox whose join and leave paths hold the
// sandbox lock while running a namespace switch through a semaphore
// helper; the helper acquires and releases its own slot, so it never waits
// for the other path.
type Sandbox struct {
	mu     sync.Mutex
	joined map[string]bool
}

// Join attaches endpoint id.
func (sb *Sandbox) Join(id string) {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	withNetnsSlot(func() { sb.joined[id] = true }) // ok: the helper both takes and returns its semaphore slot
}

// Leave detaches endpoint id.
func (sb *Sandbox) Leave(id string) {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	withNetnsSlot(func() { delete(sb.joined, id) }) // ok: same semaphore helper as Join
}

type dialResult struct {
	conn string
	err  error
}

// connWaiter models an HTTP-transport-style waiter whose result slot has
// room for one value: the deliverer fills it under the lock and marks the
// waiter done, and cancel only reads the slot once it is marked done.
type connWaiter struct {
	mu     sync.Mutex
	done   bool
	result chan dialResult
}

func newConnWaiter() *connWaiter {
	return &connWaiter{result: make(chan dialResult, 1)}
}

// deliver hands conn to the waiter unless it already has one.
func (w *connWaiter) deliver(conn string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return false
	}
	w.done = true
	w.result <- dialResult{conn: conn}
	close(w.result)
	return true
}

// cancel returns the delivered connection, if any.
func (w *connWaiter) cancel() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		if r, ok := <-w.result; ok { // ok: a buffered slot that is only read after deliver filled it
			return r.conn
		}
		return ""
	}
	w.done = true
	close(w.result)
	return ""
}

type sharedBuf struct {
	data []byte
}

// FuzzClient models a client that passes a shared buffer back and forth
// with a token channel; every operation takes the token while holding the
// client lock and puts it back before releasing the lock, so the token is
// always there when a lock holder asks for it.
type FuzzClient struct {
	mu  sync.Mutex
	buf chan *sharedBuf
}

// NewFuzzClient creates a client owning one buffer.
func NewFuzzClient() *FuzzClient {
	token := make(chan *sharedBuf, 1)
	token <- &sharedBuf{}
	return &FuzzClient{buf: token}
}

// Run executes one input.
func (c *FuzzClient) Run(input []byte) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := <-c.buf // ok: every sender puts the token back while holding c.mu, before it unlocks
	b.data = append(b.data[:0], input...)
	n := len(b.data)
	c.buf <- b
	return n
}

// Minimize shrinks input.
func (c *FuzzClient) Minimize(input []byte) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := <-c.buf // ok: same token protocol as Run
	b.data = append(b.data[:0], input[:len(input)/2]...)
	out := append([]byte(nil), b.data...)
	c.buf <- b
	return out
}

// Compactor models a storage engine whose Close holds the engine lock while
// it waits for the background loop to exit; the loop's periodic compaction
// takes the same lock, so a tick that races with Close blocks the loop before
// it can see the stop signal and close done.
type Compactor struct {
	mu       sync.RWMutex
	segments []string
	stopc    chan struct{}
	donec    chan struct{}
	tick     <-chan struct{}
}

// NewCompactor starts the background loop.
func NewCompactor(tick <-chan struct{}) *Compactor {
	c := &Compactor{stopc: make(chan struct{}), donec: make(chan struct{}), tick: tick}
	go c.run()
	return c
}

func (c *Compactor) run() {
	defer close(c.donec)
	for {
		select {
		case <-c.stopc:
			return
		case <-c.tick:
			c.compact()
		}
	}
}

func (c *Compactor) compact() {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if len(c.segments) > 1 {
		c.segments = c.segments[len(c.segments)-1:]
	}
}

// Close stops the loop and drops the segments.
func (c *Compactor) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	close(c.stopc)
	<-c.donec // want "blocking receive from c.donec while holding c.mu"
	c.segments = nil
}

// SafeCompactor is the fixed engine: Close waits for the loop before it
// takes the lock.
type SafeCompactor struct {
	mu       sync.RWMutex
	segments []string
	stopc    chan struct{}
	donec    chan struct{}
	tick     <-chan struct{}
}

// NewSafeCompactor starts the background loop.
func NewSafeCompactor(tick <-chan struct{}) *SafeCompactor {
	c := &SafeCompactor{stopc: make(chan struct{}), donec: make(chan struct{}), tick: tick}
	go c.run()
	return c
}

func (c *SafeCompactor) run() {
	defer close(c.donec)
	for {
		select {
		case <-c.stopc:
			return
		case <-c.tick:
			c.mu.Lock()
			c.segments = c.segments[:0]
			c.mu.Unlock()
		}
	}
}

// Close stops the loop and drops the segments.
func (c *SafeCompactor) Close() {
	close(c.stopc)
	<-c.donec // ok: no lock is held while waiting for the loop to exit
	c.mu.Lock()
	c.segments = nil
	c.mu.Unlock()
}
