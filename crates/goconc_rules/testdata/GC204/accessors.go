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
