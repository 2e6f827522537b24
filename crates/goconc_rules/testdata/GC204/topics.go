package gc204

import "sync"

// Subscribers grouped by topic; the publisher sends to each under the read
// lock, and a subscriber that leaves after its first event takes the write
// lock instead of receiving the second.

type topicEvent struct {
	topic   string
	payload string
}

type topicSub struct {
	id int
	ch chan topicEvent
}

type topicBus struct {
	mu     sync.RWMutex
	subs   map[string][]*topicSub
	nextID int
}

func (b *topicBus) Subscribe(topic string) (int, <-chan topicEvent) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nextID++
	s := &topicSub{id: b.nextID, ch: make(chan topicEvent)}
	b.subs[topic] = append(b.subs[topic], s)
	return s.id, s.ch
}

func (b *topicBus) Unsubscribe(topic string, id int) { // related `Unsubscribe takes b.mu for writing`
	b.mu.Lock()
	defer b.mu.Unlock()
	list := b.subs[topic]
	for i, s := range list {
		if s.id == id {
			b.subs[topic] = append(list[:i], list[i+1:]...)
			close(s.ch)
			return
		}
	}
}

func (b *topicBus) PublishBatch(events []topicEvent) {
	b.mu.RLock() // related `b.mu is acquired here`
	defer b.mu.RUnlock()
	for _, ev := range events {
		for _, s := range b.subs[ev.topic] {
			s.ch <- ev // want `blocking send to a subscriber channel while holding b.mu: a subscriber that calls \(\*topicBus\).Unsubscribe`
		}
	}
}

// ok: the subscribers of the topic are copied under the lock and sent to
// after releasing it.
type copyingTopicBus struct {
	mu   sync.RWMutex
	subs map[string][]*topicSub
}

func (b *copyingTopicBus) Unsubscribe(topic string, id int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	list := b.subs[topic]
	for i, s := range list {
		if s.id == id {
			b.subs[topic] = append(list[:i], list[i+1:]...)
			close(s.ch)
			return
		}
	}
}

func (b *copyingTopicBus) Subscribe(topic string) <-chan topicEvent {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := &topicSub{ch: make(chan topicEvent)}
	b.subs[topic] = append(b.subs[topic], s)
	return s.ch
}

func (b *copyingTopicBus) Publish(ev topicEvent) {
	b.mu.RLock()
	subs := append([]*topicSub(nil), b.subs[ev.topic]...)
	b.mu.RUnlock()
	for _, s := range subs {
		s.ch <- ev
	}
}
