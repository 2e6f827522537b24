package gc205

import (
	"sync"
	"time"
)

// A replicator restarts its pump goroutine in generations: each restart
// waits for the previous pump to finish, counts the next one, and rolls the
// count back when the pool refuses to start it. The Add/Done pair in the
// restart goroutine belongs to the spawner, not to a counted worker.

type workerPool struct {
	mu      sync.Mutex
	running bool
}

// start runs fn on a new goroutine unless the pool is shutting down.
func (p *workerPool) start(fn func()) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.running {
		return false
	}
	go fn()
	return true
}

type replicator struct {
	mu      sync.Mutex
	pool    *workerPool
	pumpWg  sync.WaitGroup
	stopCh  chan struct{}
	lastErr error

	// genMu serialises registering a generation on genWg against waiting
	// for the current one, so an Add never races a Wait.
	genMu sync.Mutex
	genWg sync.WaitGroup

	statsMu  sync.Mutex
	readyWg  sync.WaitGroup
	messages int
}

func (r *replicator) pump(stop chan struct{}) {
	defer r.pumpWg.Done()
	<-stop
}

// restart is run on its own goroutine by Reset.
func (r *replicator) restart() {
	// Let the previous pump drain first; nothing is counted yet.
	r.pumpWg.Wait() // ok: this goroutine's Done only rolls back its own Add below

	r.mu.Lock()
	stop := make(chan struct{})
	r.stopCh = stop
	r.pumpWg.Add(1)
	if !r.pool.start(func() { r.pump(stop) }) {
		r.pumpWg.Done()
		r.lastErr = errPoolClosed
		r.mu.Unlock()
		return // ok: the rollback Done above balances this goroutine's own Add
	}
	r.mu.Unlock()
}

var errPoolClosed = &poolError{}

type poolError struct{}

func (*poolError) Error() string { return "pool closed" }

// Reset stops the current pump and starts the next generation.
func (r *replicator) Reset() {
	r.mu.Lock()
	if r.stopCh != nil {
		close(r.stopCh)
		r.stopCh = nil
	}
	r.mu.Unlock()
	go r.restart()
}

// beginGeneration registers one more generation goroutine under genMu.
func (r *replicator) beginGeneration() {
	r.genMu.Lock()
	r.genWg.Add(1)
	r.genMu.Unlock()
}

// runGeneration is a generation goroutine.
func (r *replicator) runGeneration() {
	defer r.genWg.Done()
	time.Sleep(time.Millisecond)
}

// churn registers and retires generations in a loop, as a soak test does.
func (r *replicator) churn(n int) {
	for i := 0; i < n; i++ {
		r.beginGeneration()
		r.genWg.Done()
	}
}

// StopGenerations waits for the running generation while holding genMu so
// that no new generation can register in between.
func (r *replicator) StopGenerations() {
	r.genMu.Lock()
	defer r.genMu.Unlock()
	r.genWg.Wait() // ok: genMu is only taken around Add by code that counts itself, never by a counted worker before Done
}

// StartGenerations starts one generation and a soak loop.
func (r *replicator) StartGenerations() {
	r.beginGeneration()
	go r.runGeneration()
	go r.churn(10)
}

// publisher checks in on readyWg and only then starts taking the stats
// lock for every message.
func (r *replicator) publisher() {
	r.readyWg.Done()
	for i := 0; i < 3; i++ {
		r.statsMu.Lock()
		r.messages++
		r.statsMu.Unlock()
	}
}

// Warmup holds the stats lock while the publishers check in: they need the
// lock only after their Done.
func (r *replicator) Warmup(n int) {
	r.statsMu.Lock()
	defer r.statsMu.Unlock()
	for i := 0; i < n; i++ {
		r.readyWg.Add(1)
		go r.publisher()
	}
	r.readyWg.Wait() // ok: the publishers take statsMu only after readyWg.Done
	r.messages = 0
}
