package gc201

import "sync"

// Children that point back to the object holding them: a parent that
// holds its lock while calling into a child that takes the parent's lock
// through its back-pointer waits for itself.

type hub struct {
	mu       sync.Mutex
	sessions map[string]*hubSession
	rooms    []*room
}

type hubSession struct {
	hub  *hub
	id   string
	mu   sync.Mutex
	open bool
}

type room struct {
	owner *hub
	name  string
}

// detach unregisters the hubSession from its hub.
func (s *hubSession) detach() {
	s.hub.mu.Lock()
	delete(s.hub.sessions, s.id)
	s.hub.mu.Unlock()
}

// markClosed only touches the hubSession's own state.
func (s *hubSession) markClosed() {
	s.mu.Lock()
	s.open = false
	s.mu.Unlock()
}

// detachLocked expects the hub's lock to be held.
func (s *hubSession) detachLocked() {
	delete(s.hub.sessions, s.id)
}

func (h *hub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.sessions {
		s.detach() // want `s.hub.mu is most likely h.mu, which is already locked: s is taken from h.sessions`
	}
}

func (h *hub) kick(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.sessions[id]
	if s == nil {
		return
	}
	s.detach() // want `s.hub.mu is most likely h.mu, which is already locked`
}

func (h *hub) renameRooms(suffix string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.rooms {
		r.owner.mu.Lock() // want `r.owner.mu is most likely h.mu, which is already locked: r is taken from h.rooms`
		r.name += suffix
		r.owner.mu.Unlock()
	}
}

func (h *hub) closeAllLocked() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.sessions {
		s.detachLocked() // ok: the child's variant expects the hub's lock held
		s.markClosed()   // ok: the hubSession's own mutex
	}
}

func (h *hub) closeAllUnlocked() {
	h.mu.Lock()
	sessions := make([]*hubSession, 0, len(h.sessions))
	for _, s := range h.sessions {
		sessions = append(sessions, s)
	}
	h.mu.Unlock()
	for _, s := range sessions {
		s.detach() // ok: the hub's lock was released first
	}
}

// A tree: each node locks its own mutex, parents then children. The child
// is the same type as the parent, so its mutex is a different one.
type dirNode struct {
	mu       sync.Mutex
	parent   *dirNode
	children []*dirNode
	size     int
}

func (n *dirNode) grow() {
	n.mu.Lock()
	n.size++
	n.mu.Unlock()
}

func (n *dirNode) growChildren() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, c := range n.children {
		c.grow() // ok: each child has its own mutex
	}
}

// A back-pointer to an object of another type, with its own lock.
type directory struct {
	mu      sync.Mutex
	entries map[string]*dirEntry
}

type dirEntry struct {
	store *blobStore
	key   string
}

type blobStore struct {
	mu    sync.Mutex
	blobs map[string][]byte
}

func (e *dirEntry) drop() {
	e.store.mu.Lock()
	delete(e.store.blobs, e.key)
	e.store.mu.Unlock()
}

func (d *directory) purge() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, e := range d.entries {
		e.drop() // ok: the entry points to a blob store, not to the directory
	}
}
