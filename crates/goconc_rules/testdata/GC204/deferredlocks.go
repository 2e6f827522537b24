package gc204

import "sync"

// The owner waits for a stream goroutine's done channel while holding the
// lock that the goroutine's deferred cleanup takes before the deferred
// close runs (defers run last-in, first-out).

type proxyConn struct {
	id      string
	pushes  chan string
	done    chan struct{}
	server  *discoveryServer
	applied []string
}

func (c *proxyConn) stream() {
	defer close(c.done)             // related `the closer's side of c.done is here`
	defer c.server.removeConn(c.id) // related `acquires c.server.mu here`
	for p := range c.pushes {
		c.applied = append(c.applied, p)
	}
}

type discoveryServer struct {
	mu    sync.Mutex
	conns map[string]*proxyConn
}

func (s *discoveryServer) connect(id string) *proxyConn {
	c := &proxyConn{id: id, pushes: make(chan string, 8), done: make(chan struct{}), server: s}
	s.mu.Lock()
	s.conns[id] = c
	s.mu.Unlock()
	go c.stream()
	return c
}

func (s *discoveryServer) removeConn(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, id)
}

func (s *discoveryServer) closeConn(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.conns[id]
	if !ok {
		return
	}
	close(c.pushes)
	<-c.done // want `blocking receive from c.done while holding s.mu`
}

// ok: the deferred cleanup runs after the deferred close, so the waiter is
// released first.
type mirrorConn struct {
	id     string
	pushes chan string
	done   chan struct{}
	server *mirrorServer
}

func (c *mirrorConn) stream() {
	defer c.server.removeConn(c.id)
	defer close(c.done)
	for range c.pushes {
	}
}

type mirrorServer struct {
	mu    sync.Mutex
	conns map[string]*mirrorConn
}

func (s *mirrorServer) connect(id string) *mirrorConn {
	c := &mirrorConn{id: id, pushes: make(chan string, 8), done: make(chan struct{}), server: s}
	s.mu.Lock()
	s.conns[id] = c
	s.mu.Unlock()
	go c.stream()
	return c
}

func (s *mirrorServer) removeConn(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, id)
}

func (s *mirrorServer) closeConn(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.conns[id]
	if !ok {
		return
	}
	close(c.pushes)
	<-c.done
}
