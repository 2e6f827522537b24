package gc205

import (
	"context"
	"log"
	"sync"
	"time"
)

// Long-lived workers that leave only when a stop channel is closed. The
// owner's shutdown must close the channel before it waits for them.

type transcodeJob struct {
	id    string
	codec string
}

// transcodeFarm's Close waits for its workers and only then closes quit,
// the one thing that makes them return.
type transcodeFarm struct {
	jobs chan transcodeJob
	quit chan struct{}
	wg   sync.WaitGroup
}

func newTranscodeFarm(workers int) *transcodeFarm {
	f := &transcodeFarm{jobs: make(chan transcodeJob), quit: make(chan struct{})}
	for i := 0; i < workers; i++ {
		f.wg.Add(1)
		go f.worker()
	}
	return f
}

func (f *transcodeFarm) worker() {
	for {
		select {
		case job := <-f.jobs:
			log.Printf("transcoding %s to %s", job.id, job.codec)
		case <-f.quit:
			f.wg.Done() // related `the worker gets here only after receiving from f.quit`
			return
		}
	}
}

func (f *transcodeFarm) Submit(job transcodeJob) { f.jobs <- job }

func (f *transcodeFarm) Close() {
	f.wg.Wait() // want `f.wg.Wait never returns: the workers return only after receiving from f.quit, which is closed only after Wait`
	close(f.quit)
}

// metricsShipper defers Done; its loop still ends only on stop.
type metricsShipper struct {
	stop    chan struct{}
	wg      sync.WaitGroup
	flushes int
}

func (m *metricsShipper) start() {
	m.wg.Add(1)
	go m.loop()
}

func (m *metricsShipper) loop() {
	defer m.wg.Done() // related `the worker gets here only after receiving from m.stop`
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			m.flushes++
		case <-m.stop:
			return
		}
	}
}

func (m *metricsShipper) shutdown() {
	m.wg.Wait() // want `m.wg.Wait never returns: the workers return only after receiving from m.stop, which is closed only after Wait`
	close(m.stop)
}

// A local stop channel and WaitGroup in one function: same cycle.
func crawlUntilDone(seeds []string, visit func(string)) {
	var wg sync.WaitGroup
	done := make(chan struct{})
	for _, s := range seeds {
		wg.Add(1)
		go func(seed string) {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
					visit(seed)
				}
			}
		}(s)
	}
	wg.Wait() // want `wg.Wait never returns: the workers return only after receiving from done, which is closed only after Wait`
	close(done)
}

// Fixed: close first, then wait.
type indexRefresher struct {
	quit chan struct{}
	wg   sync.WaitGroup
}

func (r *indexRefresher) run(refresh func()) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			select {
			case <-r.quit:
				return
			case <-time.After(time.Minute):
				refresh()
			}
		}
	}()
}

func (r *indexRefresher) Close() {
	close(r.quit)
	r.wg.Wait() // ok: quit is closed before Wait
}

// A separate Stop closes the channel; Close only waits. Callers stop first.
type leaseKeeper struct {
	stopCh chan struct{}
	wg     sync.WaitGroup
}

func (l *leaseKeeper) keep(renew func()) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		for {
			select {
			case <-l.stopCh:
				return
			case <-time.After(time.Second):
				renew()
			}
		}
	}()
}

func (l *leaseKeeper) Stop() { close(l.stopCh) }

func (l *leaseKeeper) Wait() {
	l.wg.Wait() // ok: Stop closes stopCh on its own
}

// The workers also return when the jobs channel is closed, which the owner
// does before Wait.
type uploadQueue struct {
	items chan string
	abort chan struct{}
	wg    sync.WaitGroup
}

func (q *uploadQueue) worker(upload func(string)) {
	defer q.wg.Done()
	for {
		select {
		case item, ok := <-q.items:
			if !ok {
				return
			}
			upload(item)
		case <-q.abort:
			return
		}
	}
}

func (q *uploadQueue) Drain() {
	close(q.items)
	q.wg.Wait() // ok: closing items ends the workers
	close(q.abort)
}

// Workers that also watch a context: cancelling it ends them.
type feedPoller struct {
	quit chan struct{}
	wg   sync.WaitGroup
}

func (p *feedPoller) poll(ctx context.Context, fetch func()) {
	defer p.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.quit:
			return
		case <-time.After(time.Second):
			fetch()
		}
	}
}

func (p *feedPoller) Shutdown(cancel context.CancelFunc) {
	cancel()
	p.wg.Wait() // ok: the context is cancelled first
	close(p.quit)
}

// One WaitGroup reused for two phases: the stoppable workers are started
// only after the first Wait, which waits for the loaders alone.
func loadThenServe(load func(int), serve func()) {
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(part int) {
			defer wg.Done()
			load(part)
		}(i)
	}
	wg.Wait() // ok: the serving workers do not exist yet
	stop := make(chan struct{})
	wg.Add(2)
	for i := 0; i < 2; i++ {
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					serve()
				}
			}
		}()
	}
	close(stop)
	wg.Wait()
}

// Negative: a second Close finds the quit channel already closed by the
// first call (the closed flag is set with it under the lock) and only
// waits.
type exporterSet struct {
	mu     sync.Mutex
	closed bool
	quit   chan struct{}
	wg     sync.WaitGroup
}

func (s *exporterSet) export(flush func()) {
	defer s.wg.Done()
	for {
		select {
		case <-s.quit:
			return
		case <-time.After(time.Second):
			flush()
		}
	}
}

func (s *exporterSet) Start(flush func()) {
	s.wg.Add(1)
	go s.export(flush)
}

func (s *exporterSet) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return
	}
	s.closed = true
	close(s.quit)
	s.mu.Unlock()
	s.wg.Wait()
}
