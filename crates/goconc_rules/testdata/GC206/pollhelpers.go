package gc206

import "sync"

// A job runner whose idle workers sleep on a Cond. The wait loop leaves
// when the quit channel is closed, which it learns from a polling helper;
// Shutdown closes quit but never broadcasts, so idle workers sleep through
// it and Shutdown waits for them forever.
type runnerJob func()

type jobRunner struct {
	mu      sync.Mutex
	cond    *sync.Cond
	pending []runnerJob
	quit    chan struct{}
	exited  sync.WaitGroup
}

func newJobRunner(workers int) *jobRunner {
	r := &jobRunner{quit: make(chan struct{})}
	r.cond = sync.NewCond(&r.mu)
	for i := 0; i < workers; i++ {
		r.exited.Add(1)
		go r.work()
	}
	return r
}

func (r *jobRunner) closing() bool {
	select {
	case <-r.quit:
		return true
	default:
		return false
	}
}

func (r *jobRunner) take() (runnerJob, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.pending) == 0 {
		if r.closing() {
			return nil, false
		}
		r.cond.Wait()
	}
	j := r.pending[0]
	r.pending = r.pending[1:]
	return j, true
}

func (r *jobRunner) work() {
	defer r.exited.Done()
	for {
		j, ok := r.take()
		if !ok {
			return
		}
		j()
	}
}

func (r *jobRunner) Submit(j runnerJob) {
	r.mu.Lock()
	r.pending = append(r.pending, j)
	r.cond.Signal()
	r.mu.Unlock()
}

func (r *jobRunner) Shutdown() {
	close(r.quit) // want `Shutdown changes r.quit, which take waits for in a r.cond.Wait loop, without r.cond.Signal or Broadcast`
	r.exited.Wait()
}

// Fixed: Shutdown broadcasts after closing quit, under the lock.
type batchRunner struct {
	mu      sync.Mutex
	cond    *sync.Cond
	pending []runnerJob
	quit    chan struct{}
	exited  sync.WaitGroup
}

func (r *batchRunner) stopped() bool {
	select {
	case <-r.quit:
		return true
	default:
		return false
	}
}

func (r *batchRunner) take() (runnerJob, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.pending) == 0 {
		if r.stopped() {
			return nil, false
		}
		r.cond.Wait()
	}
	j := r.pending[0]
	r.pending = r.pending[1:]
	return j, true
}

func (r *batchRunner) work() {
	defer r.exited.Done()
	for {
		j, ok := r.take()
		if !ok {
			return
		}
		j()
	}
}

func (r *batchRunner) Submit(j runnerJob) {
	r.mu.Lock()
	r.pending = append(r.pending, j)
	r.cond.Signal()
	r.mu.Unlock()
}

func (r *batchRunner) Shutdown() {
	r.mu.Lock()
	close(r.quit)
	r.cond.Broadcast()
	r.mu.Unlock()
	r.exited.Wait()
}
