package gc207

import (
	"testing"
	"time"
)

// Test harnesses that drive a component from a goroutine.

type fakeClock struct {
	now time.Time
}

func (c *fakeClock) Advance(d time.Duration) { c.now = c.now.Add(d) }

type scheduler struct {
	clock *fakeClock
	fired int
}

func (s *scheduler) tick() { s.fired++ }

// testSchedulerFires waits for the driver to report that it is ready,
// while the driver waits for the test to release it first.
func testSchedulerFires(t *testing.T) {
	s := &scheduler{clock: &fakeClock{}}
	ready := make(chan struct{})
	release := make(chan struct{})
	go func() {
		<-release
		close(ready)
		s.clock.Advance(time.Minute)
		s.tick()
	}()
	<-ready // want "`<-ready` blocks forever: the goroutine started here is blocked receiving from release first, and this function sends on release only after it"
	close(release)
	if s.fired != 1 {
		t.Fatalf("fired %d times", s.fired)
	}
}

// testSchedulerFiresFixed signals readiness before it waits.
func testSchedulerFiresFixed(t *testing.T) {
	s := &scheduler{clock: &fakeClock{}}
	ready := make(chan struct{})
	release := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		close(ready)
		<-release
		s.clock.Advance(time.Minute)
		s.tick()
		close(finished)
	}()
	<-ready // ok: the driver closes ready before it waits for release
	close(release)
	<-finished
	if s.fired != 1 {
		t.Fatalf("fired %d times", s.fired)
	}
}

// testEchoRoundTrip plays the client: it expects the echo of its first
// message before it sends the second, but the fake server reads both
// messages before it echoes anything.
func testEchoRoundTrip(t *testing.T) {
	toServer := make(chan string)
	fromServer := make(chan string)
	go func() {
		a := <-toServer
		b := <-toServer
		fromServer <- a + b
	}()
	toServer <- "ping"
	got := <-fromServer // want "`<-fromServer` blocks forever: the goroutine started here is blocked receiving from toServer first, and this function sends on toServer only after it"
	toServer <- "pong"
	if got != "pingpong" {
		t.Fatalf("got %q", got)
	}
}

// testEchoRoundTripFixed sends both messages first.
func testEchoRoundTripFixed(t *testing.T) {
	toServer := make(chan string)
	fromServer := make(chan string)
	go func() {
		a := <-toServer
		b := <-toServer
		fromServer <- a + b
	}()
	toServer <- "ping"
	toServer <- "pong"
	got := <-fromServer // ok: both messages are sent before the echo is awaited
	if got != "pingpong" {
		t.Fatalf("got %q", got)
	}
}
