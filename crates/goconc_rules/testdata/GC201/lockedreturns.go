package gc201

import "sync"

// A helper returns the entry locked; locking it again deadlocks.

type leaseEntry struct {
	mu      sync.Mutex
	renewed int
}

type leaseTable struct {
	mu      sync.Mutex
	entries map[string]*leaseEntry
}

func (t *leaseTable) lockEntry(key string) *leaseEntry {
	t.mu.Lock()
	e, ok := t.entries[key]
	if !ok {
		e = &leaseEntry{}
		t.entries[key] = e
	}
	t.mu.Unlock()
	e.mu.Lock()
	return e
}

func (t *leaseTable) renew(key string) {
	e := t.lockEntry(key) // related `e.mu locked here`
	e.mu.Lock()           // want `e.mu is already locked`
	e.renewed++
	e.mu.Unlock()
}

// ok: the entry comes back locked and is only unlocked here.
func (t *leaseTable) renewLocked(key string) {
	e := t.lockEntry(key)
	e.renewed++
	e.mu.Unlock()
}
