package gc204

import "sync"

// The pool's shutdown holds the pool lock while it stops each worker
// through a helper; the stop is an unbuffered send that the worker only
// receives between jobs, and a worker finishing a job needs the pool lock
// to report it.

type ciJob struct {
	id    int
	image string
}

type ciResult struct {
	jobID    int
	exitCode int
}

type runnerPool struct {
	mu      sync.Mutex
	runners []*ciRunner
	results map[int]ciResult
	jobs    chan ciJob
	closed  bool
}

type ciRunner struct {
	pool *runnerPool
	quit chan struct{}
	run  func(ciJob) int
}

func newRunnerPool(n int, run func(ciJob) int) *runnerPool {
	p := &runnerPool{results: make(map[int]ciResult), jobs: make(chan ciJob, 16)}
	for i := 0; i < n; i++ {
		r := &ciRunner{pool: p, quit: make(chan struct{}), run: run}
		p.runners = append(p.runners, r)
		go r.loop()
	}
	return p
}

func (p *runnerPool) report(res ciResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.results[res.jobID] = res
}

func (p *runnerPool) shutdown() map[int]ciResult {
	p.mu.Lock() // related `p.mu is acquired here`
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		p.stopRunners() // want `blocking send on r.quit while holding p.mu`
	}
	return p.results
}

func (p *runnerPool) stopRunners() {
	for _, r := range p.runners {
		r.stop()
	}
}

func (r *ciRunner) stop() { r.quit <- struct{}{} }

func (r *ciRunner) loop() {
	for {
		select {
		case j := <-r.pool.jobs:
			r.pool.report(ciResult{jobID: j.id, exitCode: r.run(j)}) // related `acquires r.pool.mu here`
		case <-r.quit:
			return
		}
	}
}

// ok: the stop closes the channel, which never blocks.
type closingPool struct {
	mu      sync.Mutex
	runners []*closingRunner
	done    int
	jobs    chan ciJob
}

type closingRunner struct {
	pool *closingPool
	quit chan struct{}
}

func newClosingPool(n int) *closingPool {
	p := &closingPool{jobs: make(chan ciJob)}
	for i := 0; i < n; i++ {
		r := &closingRunner{pool: p, quit: make(chan struct{})}
		p.runners = append(p.runners, r)
		go r.loop()
	}
	return p
}

func (p *closingPool) shutdown() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopRunners()
}

func (p *closingPool) stopRunners() {
	for _, r := range p.runners {
		r.stop()
	}
}

func (r *closingRunner) stop() { close(r.quit) }

func (r *closingRunner) loop() {
	for {
		select {
		case <-r.pool.jobs:
			r.pool.mu.Lock()
			r.pool.done++
			r.pool.mu.Unlock()
		case <-r.quit:
			return
		}
	}
}
