package gc101

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"sync"
)

var errBusy = errors.New("compaction already running")

// tableConfig is what a background job needs before it can start.
type tableConfig struct {
	name string
}

// migrator models "channel-only communication": a job runner that starts
// the worker first and hands it its configuration later over a channel; when loading the configuration fails it returns
// early and the worker waits for a configuration that never comes.
type migrator struct {
	load func() (tableConfig, error)
}

func (m *migrator) apply(cfg tableConfig) { _ = cfg.name }

// Start returns on the error path before the handoff send.
func (m *migrator) Start() error {
	startCh := make(chan tableConfig)
	go func() {
		cfg := <-startCh // want "blocks forever receiving from startCh"
		m.apply(cfg)
	}()
	cfg, err := m.load()
	if err != nil {
		return err
	}
	startCh <- cfg
	return nil
}

// StartFixed closes the handoff channel on the error path, so the worker
// wakes up and exits.
func (m *migrator) StartFixed() error {
	startCh := make(chan tableConfig)
	go func() {
		cfg, ok := <-startCh // ok: closed on the error path, the worker then exits
		if !ok {
			return
		}
		m.apply(cfg)
	}()
	cfg, err := m.load()
	if err != nil {
		close(startCh)
		return err
	}
	startCh <- cfg
	return nil
}

// compactor models a storage engine that polls a background compaction
// once with a non-blocking select and reports "busy" via default; the
// compaction goroutine then has nobody to report to.
type compactor struct {
	level int
}

func (c *compactor) compact() error { return nil }

// TryCompact stops listening through the default case.
func (c *compactor) TryCompact() error {
	done := make(chan error)
	go func() {
		done <- c.compact() // want "blocks forever sending to done"
	}()
	select {
	case err := <-done:
		return err
	default:
		return errBusy
	}
}

// TryCompactFixed buffers the completion so polling with default is safe.
func (c *compactor) TryCompactFixed() error {
	done := make(chan error, 1)
	go func() {
		done <- c.compact() // ok: buffered, the send never waits for the poller
	}()
	select {
	case err := <-done:
		return err
	default:
		return errBusy
	}
}

// peerStatus is reported by a gossip probe.
type peerStatus struct {
	alive bool
}

// gossiper models a membership protocol whose probe runs in a named
// method; the caller abandons the channel when its context ends.
type gossiper struct{}

func (g *gossiper) probe(peer string, ch chan<- peerStatus) {
	ch <- peerStatus{alive: peer != ""} // want "blocks forever sending to ch"
}

// Ping leaks the probe when ctx is cancelled before the probe answers.
func (g *gossiper) Ping(ctx context.Context, peer string) (bool, error) {
	ch := make(chan peerStatus)
	go g.probe(peer, ch)
	select {
	case st := <-ch:
		return st.alive, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// Event is a change notification.
type Event struct {
	Key string
}

// emitEvents models a producer helper that owns its output channel and
// closes it with a defer, however it exits.
func emitEvents(ctx context.Context, keys []string, out chan<- Event) {
	defer close(out)
	for _, k := range keys {
		select {
		case out <- Event{Key: k}: // ok: the producer also selects on ctx.Done()
		case <-ctx.Done():
			return
		}
	}
}

// collectEvents ranges over a channel that the producer closes by defer
// in another function, so the range ends even when ctx is cancelled.
func collectEvents(ctx context.Context, keys []string) []string {
	out := make(chan Event)
	go emitEvents(ctx, keys, out)
	var seen []string
	for ev := range out { // ok: emitEvents closes out with defer on every exit
		seen = append(seen, ev.Key)
	}
	return seen
}

// indexer models a worker pool whose results channel is closed by a
// dedicated goroutine once every worker is done.
type indexer struct{}

func (indexer) index(doc string) int { return len(doc) }

// IndexAll ranges until the closer goroutine closes results after Wait.
func (ix indexer) IndexAll(docs []string) int {
	results := make(chan int)
	var wg sync.WaitGroup
	for _, d := range docs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- ix.index(d) // ok: the consumer ranges until close, every send is received
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	total := 0
	for n := range results { // ok: closed after wg.Wait in its own goroutine
		total += n
	}
	return total
}

// shutdownNotifier models a CLI that waits for SIGINT through
// signal.NotifyContext and stops its reporter through a quit channel.
type shutdownNotifier struct {
	quit    chan struct{}
	reports chan string
}

func newShutdownNotifier() *shutdownNotifier {
	return &shutdownNotifier{quit: make(chan struct{}), reports: make(chan string)}
}

func (s *shutdownNotifier) reporter() {
	for {
		select {
		case s.reports <- "tick": // ok: the reporter leaves when quit is closed
		case <-s.quit:
			return
		}
	}
}

// Run blocks until an interrupt and then closes quit.
func (s *shutdownNotifier) Run(parent context.Context) {
	ctx, stop := signal.NotifyContext(parent, os.Interrupt)
	defer stop()
	go s.reporter()
	for {
		select {
		case <-s.reports:
		case <-ctx.Done(): // ok: signal.NotifyContext ends the loop, reporter exits through quit
			close(s.quit)
			return
		}
	}
}
