package gc203

import (
	"fmt"
	"log"
	"sync"
)

// A router counts hits per route and calls the route's handler under its
// lock. The dispatcher recovers handler panics, as an HTTP server does: a
// panicking handler leaves r.mu locked, and every later request blocks.
type routeRequest struct {
	Route string
	Args  map[string]string
}

type routeHandler func(routeRequest) string

type hitRouter struct {
	mu       sync.Mutex
	handlers map[string]routeHandler
	hits     map[string]int
}

func (r *hitRouter) Serve(req routeRequest) string {
	r.mu.Lock()
	h, ok := r.handlers[req.Route]
	if !ok {
		r.mu.Unlock()
		return "404"
	}
	r.hits[req.Route]++
	out := h(req) // want "r.mu stays locked if this call panics: dispatch recovers the panic"
	r.mu.Unlock()
	return out
}

func dispatch(r *hitRouter, req routeRequest) (resp string) {
	defer func() {
		if p := recover(); p != nil {
			resp = fmt.Sprintf("500: %v", p)
		}
	}()
	return r.Serve(req)
}

// The fixed router unlocks with defer, so a recovered panic releases it.
type safeRouter struct {
	mu       sync.Mutex
	handlers map[string]routeHandler
	hits     map[string]int
}

func (r *safeRouter) Serve(req routeRequest) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, ok := r.handlers[req.Route]
	if !ok {
		return "404"
	}
	r.hits[req.Route]++
	return h(req) // ok: the deferred Unlock runs during the panic
}

func dispatchSafe(r *safeRouter, req routeRequest) (resp string) {
	defer func() {
		if p := recover(); p != nil {
			resp = "500"
		}
	}()
	return r.Serve(req)
}

// Nobody recovers around this one: a panic ends the process, and the
// locked mutex with it.
type auditTrail struct {
	mu    sync.Mutex
	sinks []func(string)
}

func (a *auditTrail) Record(event string) {
	a.mu.Lock()
	for _, sink := range a.sinks {
		sink(event) // ok: no caller recovers, a panic is fatal anyway
	}
	a.mu.Unlock()
	log.Print(event)
}

// A goroutine pool: workers recover panics of the user's tasks, and put
// themselves back into the idle queue under the pool lock. The queue is
// an internal interface with the package's own implementations, not a
// callback: it is not what the recover is for.
type idleQueue interface {
	insert(w *poolWorker) error
}

type sliceQueue struct{ items []*poolWorker }

func (q *sliceQueue) insert(w *poolWorker) error {
	q.items = append(q.items, w)
	return nil
}

type taskPool struct {
	lock sync.Mutex
	idle idleQueue
}

type poolWorker struct {
	pool  *taskPool
	tasks chan func()
}

func (p *taskPool) revert(w *poolWorker) bool {
	p.lock.Lock()
	if err := p.idle.insert(w); err != nil { // ok: an internal queue, not a recovered callback
		p.lock.Unlock()
		return false
	}
	p.lock.Unlock()
	return true
}

func (w *poolWorker) run() {
	go func() {
		defer func() {
			if r := recover(); r != nil {
				log.Printf("task panicked: %v", r)
			}
		}()
		for task := range w.tasks {
			task()
			if !w.pool.revert(w) {
				return
			}
		}
	}()
}

// A metrics agent runs third-party input plugins and isolates itself from
// their panics, but records the run under its lock around the plugin call:
// after a recovered panic the lock stays held and Status blocks forever.
type metricInput interface {
	Name() string
	Collect(into map[string]float64) error
}

type metricsAgent struct {
	mu      sync.Mutex
	lastErr map[string]error
	values  map[string]float64
}

func (a *metricsAgent) collectOnce(in metricInput) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("input %s panicked: %v", in.Name(), r)
		}
	}()
	a.mu.Lock()
	err = in.Collect(a.values) // want "a.mu stays locked if this call panics: collectOnce recovers the panic"
	a.lastErr[in.Name()] = err
	a.mu.Unlock()
	return err
}

func (a *metricsAgent) Status() map[string]error {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[string]error, len(a.lastErr))
	for k, v := range a.lastErr {
		out[k] = v
	}
	return out
}

// The pool's lock is a sync.Locker (a spin lock from another package):
// locking it is an interface call, but a lock operation, not a callback.
type lockerPool struct {
	lock sync.Locker
	idle []int
}

func (p *lockerPool) put(slot int) {
	p.lock.Lock() // ok: the Locker's own Lock is not code that may panic under the lock
	p.idle = append(p.idle, slot)
	p.lock.Unlock()
}

func (p *lockerPool) serve(slot int, task func()) {
	defer func() {
		if r := recover(); r != nil {
			log.Printf("task panicked: %v", r)
		}
	}()
	task()
	p.put(slot)
}
