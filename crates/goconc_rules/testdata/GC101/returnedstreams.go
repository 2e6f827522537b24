package gc101

import (
	"context"
	"time"
)

// A polling change feed. Watch returns a stream fed by one goroutine that
// checks ctx only between polls; its sends are plain. A consumer that
// stops reading (found what it waited for, or gave up on ctx) leaves the
// feeder parked in `out <- ev` for good: the cancellation it would see at
// the top of its loop never reaches it.
type feedEvent struct {
	Key     string
	Deleted bool
	Rev     int64
}

type feedSource interface {
	Poll(ctx context.Context, afterRev int64) ([]feedEvent, error)
}

type changeFeed struct {
	src      feedSource
	interval time.Duration
}

func (w *changeFeed) Watch(ctx context.Context, rev int64) <-chan feedEvent {
	out := make(chan feedEvent)
	go func() {
		defer close(out)
		t := time.NewTicker(w.interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			evs, err := w.src.Poll(ctx, rev)
			if err != nil {
				continue
			}
			for _, ev := range evs {
				out <- ev // want "goroutine blocks forever sending to out: Watch returns it, and WaitDeleted can stop receiving"
				rev = ev.Rev
			}
		}
	}()
	return out
}

// WaitDeleted blocks until key is deleted or ctx ends.
func (w *changeFeed) WaitDeleted(ctx context.Context, key string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events := w.Watch(ctx, 0) // related "the stream is taken here"
	for {
		select {
		case <-ctx.Done(): // related "stops listening"
			return ctx.Err()
		case ev := <-events:
			if ev.Deleted && ev.Key == key {
				return nil
			}
		}
	}
}

// The fixed feed selects on ctx for every send.
type cancellableFeed struct {
	src      feedSource
	interval time.Duration
}

func (w *cancellableFeed) Watch(ctx context.Context, rev int64) <-chan feedEvent {
	out := make(chan feedEvent)
	go func() {
		defer close(out)
		for {
			evs, err := w.src.Poll(ctx, rev)
			if err != nil {
				return
			}
			for _, ev := range evs {
				select {
				case out <- ev: // ok: the send also watches ctx, which the consumer cancels
				case <-ctx.Done():
					return
				}
			}
			time.Sleep(w.interval)
		}
	}()
	return out
}

func (w *cancellableFeed) WaitDeleted(ctx context.Context, key string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for ev := range w.Watch(ctx, 0) {
		if ev.Deleted && ev.Key == key {
			return nil
		}
	}
	return ctx.Err()
}

// A finite stream consumed to the end: nothing stops reading early.
type snapshotLister struct {
	keys []string
}

func (l *snapshotLister) List() <-chan string {
	out := make(chan string)
	go func() {
		defer close(out)
		for _, k := range l.keys {
			out <- k // ok: the only consumer drains the stream to its close
		}
	}()
	return out
}

func (l *snapshotLister) Count() int {
	n := 0
	for range l.List() {
		n++
	}
	return n
}
