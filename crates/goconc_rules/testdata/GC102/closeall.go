package gc102

import (
	"errors"
	"net"
	"sync"
)

// A connection multiplexer hands each accepted connection to the listener
// registered for its header byte. When the accept loop ends it closes
// every registered listener's channel, so a listener's Accept returns an
// error instead of waiting for connections that will never come.

type muxListener struct {
	header byte
	conns  chan net.Conn
}

func (l *muxListener) Accept() (net.Conn, error) {
	conn, ok := <-l.conns
	if !ok {
		return nil, errors.New("mux: listener closed")
	}
	return conn, nil
}

type connMux struct {
	ln        net.Listener
	mu        sync.Mutex
	listeners map[byte]*muxListener
	pending   sync.WaitGroup
}

func newConnMux(ln net.Listener) *connMux {
	return &connMux{ln: ln, listeners: make(map[byte]*muxListener)}
}

func (m *connMux) Listen(header byte) *muxListener {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := &muxListener{header: header, conns: make(chan net.Conn)}
	m.listeners[header] = l
	return l
}

// ok: the only return closes the channel of every registered listener.
func (m *connMux) Serve() error {
	for {
		conn, err := m.ln.Accept()
		if err != nil {
			m.pending.Wait()
			m.mu.Lock()
			for _, l := range m.listeners {
				close(l.conns)
			}
			m.mu.Unlock()
			return err
		}
		m.pending.Add(1)
		go m.route(conn)
	}
}

func (m *connMux) route(conn net.Conn) {
	defer m.pending.Done()
	var header [1]byte
	if _, err := conn.Read(header[:]); err != nil {
		conn.Close()
		return
	}
	m.mu.Lock()
	l := m.listeners[header[0]]
	m.mu.Unlock()
	if l == nil {
		conn.Close()
		return
	}
	l.conns <- conn
}

func serveRaft(ln net.Listener, handle func(net.Conn)) {
	m := newConnMux(ln)
	raft := m.Listen(1)
	go m.Serve()
	for {
		conn, err := raft.Accept()
		if err != nil {
			return
		}
		handle(conn)
	}
}

// A second multiplexer closes only the listeners that are still marked
// open, and skips the others: a listener that was marked closed but
// still has an Accept waiting is never released.

type gatedListener struct {
	open  bool
	conns chan net.Conn
}

func (l *gatedListener) Accept() (net.Conn, error) {
	conn, ok := <-l.conns // want `this waits forever when the goroutine returns without closing l.conns: Serve closes it on some exits only`
	if !ok {
		return nil, errors.New("mux: listener closed")
	}
	return conn, nil
}

type gatedMux struct {
	ln        net.Listener
	listeners []*gatedListener
}

func (m *gatedMux) Listen() *gatedListener {
	l := &gatedListener{open: true, conns: make(chan net.Conn)}
	m.listeners = append(m.listeners, l)
	return l
}

func (m *gatedMux) Serve() error {
	for {
		conn, err := m.ln.Accept()
		if err != nil {
			for _, l := range m.listeners {
				if !l.open {
					continue
				}
				close(l.conns)
			}
			return err
		}
		for _, l := range m.listeners {
			l.conns <- conn
			break
		}
	}
}

func serveGated(ln net.Listener, handle func(net.Conn)) {
	m := &gatedMux{ln: ln}
	l := m.Listen()
	go m.Serve()
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		handle(conn)
	}
}
