package gc206

import "sync"

// A log shipper whose sender goroutine sleeps on a Cond until entries
// arrive or the shipper closes. Close sets closed, then waits for the
// sender to finish before it broadcasts: the sender is asleep waiting for
// exactly that broadcast, so Close and the sender wait on each other.
type shipEntry struct {
	line string
}

type logShipper struct {
	mu      sync.Mutex
	cond    *sync.Cond
	entries []shipEntry
	closed  bool
	done    chan struct{}
	send    func(shipEntry)
}

func newLogShipper(send func(shipEntry)) *logShipper {
	s := &logShipper{send: send, done: make(chan struct{})}
	s.cond = sync.NewCond(&s.mu)
	go s.run()
	return s
}

func (s *logShipper) next() (shipEntry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.entries) == 0 && !s.closed {
		s.cond.Wait()
	}
	if len(s.entries) == 0 {
		return shipEntry{}, false
	}
	e := s.entries[0]
	s.entries = s.entries[1:]
	return e, true
}

func (s *logShipper) run() {
	defer close(s.done)
	for {
		e, ok := s.next()
		if !ok {
			return
		}
		s.send(e)
	}
}

func (s *logShipper) Ship(e shipEntry) {
	s.mu.Lock()
	s.entries = append(s.entries, e)
	s.cond.Signal()
	s.mu.Unlock()
}

func (s *logShipper) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	<-s.done // want `Close waits on s.done after changing s.closed but before waking s.cond`
	s.cond.Broadcast()
}

// Fixed: wake first, then wait for the sender to drain and exit.
type metricShipper struct {
	mu      sync.Mutex
	cond    *sync.Cond
	entries []shipEntry
	closed  bool
	done    chan struct{}
	send    func(shipEntry)
}

func (s *metricShipper) next() (shipEntry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.entries) == 0 && !s.closed {
		s.cond.Wait()
	}
	if len(s.entries) == 0 {
		return shipEntry{}, false
	}
	e := s.entries[0]
	s.entries = s.entries[1:]
	return e, true
}

func (s *metricShipper) run() {
	defer close(s.done)
	for {
		e, ok := s.next()
		if !ok {
			return
		}
		s.send(e)
	}
}

func (s *metricShipper) Ship(e shipEntry) {
	s.mu.Lock()
	s.entries = append(s.entries, e)
	s.cond.Signal()
	s.mu.Unlock()
}

func (s *metricShipper) Close() {
	s.mu.Lock()
	s.closed = true
	s.cond.Broadcast()
	s.mu.Unlock()
	<-s.done
}
