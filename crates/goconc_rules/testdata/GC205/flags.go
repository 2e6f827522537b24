package gc205

import "sync"

// replicatedStream runs one monitor goroutine per generation, counted by
// monitorWg; stopMonitoring holds monitorMu across the quit signal and the
// Wait so that no new generation starts in between. The monitor stops its
// own stream when it applies a delete entry: stop(true) skips
// stopMonitoring (only a shutdown that keeps the data waits for the
// monitor), so the monitor never needs monitorMu.
type replicatedStream struct {
	mu           sync.Mutex
	monitorMu    sync.Mutex
	monitorWg    sync.WaitGroup
	quit         chan struct{}
	entries      chan int
	closed       bool
	shuttingDown bool
}

func (s *replicatedStream) startMonitor() {
	s.monitorMu.Lock()
	s.quit = make(chan struct{})
	s.monitorWg.Add(1)
	s.monitorMu.Unlock()
	go s.monitor()
}

func (s *replicatedStream) monitor() {
	defer s.monitorWg.Done()
	for {
		select {
		case <-s.quit:
			return
		case e := <-s.entries:
			if e < 0 {
				s.stop(true)
				return
			}
		}
	}
}

func (s *replicatedStream) stop(deleting bool) {
	s.mu.Lock()
	s.closed = true
	shuttingDown := s.shuttingDown
	s.mu.Unlock()
	if shuttingDown && !deleting {
		s.stopMonitoring()
	}
}

func (s *replicatedStream) stopMonitoring() {
	s.monitorMu.Lock()
	defer s.monitorMu.Unlock()
	close(s.quit)
	s.monitorWg.Wait() // ok: the monitor only calls stop(true), which never reaches stopMonitoring
}

// mirroredStream is the same design, but its monitor stops the stream
// keeping the data when the source goes away: during a shutdown that is
// stopMonitoring from inside the monitor, which waits for itself under
// monitorMu.
type mirroredStream struct {
	mu           sync.Mutex
	monitorMu    sync.Mutex
	monitorWg    sync.WaitGroup
	quit         chan struct{}
	sourceGone   chan struct{}
	closed       bool
	shuttingDown bool
}

func (s *mirroredStream) startMonitor() {
	s.monitorMu.Lock()
	s.quit = make(chan struct{})
	s.monitorWg.Add(1)
	s.monitorMu.Unlock()
	go s.monitor()
}

func (s *mirroredStream) monitor() {
	defer s.monitorWg.Done()
	select {
	case <-s.quit:
	case <-s.sourceGone:
		s.stop(false)
	}
}

func (s *mirroredStream) stop(deleting bool) {
	s.mu.Lock()
	s.closed = true
	shuttingDown := s.shuttingDown
	s.mu.Unlock()
	if shuttingDown && !deleting {
		s.stopMonitoring()
	}
}

func (s *mirroredStream) stopMonitoring() {
	s.monitorMu.Lock()
	defer s.monitorMu.Unlock()
	close(s.quit)
	s.monitorWg.Wait() // want "Wait while holding s.monitorMu"
}
