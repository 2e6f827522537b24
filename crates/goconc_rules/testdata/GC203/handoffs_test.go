package gc203

import (
	"sync"
	"testing"
	"time"
)

// A fake registry the client under test writes to; tests hold its lock
// to stall the client.
type fakeRegistry struct {
	mu       sync.Mutex
	services map[string]int
}

func (r *fakeRegistry) Register(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.services[name]++
}

// The goroutine takes the fake's lock and keeps it; the test releases it
// once it has seen the client stall.
func TestShutdownWaitsForRegistry(t *testing.T) {
	reg := &fakeRegistry{services: map[string]int{}}
	reg.mu.Lock()
	if len(reg.services) != 0 {
		t.Fatal("unexpected services")
	}
	reg.mu.Unlock()

	locked := make(chan struct{})
	done := make(chan struct{})
	go func() {
		reg.mu.Lock()
		close(locked)
	}()
	<-locked
	go func() {
		reg.Register("api")
		close(done)
	}()
	select {
	case <-done:
		t.Fatal("Register did not wait for the lock")
	case <-time.After(50 * time.Millisecond):
		reg.mu.Unlock() // ok: releases the lock the goroutine above took
	}
	<-done
}

// Without the goroutine, the second Unlock releases a lock nobody holds.
func TestRegistryDoubleUnlock(t *testing.T) {
	reg := &fakeRegistry{services: map[string]int{}}
	reg.mu.Lock()
	reg.services["api"] = 1
	reg.mu.Unlock()
	reg.Register("api")
	reg.mu.Unlock() // want `Unlock of reg.mu which is not locked: it was already unlocked`
}
