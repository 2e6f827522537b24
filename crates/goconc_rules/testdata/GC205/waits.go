package gc205

import (
	"context"
	"errors"
	"sync"
)

var errSkipped = errors.New("skipped")

// tempDirCleaner models "the last worker cleans up": every worker waits on
// the WaitGroup it has not yet marked Done, so Wait never returns.
type tempDirCleaner struct {
	process func(int)
	cleanup func()
}

// Run deadlocks: each worker's Wait needs its own Done.
func (c *tempDirCleaner) Run(n int) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			c.process(i)
			wg.Wait() // want "Wait .* must call Done"
			c.cleanup()
			wg.Done()
		}()
	}
}

// RunFixed lets the caller wait and clean up once.
func (c *tempDirCleaner) RunFixed(n int) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.process(i)
		}()
	}
	wg.Wait() // ok: the spawner waits, it never calls Done
	c.cleanup()
}

// pipelineStage models a pipeline whose stage function both reports to and
// waits on the shared WaitGroup ("wait for the siblings before
// publishing").
type pipelineStage struct {
	publish func(int)
}

func (p *pipelineStage) stage(id int, wg *sync.WaitGroup) {
	defer wg.Done()
	wg.Wait() // want "Wait .* must call Done"
	p.publish(id)
}

// Start spawns the stages with the group they both Done and Wait on.
func (p *pipelineStage) Start(stages int) {
	var wg sync.WaitGroup
	for id := 0; id < stages; id++ {
		wg.Add(1)
		go p.stage(id, &wg)
	}
}

// statsCollector models a collector whose Close waits for the workers while
// still holding the mutex that every worker takes before it finishes.
type statsCollector struct {
	mu     sync.Mutex
	wg     sync.WaitGroup
	counts map[string]int
	closed bool
}

func (s *statsCollector) worker(keys []string) {
	defer s.wg.Done()
	for _, k := range keys {
		s.mu.Lock()
		s.counts[k]++
		s.mu.Unlock()
	}
}

// Start spawns one worker per key set.
func (s *statsCollector) Start(sets [][]string) {
	for _, keys := range sets {
		s.wg.Add(1)
		go s.worker(keys)
	}
}

// Close holds s.mu across Wait.
func (s *statsCollector) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.wg.Wait() // want "Wait while holding"
}

// CloseFixed releases the lock before waiting.
func (s *statsCollector) CloseFixed() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.wg.Wait() // ok: s.mu is released before Wait
}

// routeTable models a table whose Reload waits for refreshers under the
// write lock, while the refreshers need the read lock.
type routeTable struct {
	mu     sync.RWMutex
	wg     sync.WaitGroup
	routes map[string]string
}

func (t *routeTable) refresh(key string, lookup func(string) string) {
	defer t.wg.Done()
	t.mu.RLock()
	_, known := t.routes[key]
	t.mu.RUnlock()
	if !known {
		_ = lookup(key)
	}
}

// Reload deadlocks: refreshers block on RLock, Reload waits under Lock.
func (t *routeTable) Reload(keys []string, lookup func(string) string) {
	t.mu.Lock()
	for _, k := range keys {
		t.wg.Add(1)
		go t.refresh(k, lookup)
	}
	t.wg.Wait() // want "Wait while holding"
	t.mu.Unlock()
}

// shardCloser models a shutdown that holds a lifecycle lock the workers
// never take: waiting under it is fine.
type shardCloser struct {
	lifecycleMu sync.Mutex
	dataMu      sync.Mutex
	wg          sync.WaitGroup
	stopOnce    sync.Once
	quit        chan struct{}
	rows        int
}

func newShardCloser() *shardCloser {
	return &shardCloser{quit: make(chan struct{})}
}

func (s *shardCloser) worker() {
	defer s.wg.Done()
	for {
		select {
		case <-s.quit:
			return
		default:
			s.dataMu.Lock()
			s.rows++
			s.dataMu.Unlock()
		}
	}
}

// Start spawns workers.
func (s *shardCloser) Start(n int) {
	for i := 0; i < n; i++ {
		s.wg.Add(1)
		go s.worker()
	}
}

// Stop is idempotent thanks to sync.Once and waits under lifecycleMu.
func (s *shardCloser) Stop() {
	s.lifecycleMu.Lock()
	defer s.lifecycleMu.Unlock()
	s.stopOnce.Do(func() { close(s.quit) })
	s.wg.Wait() // ok: workers only take dataMu, never lifecycleMu
}

// manifestFetcher models a worker that returns early on an error path
// without calling Done, so Wait never returns.
type manifestFetcher struct {
	fetch func(string) ([]byte, error)
	store func([]byte)
}

// FetchAll loses a Done on the error path.
func (m *manifestFetcher) FetchAll(names []string) {
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Add(1)
		go func() {
			data, err := m.fetch(n)
			if err != nil {
				return // want "Done is not called on this path"
			}
			m.store(data)
			wg.Done()
		}()
	}
	wg.Wait()
}

// FetchAllFixed calls Done explicitly on every path.
func (m *manifestFetcher) FetchAllFixed(names []string) {
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Add(1)
		go func() {
			data, err := m.fetch(n)
			if err != nil {
				wg.Done()
				return // ok: Done is called right before this return
			}
			m.store(data)
			wg.Done()
		}()
	}
	wg.Wait()
}

// leaseRenewer models a worker that leaves through a ctx.Done case of its
// select before reaching Done.
type leaseRenewer struct {
	renew func(string) error
}

// RenewAll misses Done when ctx is cancelled.
func (r *leaseRenewer) RenewAll(ctx context.Context, leases []string, ready <-chan struct{}) error {
	var wg sync.WaitGroup
	errs := make([]error, len(leases))
	for i, l := range leases {
		wg.Add(1)
		go func() {
			select {
			case <-ready:
			case <-ctx.Done():
				errs[i] = errSkipped
				return // want "Done is not called on this path"
			}
			errs[i] = r.renew(l)
			wg.Done()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
