package gc102

import (
	"errors"
	"net"
	"sync"
	"time"
)

// A goroutine that signals "finished" by closing a channel on some of its
// exits only: the owner waiting for that signal waits forever after the
// other exit.

type adminServer struct {
	ln      net.Listener
	handle  func(net.Conn)
	mu      sync.Mutex
	lastErr error
	quit    chan struct{}
	done    chan struct{}
}

func newAdminServer(ln net.Listener, handle func(net.Conn)) *adminServer {
	return &adminServer{ln: ln, handle: handle, quit: make(chan struct{}), done: make(chan struct{})}
}

func (s *adminServer) start() { go s.acceptLoop() } // related `goroutine started here`

func (s *adminServer) acceptLoop() {
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.quit:
				close(s.done) // related `s.done is closed only on this path`
				return
			default:
			}
			s.mu.Lock()
			s.lastErr = err
			s.mu.Unlock()
			return // related `acceptLoop returns here without closing s.done`
		}
		go s.handle(conn)
	}
}

func (s *adminServer) shutdown() error {
	close(s.quit)
	err := s.ln.Close()
	<-s.done // want `this waits forever when the goroutine returns without closing s.done: acceptLoop closes it on some exits only`
	return err
}

type blobSnapshotter struct {
	write func([]byte) error
	data  []byte
}

// A local done channel, closed only when the write succeeds.
func (s *blobSnapshotter) snapshot() {
	done := make(chan struct{})
	go func() {
		if err := s.write(s.data); err != nil {
			return
		}
		close(done)
	}()
	<-done // want `this waits forever when the goroutine returns without closing done`
}

// ok: the close is deferred, so every exit signals.
type deferredServer struct {
	ln   net.Listener
	quit chan struct{}
	done chan struct{}
}

func (s *deferredServer) start() { go s.acceptLoop() }

func (s *deferredServer) acceptLoop() {
	defer close(s.done)
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		_ = conn.Close()
	}
}

func (s *deferredServer) shutdown() {
	close(s.quit)
	_ = s.ln.Close()
	<-s.done
}

// ok: the early exit reports on the same channel instead of closing it.
func startWorker(setup func() error, work func()) error {
	started := make(chan error)
	go func() {
		if err := setup(); err != nil {
			started <- err
			return
		}
		close(started)
		work()
	}()
	return <-started
}

// ok: the last goroutine out closes joined; the others fall through.
type generation struct {
	mu       sync.Mutex
	routines int
	joined   chan struct{}
}

func newGeneration() *generation {
	return &generation{joined: make(chan struct{})}
}

func (g *generation) launch(fn func()) {
	g.mu.Lock()
	g.routines++
	g.mu.Unlock()
	go func() {
		fn()
		g.mu.Lock()
		g.routines--
		if g.routines == 0 {
			close(g.joined)
		}
		g.mu.Unlock()
	}()
}

func (g *generation) wait() { <-g.joined }

// ok: Stop also closes the channel (once), so the waiter is not stuck.
type pinger struct {
	once sync.Once
	ping func() error
	done chan struct{}
}

func (p *pinger) start() { go p.loop() }

func (p *pinger) loop() {
	for {
		if err := p.ping(); err != nil {
			return
		}
		if errors.Is(p.ping(), net.ErrClosed) {
			p.once.Do(func() { close(p.done) })
			return
		}
	}
}

func (p *pinger) stop() {
	p.once.Do(func() { close(p.done) })
	<-p.done
}

// ok: the waiter gives up after a timeout.
func (s *blobSnapshotter) snapshotWithin(d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		if err := s.write(s.data); err != nil {
			return
		}
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// The goroutine acknowledges the stop with a send, on one exit only.
type intentResolver struct {
	queue   chan string
	quit    chan struct{}
	stopped chan struct{}
	resolve func([]string) error
}

func newIntentResolver(resolve func([]string) error) *intentResolver {
	r := &intentResolver{
		queue:   make(chan string, 64),
		quit:    make(chan struct{}),
		stopped: make(chan struct{}),
		resolve: resolve,
	}
	go r.run()
	return r
}

func (r *intentResolver) run() {
	var batch []string
	for {
		select {
		case key := <-r.queue:
			batch = append(batch, key)
			if err := r.resolve(batch); err != nil {
				return
			}
			batch = batch[:0]
		case <-r.quit:
			r.stopped <- struct{}{}
			return
		}
	}
}

func (r *intentResolver) stop() {
	close(r.quit)
	<-r.stopped // want `this waits forever when the goroutine returns without signalling r.stopped: run signals it on some exits only`
}

// ok: a result channel carries data; a failed fetch sends nothing and the
// caller is told through the error channel it also selects on.
func fetchBoth(fetch func() (string, error)) (string, error) {
	result := make(chan string)
	errc := make(chan error, 1)
	go func() {
		v, err := fetch()
		if err != nil {
			errc <- err
			return
		}
		result <- v
	}()
	select {
	case v := <-result:
		return v, nil
	case err := <-errc:
		return "", err
	}
}

// A driver is loaded in the background with a few retries; callers wait
// for it to be ready. When every attempt fails the loader gives up
// without closing ready.
type driverSlot struct {
	name  string
	ready chan struct{}
	err   error
}

type driverLoader struct {
	load  func(string) error
	mu    sync.Mutex
	slots map[string]*driverSlot
}

func (l *driverLoader) slot(name string) *driverSlot {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s, ok := l.slots[name]; ok {
		return s
	}
	s := &driverSlot{name: name, ready: make(chan struct{})}
	l.slots[name] = s
	go l.loadWithRetry(s)
	return s
}

func (l *driverLoader) loadWithRetry(s *driverSlot) {
	for attempt := 0; attempt < 3; attempt++ { // related `can leave this loop and return without closing s.ready`
		if err := l.load(s.name); err == nil {
			close(s.ready)
			return
		}
		time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
	}
	s.err = errors.New("driver failed to load")
}

func (l *driverLoader) Wait(name string) error {
	s := l.slot(name)
	<-s.ready // want `this waits forever when the goroutine returns without closing s.ready`
	return s.err
}

// Negative: the loader records the failure and closes ready on every way
// out.
type codecSlot struct {
	name  string
	ready chan struct{}
	err   error
}

type codecLoader struct {
	load  func(string) error
	mu    sync.Mutex
	slots map[string]*codecSlot
}

func (l *codecLoader) slot(name string) *codecSlot {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s, ok := l.slots[name]; ok {
		return s
	}
	s := &codecSlot{name: name, ready: make(chan struct{})}
	l.slots[name] = s
	go l.loadWithRetry(s)
	return s
}

func (l *codecLoader) loadWithRetry(s *codecSlot) {
	defer close(s.ready)
	for attempt := 0; attempt < 3; attempt++ {
		if s.err = l.load(s.name); s.err == nil {
			return
		}
		time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
	}
}

func (l *codecLoader) Wait(name string) error {
	s := l.slot(name)
	<-s.ready
	return s.err
}
