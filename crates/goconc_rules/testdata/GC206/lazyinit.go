package gc206

import "sync"

// A drain barrier: Drain waits while requests are in flight. begin
// creates the map lazily; turning a nil map into an empty one cannot
// release anyone waiting for the map to empty, so it needs no wake-up.
type inflightSet struct {
	mu      sync.Mutex
	drained *sync.Cond
	active  map[int]struct{}
}

func newInflightSet() *inflightSet {
	s := &inflightSet{}
	s.drained = sync.NewCond(&s.mu)
	return s
}

func (s *inflightSet) begin(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active == nil {
		s.active = make(map[int]struct{})
	}
	s.active[id] = struct{}{}
}

func (s *inflightSet) end(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.active, id)
	if len(s.active) == 0 {
		s.drained.Broadcast()
	}
}

func (s *inflightSet) Drain() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.active) > 0 {
		s.drained.Wait()
	}
}
