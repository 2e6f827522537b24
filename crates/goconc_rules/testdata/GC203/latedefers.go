package gc203

import (
	"errors"
	"fmt"
	"log"
	"sync"
)

// taskExecutable runs a queued task. It resolves the task's namespace
// under its lock through a pluggable registry, and only afterwards
// installs the recover that turns a panicking task body into an error:
// a panic in the lookup is not recovered here and crashes the process.
type namespaceLookup func(id string) (string, error)

type taskExecutable struct {
	mu        sync.Mutex
	state     int
	id        string
	lookup    namespaceLookup
	body      func(ns string) error
	lastError error
}

func (e *taskExecutable) Execute() (retErr error) {
	e.mu.Lock()
	if e.state != 0 {
		e.mu.Unlock()
		return nil
	}
	ns, _ := e.lookup(e.id) // ok: the recover below is registered after this call
	e.mu.Unlock()

	defer func() {
		if r := recover(); r != nil {
			retErr = fmt.Errorf("task panicked: %v", r)
		}
	}()
	return e.body(ns)
}

// Retry installs its recover first, so a panicking lookup returns with
// e.mu still locked and the next Execute blocks forever.
func (e *taskExecutable) Retry() (retErr error) {
	defer func() {
		if r := recover(); r != nil {
			retErr = fmt.Errorf("retry panicked: %v", r)
		}
	}()
	e.mu.Lock()
	ns, err := e.lookup(e.id) // want `e.mu stays locked if this call panics: Retry recovers the panic`
	e.mu.Unlock()
	if err != nil {
		return err
	}
	return e.body(ns)
}

// probeRunner logs a panicking probe and panics again: nothing carries
// on with the lock held.
type probeRunner struct {
	mu      sync.Mutex
	running map[string]bool
	check   func(name string) error
}

var errProbeBusy = errors.New("probe already running")

func (p *probeRunner) Run(name string) error {
	defer func() {
		if r := recover(); r != nil {
			log.Printf("probe %s panicked: %v", name, r)
			panic(r)
		}
	}()
	p.mu.Lock()
	if p.running[name] {
		p.mu.Unlock()
		return errProbeBusy
	}
	err := p.check(name) // ok: the deferred handler panics again
	p.mu.Unlock()
	return err
}

// flowState is paused and resumed by setFlow, which locks st.mu in each
// case with its own deferred unlock: a balanced helper, not an unlock
// helper, so the caller's own Lock/Unlock pair stays balanced.
type flowState struct {
	mu      sync.Mutex
	resumed bool
	waiters int
}

func setFlow(st *flowState, command string) {
	switch command {
	case "resume":
		st.mu.Lock()
		defer st.mu.Unlock()
		st.resumed = true
	case "pause":
		st.mu.Lock()
		defer st.mu.Unlock()
		st.resumed = false
	}
}

func pauseThenResume(st *flowState) int {
	st.mu.Lock()
	st.resumed = false
	st.mu.Unlock()
	setFlow(st, "resume")
	st.mu.Lock()
	waiters := st.waiters
	st.mu.Unlock() // ok: setFlow takes and gives back st.mu itself
	return waiters
}
