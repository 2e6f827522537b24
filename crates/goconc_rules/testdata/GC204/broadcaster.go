package gc204

import (
	"io"
	"sync"
)

// Event is one published message.
type Event struct {
	Topic string
	Data  []byte
	Last  bool
}

// Broadcaster models a pub/sub broadcaster that holds its lock while
// delivering to every subscriber over unbuffered channels. A subscriber that
// decides to unsubscribe (on its last event) calls Unsubscribe, which needs
// b.mu, so it stops receiving; Publish blocks on the send with b.mu held and
// the two goroutines wait for each other.
type Broadcaster struct {
	mu   sync.Mutex
	subs map[int]*subscriber
	next int
}

type subscriber struct {
	id int
	ch chan Event
}

// NewBroadcaster returns an empty broadcaster.
func NewBroadcaster() *Broadcaster {
	return &Broadcaster{subs: map[int]*subscriber{}}
}

// Subscribe registers handle and runs it in its own goroutine.
func (b *Broadcaster) Subscribe(handle func(Event)) {
	b.mu.Lock()
	b.next++
	s := &subscriber{id: b.next, ch: make(chan Event)}
	b.subs[s.id] = s
	b.mu.Unlock()
	go func() {
		for ev := range s.ch {
			handle(ev)
			if ev.Last {
				b.Unsubscribe(s.id)
				return
			}
		}
	}()
}

// Unsubscribe removes subscriber id.
func (b *Broadcaster) Unsubscribe(id int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.subs, id)
}

// Publish delivers ev to every subscriber.
func (b *Broadcaster) Publish(ev Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.subs {
		s.ch <- ev // want "blocking send on s.ch while holding b.mu"
	}
}

// SnapshotBroadcaster is the fixed broadcaster: Publish copies the
// subscriber list under the lock and sends after releasing it.
type SnapshotBroadcaster struct {
	mu   sync.Mutex
	subs map[int]*subscriber
	next int
}

// Subscribe registers handle and runs it in its own goroutine.
func (b *SnapshotBroadcaster) Subscribe(handle func(Event)) {
	b.mu.Lock()
	b.next++
	s := &subscriber{id: b.next, ch: make(chan Event)}
	b.subs[s.id] = s
	b.mu.Unlock()
	go func() {
		for ev := range s.ch {
			handle(ev)
			if ev.Last {
				b.Unsubscribe(s.id)
				return
			}
		}
	}()
}

// Unsubscribe removes subscriber id.
func (b *SnapshotBroadcaster) Unsubscribe(id int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.subs, id)
}

// Publish delivers ev to every current subscriber.
func (b *SnapshotBroadcaster) Publish(ev Event) {
	b.mu.Lock()
	targets := make([]*subscriber, 0, len(b.subs))
	for _, s := range b.subs {
		targets = append(targets, s)
	}
	b.mu.Unlock()
	for _, s := range targets {
		s.ch <- ev // ok: b.mu was released before sending
	}
}

// DroppingBroadcaster is the other common fix: a slow subscriber misses
// events instead of blocking the publisher, so the send under the lock
// never blocks.
type DroppingBroadcaster struct {
	mu      sync.Mutex
	subs    map[int]chan Event
	dropped int
}

// Unsubscribe removes subscriber id.
func (b *DroppingBroadcaster) Unsubscribe(id int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.subs, id)
}

// Publish offers ev to every subscriber without waiting.
func (b *DroppingBroadcaster) Publish(ev Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, ch := range b.subs {
		select { // ok: the default case makes the select non-blocking
		case ch <- ev:
		default:
			b.dropped++
		}
	}
}

// StatusReporter models a service that emits status events through a helper
// while holding its lock; the consumer of those events reads the status back
// (taking the same lock) before it receives the next event.
type StatusReporter struct {
	mu     sync.Mutex
	state  string
	events chan string
}

// NewStatusReporter starts the consumer that logs each event with the
// current state.
func NewStatusReporter(w io.Writer) *StatusReporter {
	r := &StatusReporter{state: "init", events: make(chan string)}
	go func() {
		for ev := range r.events {
			io.WriteString(w, ev+" in state "+r.Status()+"\n")
		}
	}()
	return r
}

// Status returns the current state.
func (r *StatusReporter) Status() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.state
}

func (r *StatusReporter) emit(ev string) {
	r.events <- ev
}

// Transition moves to state and announces it.
func (r *StatusReporter) Transition(state string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.state = state
	r.emit("transition to " + state) // want "r.events while holding r.mu"
}

// SafeStatusReporter is the fixed reporter: the event carries the state, the
// consumer never takes the lock, and emit runs after the lock is released.
type SafeStatusReporter struct {
	mu     sync.Mutex
	state  string
	events chan string
}

// NewSafeStatusReporter starts the consumer.
func NewSafeStatusReporter(w io.Writer) *SafeStatusReporter {
	r := &SafeStatusReporter{state: "init", events: make(chan string)}
	go func() {
		for ev := range r.events {
			io.WriteString(w, ev+"\n")
		}
	}()
	return r
}

func (r *SafeStatusReporter) emit(ev string) {
	r.events <- ev
}

// Transition moves to state and announces it.
func (r *SafeStatusReporter) Transition(state string) {
	r.mu.Lock()
	r.state = state
	r.mu.Unlock()
	r.emit("transition to " + state) // ok: r.mu was released before emitting
}

// AsyncLogger models a logger whose Log sends to the writer goroutine while
// holding the lock that orders the lines. The writer goroutine never takes
// l.mu, so the send always completes once the writer is ready.
type AsyncLogger struct {
	mu    sync.Mutex
	seq   int
	lines chan string
}

// NewAsyncLogger starts the writer goroutine.
func NewAsyncLogger(w io.Writer) *AsyncLogger {
	l := &AsyncLogger{lines: make(chan string)}
	go func() {
		for line := range l.lines {
			io.WriteString(w, line+"\n")
		}
	}()
	return l
}

// Log writes one line; lines keep the order of their sequence numbers.
func (l *AsyncLogger) Log(msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	l.lines <- msg // ok: the receiving goroutine never takes l.mu
}

// Close stops the writer goroutine.
func (l *AsyncLogger) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	close(l.lines) // ok: close never blocks
}
