package gc102

import (
	"runtime"
	"sync"
)

// A process-wide signature-recovery pool: built once by sync.OnceValue,
// its workers range over the task channel for the life of the process.
type sigRecoverTask struct {
	payloads [][]byte
	recover  func([]byte)
}

type sigRecoverPool struct {
	tasks chan *sigRecoverTask
}

var sigRecoverOnce = sync.OnceValue(func() *sigRecoverPool {
	return newSigRecoverPool(runtime.NumCPU())
})

// SigRecoverPool returns the process's pool.
func SigRecoverPool() *sigRecoverPool { return sigRecoverOnce() }

func newSigRecoverPool(workers int) *sigRecoverPool {
	p := &sigRecoverPool{tasks: make(chan *sigRecoverTask, workers)}
	for i := 0; i < workers; i++ {
		go p.work()
	}
	return p
}

func (p *sigRecoverPool) work() {
	for t := range p.tasks { // ok: a singleton's workers live as long as the process
		for _, b := range t.payloads {
			t.recover(b)
		}
	}
}

func (p *sigRecoverPool) Recover(payloads [][]byte, recover func([]byte)) {
	p.tasks <- &sigRecoverTask{payloads: payloads, recover: recover}
}

// The same pool built per caller, with a Close that forgets the workers:
// every pool closed leaves its workers ranging over a channel nothing
// closes.
type hashTask struct {
	data []byte
	sum  func([]byte)
}

type hashPool struct {
	mu     sync.Mutex
	closed bool
	tasks  chan hashTask
}

func NewHashPool(workers int) *hashPool {
	p := &hashPool{tasks: make(chan hashTask, workers)}
	for i := 0; i < workers; i++ {
		go p.work()
	}
	return p
}

func (p *hashPool) work() {
	for t := range p.tasks { // want `range over p.tasks never ends: p.tasks is never closed`
		t.sum(t.data)
	}
}

func (p *hashPool) Submit(data []byte, sum func([]byte)) {
	p.tasks <- hashTask{data: data, sum: sum}
}

// Close stops new work but never closes tasks.
func (p *hashPool) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
}

// A pool with no lifecycle at all: no Close, no context, no stop channel.
// It serves as long as the process by design (a thumbnail cache's
// uploader pool), so its never-ending workers are not a leak.
type uploadQueue struct {
	pending chan string
	upload  func(key string)
}

func NewUploadQueue(workers int, upload func(string)) *uploadQueue {
	q := &uploadQueue{pending: make(chan string, workers*4), upload: upload}
	for i := 0; i < workers; i++ {
		go q.work()
	}
	return q
}

func (q *uploadQueue) work() {
	for key := range q.pending { // ok: the queue has no lifecycle; its workers live with the process
		q.upload(key)
	}
}

func (q *uploadQueue) Enqueue(key string) { q.pending <- key }

// The same queue handed out per session by a registry that does shut
// down: each session's workers must end with the registry.
type sessionQueue struct {
	pending chan string
	send    func(string)
}

type sessionRegistry struct {
	mu       sync.Mutex
	sessions map[string]*sessionQueue
}

func (r *sessionRegistry) Open(id string, send func(string)) *sessionQueue {
	q := &sessionQueue{pending: make(chan string, 16), send: send}
	go q.work()
	r.mu.Lock()
	r.sessions[id] = q
	r.mu.Unlock()
	return q
}

func (q *sessionQueue) work() {
	for msg := range q.pending { // want `range over q.pending never ends: q.pending is never closed`
		q.send(msg)
	}
}

// Close forgets the sessions without stopping their workers.
func (r *sessionRegistry) Close() {
	r.mu.Lock()
	r.sessions = nil
	r.mu.Unlock()
}
