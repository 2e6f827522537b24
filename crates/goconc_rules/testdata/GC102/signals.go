package gc102

import (
	"context"
	"sync"
	"time"
)

// snapshotter models a store that signals "snapshot finished" on a done
// channel but whose caller forgot to wait for it: the goroutine's final
// send can never be received.
type snapshotter struct {
	write func() error
	err   error
}

// Snapshot starts the write and returns without receiving from done.
func (s *snapshotter) Snapshot() {
	done := make(chan struct{})
	go func() {
		s.err = s.write()
		done <- struct{}{} // want "send on done is never received"
	}()
}

// SnapshotAndWait receives the completion signal.
func (s *snapshotter) SnapshotAndWait() error {
	done := make(chan struct{})
	go func() {
		s.err = s.write()
		done <- struct{}{} // ok: received just below
	}()
	<-done
	return s.err
}

// ackRelay models a replication relay that reports acknowledgements on a
// field channel nothing in the package ever reads.
type ackRelay struct {
	acks chan uint64
}

func newAckRelay() *ackRelay {
	return &ackRelay{acks: make(chan uint64)}
}

// Forward relays one record and reports its offset.
func (r *ackRelay) Forward(offset uint64) {
	go func() {
		r.acks <- offset // want "send on r.acks is never received"
	}()
}

// warmupCache models a cache whose loaders wait for a readiness signal
// that nothing in the package ever sends or closes.
type warmupCache struct {
	mu    sync.Mutex
	items map[string]string
}

// Preload waits for ready before filling the cache, but ready is neither
// sent to nor closed anywhere.
func (c *warmupCache) Preload(keys []string) {
	ready := make(chan struct{})
	go func() {
		<-ready // want "ready is never (sent to|closed)"
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, k := range keys {
			c.items[k] = k
		}
	}()
}

// PreloadFixed closes ready once the cache map exists.
func (c *warmupCache) PreloadFixed(keys []string) {
	ready := make(chan struct{})
	go func() {
		<-ready // ok: closed right after the map is allocated
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, k := range keys {
			c.items[k] = k
		}
	}()
	c.mu.Lock()
	c.items = make(map[string]string)
	c.mu.Unlock()
	close(ready)
}

// leaseKeeper models a component whose stop channel is declared but never
// created, sent to or closed: the keeper waits on it forever.
type leaseKeeper struct {
	haltCh chan struct{}
	renew  func()
}

// Start renews once and then parks on haltCh.
func (k *leaseKeeper) Start() {
	go func() {
		k.renew()
		<-k.haltCh // want "k.haltCh is never (sent to|closed|made)"
		k.renew()
	}()
}

// membership models a stopper built on sync.Once: Stop closes stopCh
// exactly once, so every waiter wakes up.
type membership struct {
	stopCh   chan struct{}
	stopOnce sync.Once
	refresh  func()
}

func newMembership(refresh func()) *membership {
	return &membership{stopCh: make(chan struct{}), refresh: refresh}
}

// Start refreshes until stopped.
func (m *membership) Start() {
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				m.refresh()
			case <-m.stopCh: // ok: closed through stopOnce in Stop
				return
			}
		}
	}()
}

// Wait blocks until Stop.
func (m *membership) Wait() {
	<-m.stopCh // ok: Stop closes it through sync.Once
}

// Stop is idempotent.
func (m *membership) Stop() {
	m.stopOnce.Do(func() { close(m.stopCh) })
}

// waitInterrupted models a context-driven wait: ctx.Done() is closed by
// the context package, never by user code.
func waitInterrupted(ctx context.Context) error {
	<-ctx.Done() // ok: the context package closes Done
	return ctx.Err()
}
