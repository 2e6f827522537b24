package gc201

import (
	"errors"
	"sync"
)

// Interface calls resolved to the package's own implementations.

type podSnapshot struct {
	name    string
	running bool
	pid     int
}

// stateStore persists pod snapshots.
type stateStore interface {
	save(p *podRecord) error
}

type podRecord struct {
	mu      sync.Mutex
	name    string
	running bool
	pid     int
}

func (p *podRecord) snapshot() podSnapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	return podSnapshot{name: p.name, running: p.running, pid: p.pid}
}

func (p *podRecord) checkpoint(db stateStore) error {
	return db.save(p)
}

// markRunning checkpoints while still holding p.mu; the package's store
// implementation takes a snapshot of the record it is handed.
func (p *podRecord) markRunning(pid int, db stateStore) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running = true
	p.pid = pid
	return p.checkpoint(db) // want "p.mu is already locked: this call hands it to save, the package's implementation of an interface method, which acquires p.mu again"
}

// markRunningFixed releases the record before checkpointing it.
func (p *podRecord) markRunningFixed(pid int, db stateStore) error {
	p.mu.Lock()
	p.running = true
	p.pid = pid
	p.mu.Unlock()
	return p.checkpoint(db) // ok: p.mu was released
}

type memStateStore struct {
	mu    sync.RWMutex
	snaps map[string]podSnapshot
}

func (m *memStateStore) save(p *podRecord) error {
	s := p.snapshot() // related `save acquires it here`
	m.mu.Lock()
	defer m.mu.Unlock()
	m.snaps[s.name] = s
	return nil
}

// podIndex calls its store under its own lock: the implementation locks
// only its receiver and the snapshot it is given, never the index.
type podIndex struct {
	mu    sync.Mutex
	store snapshotSink
	names map[string]bool
}

type snapshotSink interface {
	put(s podSnapshot) error
}

type memSnapshotSink struct {
	mu    sync.Mutex
	items []podSnapshot
}

func (m *memSnapshotSink) put(s podSnapshot) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items = append(m.items, s)
	return nil
}

func (x *podIndex) add(s podSnapshot) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.names[s.name] {
		return errors.New("duplicate pod")
	}
	x.names[s.name] = true
	return x.store.put(s) // ok: the sink locks its own mutex, not x.mu
}

// Registered implementations that call back into the registry.

// lifecycleCloser is closed by the node stopper on shutdown.
type lifecycleCloser interface {
	closeOnStop()
}

type nodeStopper struct {
	mu       sync.Mutex
	stopping bool
	tasks    map[string]int
	closers  []lifecycleCloser
}

func (s *nodeStopper) addCloser(c lifecycleCloser) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closers = append(s.closers, c)
}

func (s *nodeStopper) runTask(name string, f func()) error {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return errors.New("stopping")
	}
	s.tasks[name]++
	s.mu.Unlock()
	f()
	s.mu.Lock()
	s.tasks[name]--
	s.mu.Unlock()
	return nil
}

// stop closes the registered closers while holding s.mu.
func (s *nodeStopper) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopping = true
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i].closeOnStop() // want "s.mu is already locked when this registered callback runs"
	}
}

type engineFlusher struct {
	stopper *nodeStopper
	flush   func()
}

func (c engineFlusher) closeOnStop() {
	_ = c.stopper.runTask("flush", c.flush) // related `closeOnStop acquires it here`
}

func startEngine(s *nodeStopper, flush func()) {
	s.addCloser(engineFlusher{stopper: s, flush: flush}) // related `closeOnStop is registered here`
}

// stopFixed copies the closers and runs them after releasing s.mu.
func (s *nodeStopper) stopFixed() {
	s.mu.Lock()
	s.stopping = true
	closers := append([]lifecycleCloser(nil), s.closers...)
	s.mu.Unlock()
	for i := len(closers) - 1; i >= 0; i-- {
		closers[i].closeOnStop() // ok: s.mu was released
	}
}

// pickerConn forwards resolver updates to its balancer under its lock;
// the package's balancer calls back into the connection.
type pickerConn struct {
	mu       sync.Mutex
	balancer pickerPolicy
	subConns int
	closed   bool
}

type pickerPolicy interface {
	updateAddrs(addrs []string) error
}

func newPickerConn() *pickerConn {
	cc := &pickerConn{}
	cc.balancer = &firstPicker{cc: cc} // related `updateAddrs is registered here`
	return cc
}

func (cc *pickerConn) newSubConn() error {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.closed {
		return errors.New("closed")
	}
	cc.subConns++
	return nil
}

func (cc *pickerConn) updateResolverState(addrs []string) error {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.balancer.updateAddrs(addrs) // want "cc.mu is already locked when this registered callback runs"
}

type firstPicker struct {
	cc        *pickerConn
	connected bool
}

func (b *firstPicker) updateAddrs(addrs []string) error {
	if b.connected || len(addrs) == 0 {
		return nil
	}
	b.connected = true
	return b.cc.newSubConn() // related `updateAddrs acquires it here`
}

// compactionJob implementations run with the DB's mutex held and drop it
// around their I/O, as their `...Locked` helpers document.
type compactionJob interface {
	execute(db *compactingDB) error
}

type compactingDB struct {
	mu      sync.Mutex
	version int
}

func (db *compactingDB) compact(job compactionJob) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	return job.execute(db) // ok: the implementation releases db.mu before taking it again
}

type flushJob struct{ bytes int }

func (j *flushJob) execute(db *compactingDB) error {
	return db.runFlushLocked(j)
}

func (db *compactingDB) runFlushLocked(j *flushJob) error {
	db.mu.Unlock()
	written := j.bytes * 2
	db.mu.Lock()
	db.version += written
	return nil
}

// An interface field that always holds the same object as another field.

type nodePodLister interface {
	listPods() []string
}

type nodePodCache struct {
	sync.Mutex
	pods map[string]bool
}

func (c *nodePodCache) listPods() []string {
	c.Lock() // related `listPods acquires it here`
	defer c.Unlock()
	out := make([]string, 0, len(c.pods))
	for p := range c.pods {
		out = append(out, p)
	}
	return out
}

type podReconciler struct {
	cache  *nodePodCache
	lister nodePodLister
}

func newPodReconciler() *podReconciler {
	c := &nodePodCache{pods: make(map[string]bool)}
	return &podReconciler{cache: c, lister: c}
}

// reconcile holds the cache for the whole pass and lists through the
// lister, which is the same cache.
func (r *podReconciler) reconcile(want map[string]bool) {
	r.cache.Lock()
	defer r.cache.Unlock()
	for _, p := range r.lister.listPods() { // want "r.cache.Mutex is already locked: this call reaches listPods through r.lister, which always holds the same object as r.cache"
		if !want[p] {
			delete(r.cache.pods, p)
		}
	}
}

// podMirror lists from another cache than the one it locks.
type podMirror struct {
	cache  *nodePodCache
	source nodePodLister
}

func newPodMirror(source nodePodLister) *podMirror {
	return &podMirror{cache: &nodePodCache{pods: make(map[string]bool)}, source: source}
}

func (m *podMirror) sync() {
	m.cache.Lock()
	defer m.cache.Unlock()
	for _, p := range m.source.listPods() { // ok: the source is another object
		m.cache.pods[p] = true
	}
}

// A closure registered on the registry that calls a helper built holding
// the registry.

type dynamicConfig struct {
	version int
	values  map[string]string
}

type configRegistry struct {
	mu        sync.Mutex
	current   dynamicConfig
	listeners []func(old, cur dynamicConfig)
}

func (r *configRegistry) currentConfig() dynamicConfig {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.current
}

func (r *configRegistry) onChange(l func(old, cur dynamicConfig)) {
	r.mu.Lock()
	r.listeners = append(r.listeners, l)
	r.mu.Unlock()
}

func (r *configRegistry) apply(cfg dynamicConfig) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.current
	r.current = cfg
	for _, l := range r.listeners {
		l(old, cfg) // want "r.mu is already locked when this registered callback runs, and the closure in trackLogLevel locks a mutex of the same kind"
	}
}

type logLevelTracker struct {
	reg   *configRegistry
	mu    sync.Mutex
	level string
}

func (t *logLevelTracker) refresh() {
	cfg := t.reg.currentConfig()
	t.mu.Lock()
	t.level = cfg.values["log.level"]
	t.mu.Unlock()
}

func trackLogLevel(reg *configRegistry) *logLevelTracker {
	t := &logLevelTracker{reg: reg}
	reg.onChange(func(_, _ dynamicConfig) { t.refresh() }) // related `the closure in trackLogLevel is registered here`
	return t
}

// auditRegistry notifies listeners under its lock; the package's only
// listener reads another registry, never the one it listens to.
type auditRegistry struct {
	mu        sync.Mutex
	events    []string
	listeners []func(event string)
}

func (a *auditRegistry) onEvent(l func(event string)) {
	a.mu.Lock()
	a.listeners = append(a.listeners, l)
	a.mu.Unlock()
}

func (a *auditRegistry) record(event string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events = append(a.events, event)
	for _, l := range a.listeners {
		l(event) // ok: the registered closure locks the config registry, not a.mu
	}
}

func mirrorAuditLevel(audit *auditRegistry, config *configRegistry) *logLevelTracker {
	t := &logLevelTracker{reg: config}
	audit.onEvent(func(string) { t.refresh() })
	return t
}
