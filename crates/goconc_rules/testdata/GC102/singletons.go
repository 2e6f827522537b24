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

// The same pool built per caller: every NewHashPool leaves workers ranging
// over a channel nothing closes.
type hashTask struct {
	data []byte
	sum  func([]byte)
}

type hashPool struct {
	tasks chan hashTask
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
