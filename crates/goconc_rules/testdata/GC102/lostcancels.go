package gc102

import (
	"context"
	"sync"
	"time"
)

// A context derived with context.WithCancel whose cancel func is stored in
// a field that nothing reads: nothing can cancel it, so a goroutine whose
// only way out is that context's Done never exits.

type tenantConn interface {
	Close() error
}

type tenant struct {
	id     string
	conn   tenantConn
	ctx    context.Context
	cancel context.CancelFunc
}

type tenantRegistry struct {
	mu      sync.Mutex
	tenants map[string]*tenant
	evicted int
}

func (r *tenantRegistry) add(id string, conn tenantConn) {
	ctx, cancel := context.WithCancel(context.Background())
	t := &tenant{id: id, conn: conn, ctx: ctx, cancel: cancel} // related `the cancel func is stored here and never called`
	r.mu.Lock()
	r.tenants[id] = t
	r.mu.Unlock()
	go r.evictOnDone(t) // related `goroutine started here`
}

func (r *tenantRegistry) evictOnDone(t *tenant) {
	<-t.ctx.Done() // want `goroutine never exits: its only way out waits on t.ctx.Done\(\), and nothing calls the cancel func of t.ctx: it is stored in the field cancel, which nothing reads`
	r.mu.Lock()
	r.evicted++
	r.mu.Unlock()
}

// remove forgets the tenant but never cancels its context.
func (r *tenantRegistry) remove(id string) error {
	r.mu.Lock()
	t, ok := r.tenants[id]
	delete(r.tenants, id)
	r.mu.Unlock()
	if !ok {
		return nil
	}
	return t.conn.Close()
}

type renewal struct {
	leaseID string
	stop    context.CancelFunc
	done    chan struct{}
}

type leaseRenewer struct {
	mu     sync.Mutex
	leases map[string]*renewal
	renew  func(ctx context.Context, id string) error
}

// The derived context reaches the renewal loop as a parameter.
func (k *leaseRenewer) keep(parent context.Context, id string) {
	ctx, cancel := context.WithCancel(parent)
	r := &renewal{leaseID: id, done: make(chan struct{})}
	r.stop = cancel
	k.mu.Lock()
	k.leases[id] = r
	k.mu.Unlock()
	go k.renewLoop(ctx, r)
}

func (k *leaseRenewer) renewLoop(ctx context.Context, r *renewal) {
	defer close(r.done)
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done(): // want `goroutine never exits: its only way out waits on ctx.Done\(\), and nothing calls the cancel func of ctx: it is stored in the field stop`
			return
		case <-ticker.C:
			_ = k.renew(ctx, r.leaseID)
		}
	}
}

// release waits for the renewal loop, which nothing stops.
func (k *leaseRenewer) release(id string) {
	k.mu.Lock()
	r := k.leases[id]
	delete(k.leases, id)
	k.mu.Unlock()
	if r != nil {
		<-r.done
	}
}

// ok: the stored cancel func is called when the watch is removed.
type watchEntry struct {
	ctx    context.Context
	cancel context.CancelFunc
}

type watchTable struct {
	mu      sync.Mutex
	entries map[string]*watchEntry
	fired   int
}

func (w *watchTable) watch(key string) {
	ctx, cancel := context.WithCancel(context.Background())
	e := &watchEntry{ctx: ctx, cancel: cancel}
	w.mu.Lock()
	w.entries[key] = e
	w.mu.Unlock()
	go w.fireOnDone(e)
}

func (w *watchTable) fireOnDone(e *watchEntry) {
	<-e.ctx.Done()
	w.mu.Lock()
	w.fired++
	w.mu.Unlock()
}

func (w *watchTable) unwatch(key string) {
	w.mu.Lock()
	e := w.entries[key]
	delete(w.entries, key)
	w.mu.Unlock()
	if e != nil {
		e.cancel()
	}
}

// ok: the cancel func is handed on as a value (registered for cleanup).
type probeRun struct {
	ctx     context.Context
	abort   context.CancelFunc
	cleanup []func()
}

func startProbe(r *probeRun, tick func()) {
	ctx, cancel := context.WithCancel(context.Background())
	r.ctx, r.abort = ctx, cancel
	r.cleanup = append(r.cleanup, r.abort)
	go func() {
		for {
			select {
			case <-r.ctx.Done():
				return
			case <-time.After(time.Second):
				tick()
			}
		}
	}()
}

// ok: the context expires on its own (WithTimeout), even if the cancel
// func is never called.
type deadlineJob struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func (k *leaseRenewer) expireLater(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	job := &deadlineJob{ctx: ctx, cancel: cancel}
	go k.waitExpiry(job, id)
}

func (k *leaseRenewer) waitExpiry(job *deadlineJob, id string) {
	<-job.ctx.Done()
	k.mu.Lock()
	delete(k.leases, id)
	k.mu.Unlock()
}

// ok: an exported field may be called by the package's users.
type Session struct {
	Ctx    context.Context
	Cancel context.CancelFunc
	closed chan struct{}
}

func OpenSession() *Session {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Session{Ctx: ctx, Cancel: cancel, closed: make(chan struct{})}
	go s.closeOnDone()
	return s
}

func (s *Session) closeOnDone() {
	<-s.Ctx.Done()
	close(s.closed)
}

// ok: the cancel func is called through a type that embeds the owner.
type podWatcher struct {
	selector    string
	cancelWatch context.CancelFunc
	watch       func(ctx context.Context, selector string) error
}

func (p *podWatcher) start() {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancelWatch = cancel
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
				_ = p.watch(ctx, p.selector)
			}
		}
	}()
}

type podMonitor struct {
	*podWatcher
	stopped bool
}

func (m *podMonitor) stop() {
	if m.cancelWatch != nil {
		m.cancelWatch()
	}
	m.stopped = true
}
