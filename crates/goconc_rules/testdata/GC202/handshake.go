package gc202

import (
	"sync"
	"time"
)

// Two shapes that nest locks only on paper. A peer session drops its own
// lock while it dials or authenticates (the helper unlocks the caller's
// lock, does the slow step that touches the directory, and locks it again),
// and a freshly allocated session is locked before anybody else can see it.

// Directory tracks the live peer sessions of a cluster node.
type Directory struct {
	mu       sync.Mutex
	sessions map[string]*PeerSession
	audit    []string
}

// PeerSession is one connection to a remote peer.
type PeerSession struct {
	mu      sync.Mutex
	name    string
	dir     *Directory
	ready   bool
	retries int
	created time.Time
}

// Broadcast notifies every session while holding the directory lock:
// Directory.mu before PeerSession.mu is the documented order.
func (d *Directory) Broadcast(msg string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range d.sessions {
		s.mu.Lock() // ok: every path nests directory then session; the handshake helpers release the session first
		s.retries = 0
		s.mu.Unlock()
	}
	d.audit = append(d.audit, msg)
}

// handshake runs with s.mu held by the caller. It drops the lock for the
// slow exchange, registers the session in the directory, and takes the lock
// back before returning, as the caller expects.
func (s *PeerSession) handshake() error {
	s.mu.Unlock()
	time.Sleep(time.Millisecond) // the network round trip
	s.dir.register(s)
	s.mu.Lock()
	s.ready = true
	return nil
}

// upgrade is a second layer around handshake, as a TLS wrapper would be.
func (s *PeerSession) upgrade() error {
	s.retries++
	return s.handshake()
}

func (d *Directory) register(s *PeerSession) {
	d.mu.Lock()
	d.sessions[s.name] = s
	d.mu.Unlock()
}

// Reconnect re-runs the handshake of an existing session under its lock.
func (s *PeerSession) Reconnect() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.handshake() // ok: handshake releases s.mu before it takes the directory lock
}

// Upgrade goes through one more helper before the lock is dropped.
func (s *PeerSession) Upgrade() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.upgrade() // ok: the nested helper releases s.mu before it takes the directory lock
}

// Open allocates a session and fills it in under its own lock. Nobody else
// can hold or wait for the lock of a session that only exists here.
func (d *Directory) Open(name string) *PeerSession {
	s := &PeerSession{name: name, dir: d, created: time.Now()}
	s.mu.Lock()
	d.mu.Lock() // ok: s was allocated above and is not shared yet
	d.audit = append(d.audit, "open "+name)
	d.mu.Unlock()
	s.ready = false
	s.mu.Unlock()
	return s
}

// Ledger and its entries: the same two shapes must not hide a real
// inversion. Rotate holds an entry's lock while a helper takes the ledger
// lock without releasing the entry first.
type Ledger struct {
	mu      sync.Mutex
	entries []*LedgerEntry
	closed  bool
}

// LedgerEntry is one record of the ledger.
type LedgerEntry struct {
	mu     sync.Mutex
	ledger *Ledger
	amount int
}

// Sum walks the entries under the ledger lock: Ledger.mu -> LedgerEntry.mu.
func (l *Ledger) Sum() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	total := 0
	for _, e := range l.entries {
		e.mu.Lock() // want "lock order inversion: acquires e.mu while holding l.mu"
		total += e.amount
		e.mu.Unlock()
	}
	return total
}

// checkOpen is called with e.mu held and keeps holding it while it reads
// the ledger state; it releases and re-takes it only afterwards.
func (e *LedgerEntry) checkOpen() bool {
	e.ledger.mu.Lock() // related "acquires e.ledger.mu while holding e.mu"
	closed := e.ledger.closed
	e.ledger.mu.Unlock()
	e.mu.Unlock()
	e.mu.Lock()
	return !closed
}

// Rotate: LedgerEntry.mu -> Ledger.mu through checkOpen, the opposite order.
func (e *LedgerEntry) Rotate() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.checkOpen() { // the same edge, reported once at its first site in checkOpen
		e.amount = 0
	}
}
