package gc204

import "sync"

// Subscription records with their own channel field. Notify sends to each
// subscriber's channel while holding n.mu; a follower that decides to stop
// calls Unsubscribe, which needs n.mu, instead of receiving, so both wait.
type alertNote struct {
	Kind string
	ID   string
}

type alertSub struct {
	id int
	ch chan alertNote
}

type alertNotifier struct {
	mu     sync.Mutex
	nextID int
	subs   map[int]*alertSub
}

func (n *alertNotifier) Subscribe() (int, <-chan alertNote) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.nextID++
	s := &alertSub{id: n.nextID, ch: make(chan alertNote)}
	n.subs[s.id] = s
	return s.id, s.ch
}

func (n *alertNotifier) Unsubscribe(id int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if s, ok := n.subs[id]; ok {
		delete(n.subs, id)
		close(s.ch)
	}
}

func (n *alertNotifier) Notify(note alertNote) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, s := range n.subs {
		s.ch <- note // want `blocking send to a subscriber channel while holding n.mu`
	}
}

func (n *alertNotifier) Follow(fn func(alertNote) bool) {
	id, ch := n.Subscribe()
	for note := range ch {
		if !fn(note) {
			n.Unsubscribe(id)
			return
		}
	}
}

// The same records with a one-slot buffer and a non-blocking send: a slow
// or departing subscriber never holds up Notify.
type bufferedAlertSub struct {
	id int
	ch chan alertNote
}

type droppingNotifier struct {
	mu   sync.Mutex
	subs map[int]*bufferedAlertSub
}

func (n *droppingNotifier) Subscribe(id int) <-chan alertNote {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := &bufferedAlertSub{id: id, ch: make(chan alertNote, 1)}
	n.subs[id] = s
	return s.ch
}

func (n *droppingNotifier) Notify(note alertNote) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, s := range n.subs {
		select {
		case s.ch <- note: // ok: never blocks, drops for a full subscriber
		default:
		}
	}
}
