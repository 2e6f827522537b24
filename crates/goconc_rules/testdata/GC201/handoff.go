package gc201

import (
	"sync"
	"time"
)

// TicketKeys models a TLS-style config whose read path, while holding the
// read lock, calls a helper that drops the read lock, takes the write lock
// to initialise lazily, and re-takes the read lock before returning.
type TicketKeys struct {
	mu   sync.RWMutex
	keys [][]byte
	gen  func() []byte
}

// ensureKeysRLocked must be called with k.mu read-locked; it returns with
// k.mu read-locked again.
func (k *TicketKeys) ensureKeysRLocked() {
	if len(k.keys) > 0 {
		return
	}
	k.mu.RUnlock()
	defer k.mu.RLock()
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.keys) == 0 {
		k.keys = append(k.keys, k.gen())
	}
}

// Current returns the newest key.
func (k *TicketKeys) Current() []byte {
	k.mu.RLock()
	defer k.mu.RUnlock()
	k.ensureKeysRLocked() // ok: the helper releases the caller's read lock before it takes the write lock
	return k.keys[0]
}

// Baton models a test-style handoff where a mutex is used as a baton: the
// goroutine started after the first Lock is the one that unlocks it, so the
// second Lock waits for that goroutine instead of deadlocking.
type Baton struct {
	mu   sync.Mutex
	work func()
}

// RunAndWait runs work in the background and waits for it.
func (b *Baton) RunAndWait() {
	b.mu.Lock()
	go func() {
		b.work()
		b.mu.Unlock()
	}()
	b.mu.Lock() // ok: the spawned goroutine unlocks b.mu, this Lock waits for it
	b.mu.Unlock()
}

type treeNode struct {
	mu       sync.Mutex
	parent   *treeNode
	children int
}

// Prune models hand-over-hand locking up a tree: the cursor moves to the
// parent, so each Lock in the loop takes a different node's mutex.
func Prune(n *treeNode) {
	n.mu.Lock()
	for n.parent != nil && n.children == 0 {
		parent := n.parent
		parent.mu.Lock() // ok: a different node's mutex (the cursor n is reassigned below)
		parent.children--
		n.mu.Unlock()
		n = parent
	}
	n.mu.Unlock()
}

// StripedIndex models a striped-lock table: the check callback locks the
// stripe of another entry only when it differs from the one held.
type StripedIndex struct {
	locks []sync.Mutex
	refs  [][]int
}

// Verify checks the cross references of every stripe.
func (s *StripedIndex) Verify() int {
	bad := 0
	check := func(held, ref int) {
		if held != ref {
			s.locks[ref].Lock()
			defer s.locks[ref].Unlock()
		}
		if ref >= len(s.refs) {
			bad++
		}
	}
	for i := range s.locks {
		s.locks[i].Lock()
		for _, ref := range s.refs[i] {
			check(i, ref) // ok: check only locks a different stripe than the one held
		}
		s.locks[i].Unlock()
	}
	return bad
}

// OOBReporter models a stream loop that takes a lock once, on the first
// message that needs it, and keeps it (deferred unlock) until the stream ends.
type OOBReporter struct {
	mu      sync.Mutex
	samples []float64
}

// Consume records every positive sample.
func (r *OOBReporter) Consume(in <-chan float64) {
	locked := false
	for v := range in {
		if v <= 0 {
			continue
		}
		if !locked {
			r.mu.Lock() // ok: guarded by the locked flag, taken at most once per stream
			defer r.mu.Unlock()
			locked = true
		}
		r.samples = append(r.samples, v)
	}
}

// LogFollower models a log reader that read-locks the files, captures the
// position and hands the read lock to a follower goroutine that releases it.
type LogFollower struct {
	fsMu  sync.RWMutex
	pos   int64
	lines chan string
}

func (l *LogFollower) followLocked(from int64) {
	defer l.fsMu.RUnlock()
	l.lines <- time.Unix(from, 0).String()
}

// Follow starts following the log.
func (l *LogFollower) Follow() {
	l.fsMu.RLock()
	from := l.pos
	go l.followLocked(from)
}

// Rotate renames the files.
func (l *LogFollower) Rotate() {
	l.fsMu.Lock()
	defer l.fsMu.Unlock()
	l.pos = 0
}

// FollowThenRotate starts a follower and rotates.
func (l *LogFollower) FollowThenRotate() {
	l.Follow()
	l.Rotate() // ok: Follow handed its read lock to the follower goroutine
}

// SumBuckets models an uncontended-lock benchmark: each worker owns a
// scratch accumulator whose RWMutex never leaves the worker goroutine, so
// no writer can queue between its nested read locks.
func SumBuckets(parts [][]int) []int {
	out := make([]int, len(parts))
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var acc struct {
				sync.RWMutex
				n int
			}
			for _, v := range p {
				acc.RLock()
				acc.RLock() // ok: acc is local to this goroutine; no writer can arrive between the read locks
				acc.RUnlock()
				acc.RUnlock()
				acc.Lock()
				acc.n += v
				acc.Unlock()
			}
			out[i] = acc.n
		}()
	}
	wg.Wait()
	return out
}

// A mutex as a one-shot "started" signal: the server releases it through
// the Unlock method value it was handed, and the second Lock waits for
// that.
type dnsServer struct {
	NotifyStartedFunc func()
	serve             func() error
}

func (s *dnsServer) ActivateAndServe() error {
	if s.NotifyStartedFunc != nil {
		s.NotifyStartedFunc()
	}
	return s.serve()
}

// ok: waitLock.Unlock is handed to the server before the second Lock.
func startDNS(s *dnsServer) {
	waitLock := sync.Mutex{}
	waitLock.Lock()
	s.NotifyStartedFunc = waitLock.Unlock
	go func() {
		_ = s.ActivateAndServe()
	}()
	waitLock.Lock()
	defer waitLock.Unlock()
}

type keyBatcher struct {
	keys func() <-chan string
}

func newKeyBatcher(keys func() <-chan string) *keyBatcher {
	b := &keyBatcher{keys: keys}
	go func() {
		for k := range b.keys() {
			_ = k
		}
	}()
	return b
}

// ok: the provider goroutine releases keyWait when it has sent every key.
func provideAll(keys []string) *keyBatcher {
	var keyWait sync.Mutex
	keyWait.Lock()
	b := newKeyBatcher(func() <-chan string {
		ch := make(chan string)
		go func() {
			defer keyWait.Unlock()
			defer close(ch)
			for _, k := range keys {
				ch <- k
			}
		}()
		return ch
	})
	keyWait.Lock()
	time.Sleep(10 * time.Millisecond)
	return b
}

// Without the hand-off the second Lock waits for nobody.
func startDNSForgetful(s *dnsServer) {
	waitLock := sync.Mutex{}
	waitLock.Lock()
	s.NotifyStartedFunc = func() {}
	go func() {
		_ = s.ActivateAndServe()
	}()
	waitLock.Lock() // want `waitLock is already locked`
	defer waitLock.Unlock()
}
