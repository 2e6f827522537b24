package gc202

import (
	"sync"
	"testing"
)

// A bug-reproduction test carries a cut-down copy of the production type:
// the stream multiplexer's two locks are taken in opposite orders by two of
// its methods, and the test drives both from goroutines. Methods of types
// declared in a test file are checked like any other code.
type muxRepro struct {
	connMu    sync.Mutex
	state     string
	streamsMu sync.Mutex
	active    map[uint32]bool
	nextID    uint32
}

func (m *muxRepro) open() (uint32, bool) {
	m.connMu.Lock()
	defer m.connMu.Unlock()
	if m.state != "ready" {
		return 0, false
	}
	m.streamsMu.Lock() // want "lock order inversion: acquires m.streamsMu while holding m.connMu"
	id := m.nextID
	m.nextID += 2
	m.active[id] = true
	m.streamsMu.Unlock()
	return id, true
}

func (m *muxRepro) release(id uint32) {
	m.streamsMu.Lock()
	defer m.streamsMu.Unlock()
	delete(m.active, id)
	if len(m.active) == 0 {
		m.connMu.Lock()
		if m.state == "draining" {
			m.state = "closed"
		}
		m.connMu.Unlock()
	}
}

func TestMuxReproConcurrentStreams(t *testing.T) {
	m := &muxRepro{state: "ready", active: map[uint32]bool{}, nextID: 1}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				if id, ok := m.open(); ok {
					m.release(id)
				}
			}
		}()
	}
	wg.Wait()
}

// The fixed shape: every method takes the registry lock before the entry
// lock. The test then inspects an entry and the registry in its own order;
// it runs alone, so what a test function nests is not a lock order.
type leaseTable struct {
	mu      sync.Mutex
	entries map[string]*leaseEntry
}

type leaseEntry struct {
	mu      sync.Mutex
	expires int64
}

func (lt *leaseTable) renew(key string, until int64) {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if e, ok := lt.entries[key]; ok {
		e.mu.Lock()
		e.expires = until
		e.mu.Unlock()
	}
}

func TestLeaseRenewVisibleUnderBothLocks(t *testing.T) {
	e := &leaseEntry{}
	lt := &leaseTable{entries: map[string]*leaseEntry{"a": e}}
	lt.renew("a", 10)
	e.mu.Lock()
	lt.mu.Lock() // ok: a test function nests locks deliberately, alone
	if e.expires != 10 || len(lt.entries) != 1 {
		t.Errorf("expires = %d", e.expires)
	}
	lt.mu.Unlock()
	e.mu.Unlock()
}

// assertLeaseLocked is a test helper (it takes the testing handle): it
// drives locks like the test that calls it.
func assertLeaseLocked(t *testing.T, lt *leaseTable, key string) {
	t.Helper()
	lt.entries[key].mu.Lock()
	defer lt.entries[key].mu.Unlock()
	lt.mu.Lock() // ok: test helpers drive locks like tests
	defer lt.mu.Unlock()
}

// Comparison helpers of test files are called in one fixed order
// (`got.equal(want)`), so their two-instance nesting is no lock order.
type counterSnapshot struct {
	mu    sync.Mutex
	calls int
}

func (s *counterSnapshot) equal(o *counterSnapshot) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	o.mu.Lock() // ok: test comparison helper, called as got.equal(want)
	defer o.mu.Unlock()
	return s.calls == o.calls
}

func TestCounterSnapshots(t *testing.T) {
	got, want := &counterSnapshot{calls: 1}, &counterSnapshot{calls: 1}
	if !got.equal(want) {
		t.Fatal("snapshots differ")
	}
	assertLeaseLocked(t, &leaseTable{entries: map[string]*leaseEntry{"a": {}}}, "a")
}
