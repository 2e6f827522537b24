package gc205

import (
	"log"
	"sync"
)

// A job runner that shuts itself down after too many consecutive failures.
// The worker that sees the last failure calls Stop, and Stop waits for
// every worker, the caller included: its deferred Done runs only after
// Stop returns, so Stop never does.
type failFastRunner struct {
	jobs     chan func() error
	quit     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
	mu       sync.Mutex
	failures int
	maxFails int
}

func newFailFastRunner(workers, maxFails int) *failFastRunner {
	r := &failFastRunner{jobs: make(chan func() error, 64), quit: make(chan struct{}), maxFails: maxFails}
	for i := 0; i < workers; i++ {
		r.wg.Add(1)
		go r.work()
	}
	return r
}

func (r *failFastRunner) work() {
	defer r.wg.Done()
	for {
		select {
		case <-r.quit:
			return
		case job := <-r.jobs:
			if err := job(); err != nil {
				r.recordFailure(err) // want `recordFailure waits on r.wg \(through Stop\), but this goroutine is counted by r.wg`
			}
		}
	}
}

func (r *failFastRunner) recordFailure(err error) {
	r.mu.Lock()
	r.failures++
	tooMany := r.failures >= r.maxFails
	r.mu.Unlock()
	log.Printf("job failed: %v", err)
	if tooMany {
		r.Stop()
	}
}

// Stop terminates all workers and waits for them to return.
func (r *failFastRunner) Stop() {
	r.stopOnce.Do(func() { close(r.quit) })
	r.wg.Wait()
}

// The fixed runner only signals shutdown from a worker; Stop, which
// waits, is for the owner.
type failFastRunnerFixed struct {
	jobs     chan func() error
	quit     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

func (r *failFastRunnerFixed) work() {
	defer r.wg.Done()
	for {
		select {
		case <-r.quit:
			return
		case job := <-r.jobs:
			if err := job(); err != nil {
				r.shutdown() // ok: shutdown only closes quit, it does not wait
			}
		}
	}
}

func (r *failFastRunnerFixed) shutdown() { r.stopOnce.Do(func() { close(r.quit) }) }

func (r *failFastRunnerFixed) Start(workers int) {
	for i := 0; i < workers; i++ {
		r.wg.Add(1)
		go r.work()
	}
}

func (r *failFastRunnerFixed) Stop() {
	r.shutdown()
	r.wg.Wait()
}

// A barrier: each participant checks in before waiting for the others.
type rendezvous struct {
	wg sync.WaitGroup
}

func (p *rendezvous) arriveAndWait() {
	p.wg.Done()
	p.wg.Wait()
}

func (p *rendezvous) participant(work func()) {
	defer work()
	p.arriveAndWait() // ok: this goroutine has already checked in when it waits
}

func startRendezvous(n int, work func()) {
	p := &rendezvous{}
	p.wg.Add(n)
	for i := 0; i < n; i++ {
		go p.participant(work)
	}
}
