package gc203

import (
	"errors"
	"sync"
)

// Acquire functions that return the release func: a failure path that
// returns nil for it while still holding the lock leaves the caller
// nothing to unlock with.

var errStaleEpoch = errors.New("stale leader epoch")

type fencedLog struct {
	mu     sync.Mutex
	epoch  int64
	fenced bool
	log    [][]byte
}

func (l *fencedLog) acquireWrite(epoch int64) (func(), error) {
	l.mu.Lock()
	if l.fenced || epoch < l.epoch {
		return nil, errStaleEpoch // want `acquireWrite returns with l.mu locked and a nil release func`
	}
	return l.mu.Unlock, nil // related `the other return hands back l.mu's unlock`
}

func (l *fencedLog) appendAs(epoch int64, msg []byte) error {
	release, err := l.acquireWrite(epoch)
	if err != nil {
		return err
	}
	defer release()
	l.log = append(l.log, msg)
	return nil
}

type readView struct {
	mu      sync.RWMutex
	version int
	closed  bool
}

func (v *readView) pin() (func(), error) {
	v.mu.RLock()
	if v.closed {
		return nil, errors.New("view closed") // want `pin returns with v.mu locked and a nil release func`
	}
	return func() { v.mu.RUnlock() }, nil
}

// ok: the failure path unlocks before returning nil.
func (l *fencedLog) acquireWriteFixed(epoch int64) (func(), error) {
	l.mu.Lock()
	if l.fenced || epoch < l.epoch {
		l.mu.Unlock()
		return nil, errStaleEpoch
	}
	return l.mu.Unlock, nil
}

// ok: the check happens before the lock.
func (v *readView) pinChecked(closed bool) (func(), error) {
	if closed {
		return nil, errors.New("view closed")
	}
	v.mu.RLock()
	return v.mu.RUnlock, nil
}
