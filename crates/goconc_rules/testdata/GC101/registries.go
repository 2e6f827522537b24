package gc101

import (
	"context"
	"errors"
	"sync"
	"time"
)

// A key-value store with watches. Watch registers an unbuffered channel
// and hands it out; Put delivers every change to every watcher of the key
// with a plain send. Nothing ever takes a watch back, so once WaitForValue
// has seen what it waited for and returned, the next Put of that key
// blocks in its send for good, holding s.mu: every other Put and Watch
// queues behind it.
type kvEvent struct {
	Key, Value string
}

type watchedStore struct {
	mu       sync.Mutex
	data     map[string]string
	watchers map[string][]chan kvEvent
}

func newWatchedStore() *watchedStore {
	return &watchedStore{
		data:     make(map[string]string),
		watchers: make(map[string][]chan kvEvent),
	}
}

func (s *watchedStore) Watch(key string) <-chan kvEvent {
	ch := make(chan kvEvent)
	s.mu.Lock()
	s.watchers[key] = append(s.watchers[key], ch) // related "Watch registers it here"
	s.mu.Unlock()
	return ch
}

func (s *watchedStore) Put(key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data[key] = value
	for _, ch := range s.watchers[key] {
		ch <- kvEvent{Key: key, Value: value} // want `Put blocks forever sending to ch: Watch registers an unbuffered channel that nothing in the package ever removes, and WaitForValue can stop receiving from it`
	}
}

func (s *watchedStore) WaitForValue(ctx context.Context, key, want string) error {
	events := s.Watch(key) // related "the channel is taken here"
	for {
		select {
		case <-ctx.Done(): // related "stops listening"
			return ctx.Err()
		case ev := <-events:
			if ev.Value == want {
				return nil
			}
		}
	}
}

// A config broadcaster keeping its subscribers in a slice. The consumer
// stops after the first update that fails to apply; the subscription stays
// and the next Publish waits for a reader that is gone.
type configUpdate struct {
	Version int
	Body    []byte
}

type configHub struct {
	mu   sync.RWMutex
	subs []chan configUpdate
}

func (h *configHub) Subscribe() chan configUpdate {
	ch := make(chan configUpdate)
	h.mu.Lock()
	h.subs = append(h.subs, ch)
	h.mu.Unlock()
	return ch
}

func (h *configHub) Publish(u configUpdate) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, sub := range h.subs {
		sub <- u // want `Publish blocks forever sending to sub: Subscribe registers an unbuffered channel that nothing in the package ever removes, and applyUpdates can stop receiving from it`
	}
}

type configApplier interface {
	Apply(body []byte) error
}

func applyUpdates(h *configHub, a configApplier) error {
	for u := range h.Subscribe() {
		if err := a.Apply(u.Body); err != nil {
			return err
		}
	}
	return nil
}

// Listeners keyed by their channel: the set shape. The health checker's
// waiter gives up after a deadline and never comes back for the channel.
type healthListeners struct {
	mu        sync.Mutex
	listeners map[chan bool]struct{}
}

func (l *healthListeners) Listen() chan bool {
	ch := make(chan bool)
	l.mu.Lock()
	l.listeners[ch] = struct{}{}
	l.mu.Unlock()
	return ch
}

func (l *healthListeners) Report(healthy bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for ch := range l.listeners {
		ch <- healthy // want `Report blocks forever sending to ch: Listen registers an unbuffered channel that nothing in the package ever removes, and awaitHealthy can stop receiving from it`
	}
}

var errUnhealthyTooLong = errors.New("service stayed unhealthy")

func awaitHealthy(l *healthListeners, limit time.Duration) error {
	updates := l.Listen()
	deadline := time.After(limit)
	for {
		select {
		case ok := <-updates:
			if ok {
				return nil
			}
		case <-deadline:
			return errUnhealthyTooLong
		}
	}
}

// Fixed: the watch comes with a cancel func that takes the channel back,
// and the consumer defers it.
type leaseWatchers struct {
	mu       sync.Mutex
	watchers map[int64]chan int64
	nextID   int64
}

func (w *leaseWatchers) Watch() (<-chan int64, func()) {
	ch := make(chan int64)
	w.mu.Lock()
	id := w.nextID
	w.nextID++
	w.watchers[id] = ch
	w.mu.Unlock()
	return ch, func() {
		w.mu.Lock()
		delete(w.watchers, id)
		w.mu.Unlock()
	}
}

func (w *leaseWatchers) Expire(lease int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, ch := range w.watchers {
		ch <- lease
	}
}

func awaitExpiry(ctx context.Context, w *leaseWatchers, lease int64) error {
	expired, cancel := w.Watch()
	defer cancel()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case id := <-expired:
			if id == lease {
				return nil
			}
		}
	}
}

// Fixed: slow or departed subscribers are skipped, never waited for.
type tickerHub struct {
	mu   sync.Mutex
	subs []chan time.Time
}

func (h *tickerHub) Subscribe() <-chan time.Time {
	ch := make(chan time.Time)
	h.mu.Lock()
	h.subs = append(h.subs, ch)
	h.mu.Unlock()
	return ch
}

func (h *tickerHub) Tick(now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ch := range h.subs {
		select {
		case ch <- now:
		default:
		}
	}
}

func firstTickAfter(h *tickerHub, at time.Time) time.Time {
	for t := range h.Subscribe() {
		if t.After(at) {
			return t
		}
	}
	return at
}

// Fixed: Unsubscribe filters the channel out of the slice. (A consumer
// that forgets to call it is beyond what the package can show.)
type jobNotifier struct {
	mu   sync.Mutex
	subs []chan string
}

func (n *jobNotifier) Subscribe() chan string {
	ch := make(chan string)
	n.mu.Lock()
	n.subs = append(n.subs, ch)
	n.mu.Unlock()
	return ch
}

func (n *jobNotifier) Unsubscribe(ch chan string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	kept := n.subs[:0]
	for _, s := range n.subs {
		if s != ch {
			kept = append(kept, s)
		}
	}
	n.subs = kept
}

func (n *jobNotifier) Done(job string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, ch := range n.subs {
		ch <- job
	}
}

func waitJob(n *jobNotifier, job string) {
	ch := n.Subscribe()
	defer n.Unsubscribe(ch)
	for done := range ch {
		if done == job {
			return
		}
	}
}

// Fixed: the consumer reads until Close, which closes every feed and
// drops them; nobody stops early.
type peerEvents struct {
	mu    sync.Mutex
	feeds []chan string
}

func (p *peerEvents) Feed() <-chan string {
	ch := make(chan string)
	p.mu.Lock()
	p.feeds = append(p.feeds, ch)
	p.mu.Unlock()
	return ch
}

func (p *peerEvents) Emit(peer string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ch := range p.feeds {
		ch <- peer
	}
}

func (p *peerEvents) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ch := range p.feeds {
		close(ch)
	}
	p.feeds = nil
}

func logPeers(p *peerEvents, log func(string)) {
	for peer := range p.Feed() {
		log(peer)
	}
}

// Fixed: each delivery gets its own goroutine, so a departed reader parks
// that goroutine only (a leak of its own kind, not a stuck publisher).
type alertFanout struct {
	mu   sync.Mutex
	subs []chan string
}

func (a *alertFanout) Subscribe() <-chan string {
	ch := make(chan string)
	a.mu.Lock()
	a.subs = append(a.subs, ch)
	a.mu.Unlock()
	return ch
}

func (a *alertFanout) Fire(alert string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ch := range a.subs {
		go func(ch chan string) { ch <- alert }(ch)
	}
}

func firstAlert(ctx context.Context, a *alertFanout) string {
	alerts := a.Subscribe()
	select {
	case s := <-alerts:
		return s
	case <-ctx.Done():
		return ""
	}
}

// An election observer: WaitLeader waits for one leader change, but gives
// up when its context ends. The observer's channel stays registered, and
// the next change (even the first one, if it comes after the give-up)
// blocks the campaign loop for good.
type leaderObserver struct {
	mu        sync.Mutex
	observers []chan string
}

func (o *leaderObserver) Observe() <-chan string {
	ch := make(chan string)
	o.mu.Lock()
	o.observers = append(o.observers, ch)
	o.mu.Unlock()
	return ch
}

func (o *leaderObserver) elected(leader string) {
	o.mu.Lock()
	observers := append([]chan string(nil), o.observers...)
	o.mu.Unlock()
	for _, ch := range observers {
		ch <- leader // want `elected blocks forever sending to ch: Observe registers an unbuffered channel that nothing in the package ever removes, and WaitLeader can stop receiving from it`
	}
}

func (o *leaderObserver) WaitLeader(ctx context.Context) (string, error) {
	changes := o.Observe()
	select {
	case leader := <-changes:
		return leader, nil
	case <-ctx.Done(): // related "stops listening"
		return "", ctx.Err()
	}
}

// Fixed: the one waiter waits without giving up, and the registry is
// notified once, at shutdown.
type shutdownWaiters struct {
	mu      sync.Mutex
	waiters []chan struct{}
}

func (s *shutdownWaiters) Wait() <-chan struct{} {
	ch := make(chan struct{})
	s.mu.Lock()
	s.waiters = append(s.waiters, ch)
	s.mu.Unlock()
	return ch
}

func (s *shutdownWaiters) shutdown() {
	s.mu.Lock()
	waiters := s.waiters
	s.mu.Unlock()
	for _, ch := range waiters {
		ch <- struct{}{}
	}
}

func drainBeforeExit(s *shutdownWaiters, flush func()) {
	<-s.Wait()
	flush()
}
