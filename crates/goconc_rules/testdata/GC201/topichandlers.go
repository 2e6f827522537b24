package gc201

import "sync"

// An in-process event bus keeps handlers per topic and id, and calls them
// synchronously while it holds its lock.

type busEvent struct {
	topic string
	body  []byte
}

type eventBus struct {
	mu       sync.Mutex
	nextID   int
	handlers map[string]map[int]func(busEvent)
}

func newEventBus() *eventBus {
	return &eventBus{handlers: map[string]map[int]func(busEvent){}}
}

func (b *eventBus) On(topic string, h func(busEvent)) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nextID++
	if b.handlers[topic] == nil {
		b.handlers[topic] = map[int]func(busEvent){}
	}
	b.handlers[topic][b.nextID] = h
	return b.nextID
}

func (b *eventBus) Off(topic string, id int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.handlers[topic], id)
}

func (b *eventBus) Emit(ev busEvent) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, h := range b.handlers[ev.topic] {
		h(ev) // want "b.mu is already locked when this registered callback runs, and the closure in Once locks a mutex of the same kind"
	}
}

// Once registers a handler that removes itself after the first event,
// from inside the handler, while Emit still holds b.mu.
func (b *eventBus) Once(topic string, h func(busEvent)) {
	var (
		once sync.Once
		id   int
	)
	id = b.On(topic, func(ev busEvent) {
		once.Do(func() {
			b.Off(topic, id)
			h(ev)
		})
	})
}

// The same bus that copies the handlers and calls them without the lock.
type eventBusFixed struct {
	mu       sync.Mutex
	nextID   int
	handlers map[string]map[int]func(busEvent)
}

func (b *eventBusFixed) On(topic string, h func(busEvent)) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nextID++
	if b.handlers[topic] == nil {
		b.handlers[topic] = map[int]func(busEvent){}
	}
	b.handlers[topic][b.nextID] = h
	return b.nextID
}

func (b *eventBusFixed) Off(topic string, id int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.handlers[topic], id)
}

func (b *eventBusFixed) Emit(ev busEvent) {
	b.mu.Lock()
	hs := make([]func(busEvent), 0, len(b.handlers[ev.topic]))
	for _, h := range b.handlers[ev.topic] {
		hs = append(hs, h)
	}
	b.mu.Unlock()
	for _, h := range hs {
		h(ev)
	}
}

func (b *eventBusFixed) Once(topic string, h func(busEvent)) {
	var (
		once sync.Once
		id   int
	)
	id = b.On(topic, func(ev busEvent) {
		once.Do(func() {
			b.Off(topic, id)
			h(ev)
		})
	})
}

// Lazy initialisation under a lock the initialiser takes again.
type certCache struct {
	mu    sync.Mutex
	once  sync.Once
	certs map[string][]byte
}

func (c *certCache) reload() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.certs = map[string][]byte{}
}

func (c *certCache) Get(name string) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.once.Do(func() { c.reload() }) // want "c.mu"
	return c.certs[name]
}

// Negative: the initialiser runs before the lock is taken.
type keyCache struct {
	mu   sync.Mutex
	once sync.Once
	keys map[string][]byte
}

func (c *keyCache) reload() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keys = map[string][]byte{}
}

func (c *keyCache) Get(name string) []byte {
	c.once.Do(func() { c.reload() })
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.keys[name]
}
