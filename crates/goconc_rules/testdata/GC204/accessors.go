package gc204

import "sync"

// mountTable publishes mount changes on an unbuffered channel handed out by
// an accessor, while holding the table lock. Its consumer re-mounts through
// Mount, which takes that lock, before it receives the next change.
type mountEvent struct {
	path    string
	removed bool
}

type mountTable struct {
	mu      sync.Mutex
	mounts  map[string]bool
	changes chan mountEvent
	stop    chan struct{}
}

func newMountTable() *mountTable {
	return &mountTable{mounts: map[string]bool{}, changes: make(chan mountEvent), stop: make(chan struct{})}
}

func (t *mountTable) Changes() <-chan mountEvent { return t.changes }

func (t *mountTable) Mount(path string) {
	t.mu.Lock()
	t.mounts[path] = true
	t.mu.Unlock()
}

func (t *mountTable) sync(current map[string]bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for path := range t.mounts {
		if !current[path] {
			delete(t.mounts, path)
			t.changes <- mountEvent{path: path, removed: true} // want "blocking send on t.changes while holding t.mu"
		}
	}
}

type remounter struct {
	table *mountTable
}

func (r *remounter) run() {
	for {
		select {
		case ev := <-r.table.Changes():
			if ev.removed {
				r.table.Mount(ev.path)
			}
		case <-r.table.stop:
			return
		}
	}
}

func startRemounter(t *mountTable) {
	r := &remounter{table: t}
	go r.run()
}

// syncReleased collects the removals under the lock and publishes them
// after releasing it: the consumer may re-mount while the send waits.
func (t *mountTable) syncReleased(current map[string]bool) {
	var removed []mountEvent
	t.mu.Lock()
	for path := range t.mounts {
		if !current[path] {
			delete(t.mounts, path)
			removed = append(removed, mountEvent{path: path, removed: true})
		}
	}
	t.mu.Unlock()
	for _, ev := range removed {
		t.changes <- ev // ok: t.mu is released before the hand-off
	}
}

// auditLog reads the same kind of accessor, but its consumer never takes
// the publisher's lock.
type auditLog struct {
	mu      sync.Mutex
	entries []string
	out     chan string
}

func newAuditLog() *auditLog { return &auditLog{out: make(chan string)} }

func (a *auditLog) Entries() <-chan string { return a.out }

func (a *auditLog) Append(entry string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.entries = append(a.entries, entry)
	a.out <- entry // ok: the reader below never needs a.mu
}

func drainAudit(a *auditLog, sink func(string)) {
	for entry := range a.Entries() {
		sink(entry)
	}
}
