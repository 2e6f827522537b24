package gc204

import "sync"

// Per-key workers: Enqueue hands each update to its key's goroutine,
// starting it on first use, and sends while holding w.mu. The worker
// records every finished update under w.mu before it receives the next
// one, so from the second update on the sender waits for the worker and
// the worker waits for the lock.
type keyUpdate struct {
	key  string
	kind string
}

type keyWorkers struct {
	mu      sync.Mutex
	queues  map[string]chan keyUpdate
	applied map[string]string
	apply   func(keyUpdate) error
}

func (w *keyWorkers) Enqueue(u keyUpdate) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch, ok := w.queues[u.key]
	if !ok {
		ch = make(chan keyUpdate)
		w.queues[u.key] = ch
		go w.run(ch)
	}
	ch <- u // want "blocking send on ch while holding w.mu: the goroutine receiving it \\(\\(\\*keyWorkers\\).run\\) takes w.mu before it receives again"
}

func (w *keyWorkers) run(ch <-chan keyUpdate) {
	for u := range ch {
		err := w.apply(u)
		w.finish(u, err)
	}
}

func (w *keyWorkers) finish(u keyUpdate, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err == nil {
		w.applied[u.key] = u.kind
	}
}

// The fixed version looks the queue up under the lock and sends after
// releasing it.
type fixedKeyWorkers struct {
	mu      sync.Mutex
	queues  map[string]chan keyUpdate
	applied map[string]string
	apply   func(keyUpdate) error
}

func (w *fixedKeyWorkers) Enqueue(u keyUpdate) {
	w.mu.Lock()
	ch, ok := w.queues[u.key]
	if !ok {
		ch = make(chan keyUpdate)
		w.queues[u.key] = ch
		go w.run(ch)
	}
	w.mu.Unlock()
	ch <- u // ok: sent after releasing w.mu
}

func (w *fixedKeyWorkers) run(ch <-chan keyUpdate) {
	for u := range ch {
		err := w.apply(u)
		w.mu.Lock()
		if err == nil {
			w.applied[u.key] = u.kind
		}
		w.mu.Unlock()
	}
}

// A worker that never takes the lock: the send under the lock only waits
// for the worker to finish its current update.
type lockFreeWorkers struct {
	mu     sync.Mutex
	queues map[string]chan keyUpdate
	apply  func(keyUpdate) error
}

func (w *lockFreeWorkers) Enqueue(u keyUpdate) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch, ok := w.queues[u.key]
	if !ok {
		ch = make(chan keyUpdate)
		w.queues[u.key] = ch
		go func() {
			for u := range ch {
				_ = w.apply(u)
			}
		}()
	}
	ch <- u // ok: the worker never needs w.mu
}
