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
