package gc203

import (
	"errors"
	"sync"
	"testing"
)

// ledgerStore is a store whose tests poke at its internals under its lock.
type ledgerStore struct {
	mu      sync.Mutex
	entries map[string]int
	dirty   bool
}

func (s *ledgerStore) flushLocked() error {
	if s.dirty {
		return errors.New("flush failed")
	}
	return nil
}

// requireNoError is a test assertion helper: it ends the test when err is
// set and returns otherwise.
func requireNoError(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// requireTrue likewise ends the test when ok is false.
func requireTrue(t *testing.T, ok bool, what string) {
	t.Helper()
	if !ok {
		t.Fatalf("expected %s", what)
	}
}

// logIfErr only logs: it never ends the test.
func logIfErr(t *testing.T, err error) {
	if err != nil {
		t.Logf("ignored: %v", err)
	}
}

// checkFlushUnderLock releases the lock before failing the test in the
// error branch; the helper does not return there, so the final Unlock is
// reached only with the lock held.
func checkFlushUnderLock(t *testing.T, s *ledgerStore) {
	s.mu.Lock()
	if err := s.flushLocked(); err != nil {
		s.mu.Unlock()
		requireNoError(t, err)
	}
	s.entries["checked"]++
	s.mu.Unlock() // ok: the error branch ended the test before this point
}

// checkEntriesUnderLock does the same with a boolean assertion.
func checkEntriesUnderLock(t *testing.T, s *ledgerStore) {
	s.mu.Lock()
	if len(s.entries) == 0 {
		s.mu.Unlock()
		requireTrue(t, false, "entries")
	}
	s.dirty = false
	s.mu.Unlock() // ok: requireTrue(t, false, ...) ends the test
}

// assertThenContinue calls the helper in straight-line code, where it
// returns when the check passes: the lock is still released exactly once.
func assertThenContinue(t *testing.T, s *ledgerStore) {
	s.mu.Lock()
	err := s.flushLocked()
	s.mu.Unlock()
	requireNoError(t, err)
	s.mu.Lock()
	s.dirty = true
	s.mu.Unlock() // ok: plain lock/unlock pair
}

// logAndContinue is the bug: the branch only logs and then falls through
// to a second Unlock of a mutex it already released.
func logAndContinue(t *testing.T, s *ledgerStore) {
	s.mu.Lock()
	if err := s.flushLocked(); err != nil {
		s.mu.Unlock()
		logIfErr(t, err)
	}
	s.dirty = false
	s.mu.Unlock() // want "Unlock of s.mu which is not locked on every path"
}
