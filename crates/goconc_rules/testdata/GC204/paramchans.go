package gc204

import (
	"sync"
	"time"
)

// Loops started with their stop and done channels as arguments.

// snapshotter's Stop waits for the loop while holding the lock the loop
// takes on every tick.
type snapshotter struct {
	mu      sync.Mutex
	dirty   int
	running bool
	stopc   chan struct{}
	donec   chan struct{}
	save    func(int)
}

func (s *snapshotter) Start(every time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopc = make(chan struct{})
	s.donec = make(chan struct{})
	s.running = true
	go s.loop(every, s.stopc, s.donec)
}

func (s *snapshotter) loop(every time.Duration, stopc <-chan struct{}, donec chan<- struct{}) {
	defer close(donec)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stopc:
			return
		case <-t.C:
		}
		s.mu.Lock()
		if s.dirty > 0 {
			s.save(s.dirty)
			s.dirty = 0
		}
		s.mu.Unlock()
	}
}

func (s *snapshotter) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.running {
		return
	}
	s.running = false
	close(s.stopc)
	<-s.donec // want `blocking receive from s.donec while holding s.mu`
}

// Negative: Stop releases the lock before waiting for the loop.
type flusher struct {
	mu      sync.Mutex
	pending int
	running bool
	stopc   chan struct{}
	donec   chan struct{}
	flush   func(int)
}

func (f *flusher) Start(every time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopc = make(chan struct{})
	f.donec = make(chan struct{})
	f.running = true
	go f.loop(every, f.stopc, f.donec)
}

func (f *flusher) loop(every time.Duration, stopc <-chan struct{}, donec chan<- struct{}) {
	defer close(donec)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stopc:
			return
		case <-t.C:
		}
		f.mu.Lock()
		f.flush(f.pending)
		f.pending = 0
		f.mu.Unlock()
	}
}

func (f *flusher) Stop() {
	f.mu.Lock()
	if !f.running {
		f.mu.Unlock()
		return
	}
	f.running = false
	stopc, donec := f.stopc, f.donec
	f.mu.Unlock()
	close(stopc)
	<-donec
}
