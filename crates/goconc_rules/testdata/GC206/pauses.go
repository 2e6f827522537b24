package gc206

import "sync"

// A scheduler worker that can be paused. setPaused stores whatever its
// caller passes: Pause passes true, which releases nobody from the
// `for w.paused` loop, and Resume passes false and then broadcasts.
type pausableWorker struct {
	pauseLock sync.Mutex
	pauseCond *sync.Cond
	paused    bool
	jobs      chan func()
}

func newPausableWorker() *pausableWorker {
	w := &pausableWorker{jobs: make(chan func(), 16)}
	w.pauseCond = sync.NewCond(&w.pauseLock)
	return w
}

func (w *pausableWorker) setPaused(p bool) {
	w.pauseLock.Lock()
	defer w.pauseLock.Unlock()
	w.paused = p // ok: Pause passes true (releases nobody), Resume broadcasts after passing false
}

func (w *pausableWorker) Pause() {
	w.setPaused(true)
}

func (w *pausableWorker) Resume() {
	w.setPaused(false)
	w.pauseCond.Broadcast()
}

func (w *pausableWorker) maybeWait() {
	w.pauseLock.Lock()
	defer w.pauseLock.Unlock()
	for w.paused {
		w.pauseCond.Wait()
	}
}

func (w *pausableWorker) run() {
	for job := range w.jobs {
		w.maybeWait()
		job()
	}
}

// The same helper, but Drain clears the flag without a Broadcast: the
// paused worker sleeps on until someone calls Resume.
type drainableWorker struct {
	pauseLock sync.Mutex
	pauseCond *sync.Cond
	paused    bool
	jobs      chan func()
}

func newDrainableWorker() *drainableWorker {
	w := &drainableWorker{jobs: make(chan func(), 16)}
	w.pauseCond = sync.NewCond(&w.pauseLock)
	return w
}

func (w *drainableWorker) setPaused(p bool) {
	w.pauseLock.Lock()
	defer w.pauseLock.Unlock()
	w.paused = p // want `setPaused changes w.paused, which maybeWait waits for in a w.pauseCond.Wait loop, without w.pauseCond.Signal or Broadcast`
}

func (w *drainableWorker) Pause() {
	w.setPaused(true)
}

func (w *drainableWorker) Resume() {
	w.setPaused(false)
	w.pauseCond.Broadcast()
}

func (w *drainableWorker) Drain() {
	w.setPaused(false)
	close(w.jobs)
}

func (w *drainableWorker) maybeWait() {
	w.pauseLock.Lock()
	defer w.pauseLock.Unlock()
	for w.paused {
		w.pauseCond.Wait()
	}
}

func (w *drainableWorker) run() {
	for job := range w.jobs {
		w.maybeWait()
		job()
	}
}
