package gc203

import (
	"errors"
	"sync"
)

var errCanceled = errors.New("canceled")

// RestartPolicy models a restart manager that keeps its lock past the end of
// the method on the restart path: the deferred closure unlocks only while
// unlockOnExit is set, and the restart goroutine releases it later.
type RestartPolicy struct {
	sync.Mutex
	canceled bool
	count    int
	restarts chan struct{}
}

// ShouldRestart decides whether to restart and, if so, keeps the lock until
// the restart has been scheduled.
func (r *RestartPolicy) ShouldRestart(failed bool) (bool, error) {
	r.Lock()
	unlockOnExit := true
	defer func() {
		if unlockOnExit {
			r.Unlock()
		}
	}()
	if r.canceled {
		return false, errCanceled // ok: the deferred closure unlocks while unlockOnExit is set
	}
	if !failed {
		return false, nil // ok: the deferred closure unlocks while unlockOnExit is set
	}
	r.count++
	unlockOnExit = false
	go func() {
		r.restarts <- struct{}{}
		r.Unlock()
	}()
	return true, nil
}

// Conn is a pooled connection.
type Conn struct{ id int }

// Tx models a transaction whose grabConn returns holding the close lock on
// success, together with the function that releases it.
type Tx struct {
	closeMu sync.RWMutex
	done    bool
	conn    *Conn
}

func (tx *Tx) releaseConn() { tx.closeMu.RUnlock() }

// grabConn read-locks tx.closeMu for the duration of one query.
func (tx *Tx) grabConn() (*Conn, func(), error) {
	tx.closeMu.RLock()
	if tx.done {
		tx.closeMu.RUnlock()
		return nil, nil, errCanceled
	}
	return tx.conn, tx.releaseConn, nil // ok: success keeps the read lock, released by the returned func
}

// Query runs one query on the transaction's connection.
func (tx *Tx) Query() (int, error) {
	c, release, err := tx.grabConn()
	if err != nil {
		return 0, err
	}
	defer release()
	return c.id, nil
}

// tryAcquire models a writer-preferring try-lock: it returns true holding
// w.mu, false without it.
type gate struct {
	mu      sync.Mutex
	readers int
}

func (g *gate) tryAcquire() bool {
	if !g.mu.TryLock() {
		return false
	}
	if g.readers > 0 {
		g.mu.Unlock()
		return false
	}
	return true // ok: by contract the caller holds g.mu after a true result
}

// Use runs fn under the gate if it is free.
func (g *gate) Use(fn func()) bool {
	if !g.tryAcquire() {
		return false
	}
	defer g.mu.Unlock()
	fn()
	return true
}

// Relay models a test harness goroutine that passes a mutex back and forth
// with the main goroutine: it unlocks what the caller locked, then locks it
// again for the caller to take over.
type Relay struct {
	mu    sync.Mutex
	steps int
}

// Run alternates with the caller until stop is closed.
func (r *Relay) Run(stop <-chan struct{}) {
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			r.steps++
			r.mu.Unlock() // ok: the caller locked r.mu before starting the relay; the loop hands it over
			r.mu.Lock()
		}
	}()
}
