package gc101

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// The caller waits for one goroutine to report back; the goroutine has a
// path that returns without sending or closing, and the caller then waits
// forever.

type configLoader struct {
	path string
	data []byte
}

func (l *configLoader) read() error {
	b, err := os.ReadFile(l.path)
	if err != nil {
		return err
	}
	l.data = b
	return nil
}

// Start returns once the first load is done. The error path skips the
// close, so Start hangs on a missing file.
func (l *configLoader) Start() {
	loaded := make(chan struct{})
	go func() {
		if err := l.read(); err != nil {
			fmt.Fprintln(os.Stderr, "config:", err)
			return
		}
		close(loaded)
	}()
	<-loaded // want `blocks forever receiving from loaded: the goroutine that sends on it can return without sending or closing it`
}

// StartFixed closes on every path.
func (l *configLoader) StartFixed() {
	loaded := make(chan struct{})
	go func() {
		defer close(loaded) // ok: deferred, runs on every return
		if err := l.read(); err != nil {
			fmt.Fprintln(os.Stderr, "config:", err)
			return
		}
	}()
	<-loaded
}

type shard struct {
	id    int
	owner string
}

// ownerIndex searches in the background; when nothing matches, the
// goroutine falls off the end and the receive never completes.
func ownerIndex(shards []shard, owner string) int {
	found := make(chan int)
	go func() {
		for i, s := range shards {
			if s.owner == owner {
				found <- i
				return
			}
		}
	}()
	return <-found // want `blocks forever receiving from found`
}

// ownerIndexFixed reports "not found" too.
func ownerIndexFixed(shards []shard, owner string) int {
	found := make(chan int)
	go func() {
		for i, s := range shards {
			if s.owner == owner {
				found <- i
				return
			}
		}
		found <- -1
	}()
	return <-found
}

// migrate sends the error on its early path as well: every path sends.
func migrate(dsn string) error {
	errc := make(chan error)
	go func() {
		if dsn == "" {
			errc <- errors.New("empty dsn")
			return
		}
		errc <- nil
	}()
	return <-errc
}

// mustListen panics instead of returning: the process dies, nothing leaks.
func mustListen(addr string) {
	ready := make(chan struct{})
	go func() {
		if addr == "" {
			panic("no address")
		}
		close(ready)
	}()
	<-ready
}

// warmup hands the channel to a helper that may signal it: not followed.
func warmup(ctx context.Context) {
	ready := make(chan struct{})
	go func() {
		if ctx.Err() != nil {
			return
		}
		signalReady(ready)
	}()
	<-ready // want `blocks forever receiving from ready`
}

func signalReady(ready chan struct{}) { close(ready) }

// awaitOrCancel also watches the context: a select is left alone.
func awaitOrCancel(ctx context.Context, l *configLoader) error {
	loaded := make(chan struct{})
	go func() {
		if err := l.read(); err != nil {
			return
		}
		close(loaded)
	}()
	select {
	case <-loaded:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// compact signals only callers that ask for it (done may be nil); this
// caller passes a channel, so the send happens.
func compact(done chan<- struct{}, segments [][]byte) {
	for i := range segments {
		segments[i] = segments[i][:0]
	}
	if done != nil {
		done <- struct{}{}
	}
}

func compactAsync(segments [][]byte) {
	done := make(chan struct{})
	go compact(done, segments)
	<-done // ok: compact sends whenever done is not nil
}

// watchOnce returns early only after the context is cancelled, which the
// caller does after it has received.
func watchOnce(ctx context.Context, updates chan<- int, initial int) {
	if initial < 0 {
		<-ctx.Done()
		return
	}
	updates <- initial
}

func firstUpdate(initial int) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	updates := make(chan int)
	go watchOnce(ctx, updates, initial)
	return <-updates // ok: the early return waits for cancel first
}

type page struct {
	items []string
	next  string
}

// listAll streams pages from a background fetcher; the fetcher gives up on
// an error without closing, and the range waits forever.
func listAll(fetch func(token string) (page, error)) []string {
	items := make(chan string)
	go func() {
		token := ""
		for {
			p, err := fetch(token)
			if err != nil {
				return
			}
			for _, it := range p.items {
				items <- it
			}
			if p.next == "" {
				break
			}
			token = p.next
		}
		close(items)
	}()
	var out []string
	for it := range items { // want `range over items never ends: the goroutine that sends on it can return without closing it`
		out = append(out, it)
	}
	return out
}

// listAllFixed closes on every path.
func listAllFixed(fetch func(token string) (page, error)) []string {
	items := make(chan string)
	go func() {
		defer close(items)
		token := ""
		for {
			p, err := fetch(token)
			if err != nil {
				return
			}
			for _, it := range p.items {
				items <- it
			}
			if p.next == "" {
				return
			}
			token = p.next
		}
	}()
	var out []string
	for it := range items {
		out = append(out, it)
	}
	return out
}
