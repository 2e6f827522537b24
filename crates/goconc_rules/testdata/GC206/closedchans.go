package gc206

import "sync"

// A wait loop that also leaves when a done channel is closed: the close
// must wake the waiters, or they sleep in Wait and never look at it.

type pushOutbox struct {
	mu        sync.Mutex
	cond      *sync.Cond
	pending   []string
	done      chan struct{}
	closeOnce sync.Once
}

func newPushOutbox() *pushOutbox {
	o := &pushOutbox{done: make(chan struct{})}
	o.cond = sync.NewCond(&o.mu)
	return o
}

func (o *pushOutbox) enqueue(msg string) {
	o.mu.Lock()
	o.pending = append(o.pending, msg)
	o.mu.Unlock()
	o.cond.Signal()
}

func (o *pushOutbox) next() (string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for len(o.pending) == 0 {
		select {
		case <-o.done:
			return "", false
		default:
		}
		o.cond.Wait() // related `waits here until o.done changes`
	}
	msg := o.pending[0]
	o.pending = o.pending[1:]
	return msg, true
}

func (o *pushOutbox) close() {
	o.closeOnce.Do(func() { close(o.done) }) // want `changes o.done, which next waits for in a o.cond.Wait loop, without o.cond.Signal or Broadcast`
}

// ok: closing wakes every waiter.
type wakingOutbox struct {
	mu      sync.Mutex
	cond    *sync.Cond
	pending []string
	done    chan struct{}
}

func newWakingOutbox() *wakingOutbox {
	o := &wakingOutbox{done: make(chan struct{})}
	o.cond = sync.NewCond(&o.mu)
	return o
}

func (o *wakingOutbox) enqueue(msg string) {
	o.mu.Lock()
	o.pending = append(o.pending, msg)
	o.mu.Unlock()
	o.cond.Signal()
}

func (o *wakingOutbox) next() (string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for len(o.pending) == 0 {
		select {
		case <-o.done:
			return "", false
		default:
		}
		o.cond.Wait()
	}
	msg := o.pending[0]
	o.pending = o.pending[1:]
	return msg, true
}

func (o *wakingOutbox) close() {
	o.mu.Lock()
	close(o.done)
	o.mu.Unlock()
	o.cond.Broadcast()
}
