package gc102

import (
	"context"
	"log"
	"time"
)

// Functions that take a context start goroutines scoped to it: a goroutine
// that loops forever and never looks at the context outlives every caller.

type heartbeatSink interface {
	Beat(node string) error
}

// startHeartbeat takes ctx but its goroutine never watches it.
func startHeartbeat(ctx context.Context, node string, sink heartbeatSink) {
	go func() {
		for { // want `goroutine never exits: this loop has no exit`
			select {
			case <-time.After(5 * time.Second):
				if err := sink.Beat(node); err != nil {
					log.Printf("heartbeat: %v", err)
				}
			}
		}
	}()
}

// Fixed: the loop returns when the context ends.
func startHeartbeatScoped(ctx context.Context, node string, sink heartbeatSink) {
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for { // ok: returns on ctx.Done()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_ = sink.Beat(node)
			}
		}
	}()
}

// A process-wide daemon started from a context-taking setup function: a
// top-level function without parameters serves the whole process.
func logUptime() {
	start := time.Now()
	for { // ok: process-wide daemon
		time.Sleep(time.Minute)
		log.Printf("up %s", time.Since(start))
	}
}

func setupDiagnostics(ctx context.Context) {
	_ = ctx
	go logUptime()
}

// A worker that ranges over its input ends when the input is closed.
func startIndexer(ctx context.Context, docs <-chan string, index func(string)) {
	go func() {
		for d := range docs { // ok: ends when docs is closed
			index(d)
		}
	}()
}

// A command's body that takes a context but is only ever handed
// context.TODO(): its progress printer lives as long as the command (the
// process), like a daemon.
func mirrorKeys(ctx context.Context, copyAll func(context.Context) (int, error)) error {
	var copied int
	go func() {
		for { // ok: every caller passes context.TODO(); process-scoped
			time.Sleep(30 * time.Second)
			log.Printf("copied %d keys", copied)
		}
	}()
	n, err := copyAll(ctx)
	copied = n
	return err
}

func mirrorCommand(copyAll func(context.Context) (int, error)) {
	if err := mirrorKeys(context.TODO(), copyAll); err != nil {
		log.Fatal(err)
	}
}
