package gc202

import "sync"

// A message stream and its pull consumers, in the style of a JetStream
// server. The stream walks its consumers under its own locks (stream lock
// before consumer lock). Consumer helpers take a `needLock bool` so that
// paths which must not touch the stream can share them: a call that passes a
// constant false (directly or through another helper's parameter) never
// takes the stream lock, so it is no consumer -> stream order.

type jsStream struct {
	ackMu     sync.Mutex // ack floor
	clsMu     sync.Mutex // consumer list snapshot
	seqMu     sync.Mutex // last delivered sequence
	infoMu    sync.Mutex // cached info
	consumers []*jsConsumer
	ackFloor  uint64
	lastSeq   uint64
	acked     map[uint64]bool
	info      string
}

type jsConsumer struct {
	mu        sync.Mutex // pending deliveries
	stateMu   sync.Mutex // delivery state
	stream    *jsStream
	clustered bool
	inline    bool
	pending   map[uint64]int
	delivered uint64
	name      string
}

// ackLocked forgets a pending delivery; with needLock it also moves the
// stream's ack floor under the stream's ack lock.
func (c *jsConsumer) ackLocked(seq uint64, needLock bool) {
	if needLock {
		c.stream.ackMu.Lock()
		defer c.stream.ackMu.Unlock()
		if seq > c.stream.ackFloor {
			c.stream.ackFloor = seq
		}
	}
	delete(c.pending, seq)
}

// expire drops a timed-out delivery without touching the stream.
func (c *jsConsumer) expire(seq uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ackLocked(seq, false) // ok: needLock is false, the stream's ack lock is never taken
}

// redeliver acks the previous delivery, stream included, under the state lock.
func (c *jsConsumer) redeliver(seq uint64) {
	c.stateMu.Lock()
	defer c.stateMu.Unlock()
	c.delivered = seq
	c.ackLocked(seq, true) // want "lock order inversion: acquires c.stream.ackMu while holding c.stateMu"
}

// processAckLocked acks in place (on the stream) only for an unclustered
// consumer whose caller lets it take the stream lock.
func (c *jsConsumer) processAckLocked(seq uint64, needLock bool) bool {
	ackInPlace := !c.clustered && needLock
	if ackInPlace {
		c.stream.ackMsg(seq)
	}
	delete(c.pending, seq)
	return ackInPlace
}

// processTermLocked terminates a delivery; needLock is passed on.
func (c *jsConsumer) processTermLocked(seq uint64, needLock bool) {
	if !c.processAckLocked(seq, needLock) {
		c.delivered++
	}
}

// nextMsg picks the next sequence, terminating the ones over the limit;
// runs with c.mu held.
func (c *jsConsumer) nextMsg() uint64 {
	for seq, count := range c.pending {
		if count > 3 {
			c.processTermLocked(seq, false)
			continue
		}
		return seq
	}
	return 0
}

// loop hands out messages under the consumer lock.
func (c *jsConsumer) loop() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nextMsg() // ok: nextMsg terminates with needLock=false, ackInPlace is false, ackMsg never runs
}

// terminate acks on the stream under the state lock: needLock is true all
// the way down.
func (c *jsConsumer) terminate(seq uint64) {
	c.stateMu.Lock()
	defer c.stateMu.Unlock()
	c.processTermLocked(seq, true) // want "lock order inversion: acquires c.stream.clsMu while holding c.stateMu"
}

// applyDelivered records the last delivered sequence on the stream, taking
// the stream's sequence lock only when asked to.
func (c *jsConsumer) applyDelivered(seq uint64, needLock bool) {
	lock := func() {
		if needLock {
			c.stream.seqMu.Lock()
		}
	}
	unlock := func() {
		if needLock {
			c.stream.seqMu.Unlock()
		}
	}
	lock()
	if seq > c.stream.lastSeq {
		c.stream.lastSeq = seq
	}
	unlock()
}

// deliver records a delivery while the stream is known to be quiescent.
func (c *jsConsumer) deliver(seq uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.delivered = seq
	c.applyDelivered(seq, false) // ok: the lock/unlock closures test needLock, which is false
}

// refreshInfo copies the stream's info, locking the stream unless the
// consumer was created inline by the stream (which holds the lock then).
func (c *jsConsumer) refreshInfo(needLock bool) {
	if needLock {
		c.stream.infoMu.Lock()
		defer c.stream.infoMu.Unlock()
	}
	c.name = c.stream.info
}

// report refreshes the info with a flag only known at run time.
func (c *jsConsumer) report() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refreshInfo(!c.inline) // want "lock order inversion: acquires c.stream.infoMu while holding c.mu"
	return c.name
}

// ackMsg marks seq acknowledged on the stream.
func (s *jsStream) ackMsg(seq uint64) {
	s.clsMu.Lock()
	defer s.clsMu.Unlock()
	s.acked[seq] = true
}

// ackAll moves the ack floor and tells every consumer.
func (s *jsStream) ackAll(floor uint64) {
	s.ackMu.Lock()
	defer s.ackMu.Unlock()
	s.ackFloor = floor
	for _, c := range s.consumers {
		c.mu.Lock()
		delete(c.pending, floor)
		c.mu.Unlock()
		c.stateMu.Lock() // related "acquires c.stateMu while holding s.ackMu"
		c.delivered = floor
		c.stateMu.Unlock()
	}
}

// purge clears every consumer's pending deliveries under the list lock.
func (s *jsStream) purge() {
	s.clsMu.Lock()
	defer s.clsMu.Unlock()
	for _, c := range s.consumers {
		c.mu.Lock()
		c.pending = map[uint64]int{}
		c.mu.Unlock()
		c.stateMu.Lock() // related "acquires c.stateMu while holding s.clsMu"
		c.delivered = 0
		c.stateMu.Unlock()
	}
}

// rewind resets every consumer to the stream's last sequence.
func (s *jsStream) rewind() {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	for _, c := range s.consumers {
		c.mu.Lock()
		c.delivered = s.lastSeq
		c.mu.Unlock()
	}
}

// publishInfo recomputes the info and pushes it to every consumer.
func (s *jsStream) publishInfo(info string) {
	s.infoMu.Lock()
	defer s.infoMu.Unlock()
	s.info = info
	for _, c := range s.consumers {
		c.mu.Lock() // related "acquires c.mu while holding s.infoMu"
		c.name = info
		c.mu.Unlock()
	}
}
