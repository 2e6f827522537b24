package gc101

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
)

// Functions that return a channel fed by one goroutine: the goroutine owns
// the channel and must close it on every way out, or a caller ranging over
// it waits forever.

type changeEvent struct {
	key   string
	value string
}

// watchChanges closes out when the stream ends or is cancelled, but not
// when a line fails to parse.
func watchChanges(ctx context.Context, r io.Reader) <-chan changeEvent {
	out := make(chan changeEvent)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			key, value, ok := strings.Cut(sc.Text(), "=")
			if !ok {
				return // want `the goroutine feeding out returns here without closing it: watchChanges returns out to its callers, and a range over it never ends`
			}
			select {
			case out <- changeEvent{key: key, value: value}:
			case <-ctx.Done():
				close(out)
				return
			}
		}
		close(out) // related `out is closed only on the other paths`
	}()
	return out
}

type logRecord struct {
	line string
}

// tailRecords returns on a read error without closing records.
func tailRecords(r *bufio.Reader) <-chan logRecord {
	records := make(chan logRecord)
	go func() {
		for {
			line, err := r.ReadString('\n')
			if errors.Is(err, io.EOF) {
				close(records)
				return
			}
			if err != nil {
				return // want `the goroutine feeding records returns here without closing it: tailRecords returns records to its callers, and a range over it never ends`
			}
			records <- logRecord{line: line}
		}
	}()
	return records
}

// Fixed: a deferred close covers every path.
func watchChangesDeferred(ctx context.Context, r io.Reader) <-chan changeEvent {
	out := make(chan changeEvent)
	go func() {
		defer close(out) // ok: closed on every path
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			key, value, ok := strings.Cut(sc.Text(), "=")
			if !ok {
				return
			}
			select {
			case out <- changeEvent{key: key, value: value}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// Fixed: every return closes first.
func tailRecordsClosed(r *bufio.Reader) <-chan logRecord {
	records := make(chan logRecord)
	go func() {
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				close(records)
				return // ok: closed just before
			}
			records <- logRecord{line: line}
		}
	}()
	return records
}

// Leaving on cancellation without closing: callers select on the same
// context, so this is the caller's contract, not reported.
func pollChanges(ctx context.Context, next func() (changeEvent, bool)) <-chan changeEvent {
	out := make(chan changeEvent)
	go func() {
		for {
			ev, ok := next()
			if !ok {
				close(out)
				return
			}
			select {
			case out <- ev:
			case <-ctx.Done():
				return // ok: cancellation, which the caller watches too
			}
		}
	}()
	return out
}

// A producer that never closes at all is a different bug (GC102 reports
// ranges over channels nothing closes); here nothing suggests callers range.
func sampleValues(values []int) <-chan int {
	out := make(chan int, len(values))
	go func() {
		for _, v := range values {
			if v < 0 {
				return // ok: this goroutine never closes out on any path
			}
			out <- v
		}
	}()
	return out
}

// The error path sends the error before it stops: a caller reads one value
// (the error, or the zero value when the channel is closed).
func acceptOnce(accept func() (io.Closer, error)) <-chan error {
	errc := make(chan error, 1)
	go func() {
		c, err := accept()
		if err != nil {
			errc <- err
			return // ok: the error was sent
		}
		defer c.Close()
		close(errc)
	}()
	return errc
}
