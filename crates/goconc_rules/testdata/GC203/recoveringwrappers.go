package gc203

import (
	"fmt"
	"sync"
)

// An API server that turns handler panics into errors with a recovering
// wrapper. The handler closure calls into a store method that runs a
// caller's predicate while holding the store lock and unlocks without a
// defer: a predicate that panics (a nil field) is recovered by the
// wrapper, the request fails cleanly, and the store stays locked.
type volumeRecord struct {
	Name   string
	Labels map[string]string
	InUse  bool
}

type volumeStore struct {
	mu     sync.Mutex
	byName map[string]*volumeRecord
}

func (s *volumeStore) removeWhere(match func(*volumeRecord) bool) []string {
	s.mu.Lock()
	var removed []string
	for name, v := range s.byName {
		if match(v) { // want `s.mu stays locked if this call panics: guardAPI recovers the panic and carries on`
			delete(s.byName, name)
			removed = append(removed, name)
		}
	}
	s.mu.Unlock()
	return removed
}

func (s *volumeStore) lookup(name string) *volumeRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byName[name]
}

func guardAPI(op string, handler func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: internal error: %v", op, r)
		}
	}()
	return handler()
}

type volumeAPI struct {
	store *volumeStore
}

func (a *volumeAPI) Prune(label string) ([]string, error) {
	var removed []string
	err := guardAPI("prune", func() error {
		removed = a.store.removeWhere(func(v *volumeRecord) bool {
			_, ok := v.Labels[label]
			return ok && !v.InUse
		})
		return nil
	})
	return removed, err
}

// Fixed: the store releases its lock with a defer, so a panicking
// predicate unwinds through the Unlock.
type imageStore struct {
	mu     sync.Mutex
	byName map[string]*volumeRecord
}

func (s *imageStore) removeWhere(match func(*volumeRecord) bool) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var removed []string
	for name, v := range s.byName {
		if match(v) {
			delete(s.byName, name)
			removed = append(removed, name)
		}
	}
	return removed
}

type imageAPI struct {
	store *imageStore
}

func (a *imageAPI) Prune(label string) ([]string, error) {
	var removed []string
	err := guardAPI("prune images", func() error {
		removed = a.store.removeWhere(func(v *volumeRecord) bool {
			_, ok := v.Labels[label]
			return ok && !v.InUse
		})
		return nil
	})
	return removed, err
}
