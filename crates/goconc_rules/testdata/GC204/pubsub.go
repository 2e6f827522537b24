package gc204

import "sync"

// Publishers that send to subscriber channels while holding the lock that
// guards the subscriber set. A subscriber that unsubscribes instead of
// receiving waits for that lock, and the publisher waits for the
// subscriber.

type priceFeed struct {
	mu   sync.RWMutex
	subs map[int]chan float64
	next int
}

func (p *priceFeed) Subscribe() (int, <-chan float64) {
	ch := make(chan float64)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next++
	p.subs[p.next] = ch
	return p.next, ch
}

func (p *priceFeed) Unsubscribe(id int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ch, ok := p.subs[id]; ok {
		close(ch)
		delete(p.subs, id)
	}
}

func (p *priceFeed) Publish(price float64) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	for _, ch := range p.subs {
		ch <- price // want `blocking send to a subscriber channel while holding p.mu: a subscriber that calls`
	}
}

// PublishDropping never blocks under the lock.
func (p *priceFeed) PublishDropping(price float64) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	for _, ch := range p.subs {
		select {
		case ch <- price: // ok: drops for slow subscribers
		default:
		}
	}
}

// PublishCopy sends after releasing the lock.
func (p *priceFeed) PublishCopy(price float64) {
	p.mu.RLock()
	targets := make([]chan float64, 0, len(p.subs))
	for _, ch := range p.subs {
		targets = append(targets, ch)
	}
	p.mu.RUnlock()
	for _, ch := range targets {
		ch <- price // ok: no lock held
	}
}

// A feed whose subscribers get buffered channels.
type bufferedFeed struct {
	mu   sync.Mutex
	subs []chan string
}

func (b *bufferedFeed) Subscribe() <-chan string {
	ch := make(chan string, 16)
	b.mu.Lock()
	b.subs = append(b.subs, ch)
	b.mu.Unlock()
	return ch
}

func (b *bufferedFeed) Publish(msg string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, ch := range b.subs {
		ch <- msg // ok: buffered (a full buffer still blocks, which the drop policy decides)
	}
}

// alertBus gives each watcher a buffered channel and a handle to stop
// watching. Publish blocks once a watcher's buffer is full; a watcher that
// stops reading and calls Stop then waits for a.mu, which Publish holds.
type alertBus struct {
	mu       sync.Mutex
	next     int
	watchers map[int]*alertWatch
}

type alertWatch struct {
	id  int
	bus *alertBus
	C   chan string
}

func (a *alertBus) Watch(size int) *alertWatch {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.next++
	w := &alertWatch{id: a.next, bus: a, C: make(chan string, size)}
	a.watchers[w.id] = w
	return w
}

func (w *alertWatch) Stop() { w.bus.drop(w) }

func (a *alertBus) drop(w *alertWatch) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.watchers[w.id]; ok {
		delete(a.watchers, w.id)
		close(w.C)
	}
}

func (a *alertBus) Raise(alert string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, w := range a.watchers {
		w.C <- alert // want "blocking send to a subscriber channel while holding a.mu: a subscriber that calls \\(\\*alertWatch\\).Stop"
	}
}

// RaiseOrDrop never blocks under the lock.
func (a *alertBus) RaiseOrDrop(alert string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, w := range a.watchers {
		select {
		case w.C <- alert: // ok: dropped when the watcher's buffer is full
		default:
		}
	}
}
