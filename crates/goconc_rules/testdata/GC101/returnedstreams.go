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

// A membership feed whose consumer ranges over the call directly and
// returns at the first match: the feeder, parked in a plain send inside its
// select case, never sees the cancelled context.
type memberFeed struct {
	updates chan string
}

func (m *memberFeed) Follow(ctx context.Context) <-chan string {
	out := make(chan string)
	go func() {
		defer close(out)
		for {
			select {
			case name := <-m.updates:
				out <- name // want "goroutine blocks forever sending to out: Follow returns it, and AwaitMember can stop receiving"
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

func (m *memberFeed) AwaitMember(ctx context.Context, want string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for name := range m.Follow(ctx) {
		if name == want {
			return nil // related "returns here"
		}
	}
	return ctx.Err()
}

// A log tailer whose stream is never closed: the feeding goroutine stops
// on cancellation or a read error, and the indexer ranging over the lines
// waits forever, so Close waits for it forever too.
type logTailer struct {
	read    func() (string, error)
	indexed chan struct{}
	cancel  context.CancelFunc
	count   int
}

func tailLines(ctx context.Context, read func() (string, error)) <-chan string {
	out := make(chan string)
	go func() {
		for {
			line, err := read()
			if err != nil {
				return // related "returns here without closing it"
			}
			select {
			case out <- line:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

func newLogTailer(read func() (string, error)) *logTailer {
	return &logTailer{read: read, indexed: make(chan struct{})}
}

func (t *logTailer) Start(ctx context.Context) {
	ctx, t.cancel = context.WithCancel(ctx)
	lines := tailLines(ctx, t.read)
	go t.index(lines)
}

func (t *logTailer) index(lines <-chan string) {
	defer close(t.indexed)
	for range lines { // want "range over the stream of tailLines never ends: the goroutine feeding it can return without closing it"
		t.count++
	}
}

func (t *logTailer) Close() {
	t.cancel()
	<-t.indexed
}

// The fixed tailer closes its stream on every way out.
func tailLinesClosed(ctx context.Context, read func() (string, error)) <-chan string {
	out := make(chan string)
	go func() {
		defer close(out)
		for {
			line, err := read()
			if err != nil {
				return
			}
			select {
			case out <- line:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

func countLines(ctx context.Context, read func() (string, error)) int {
	n := 0
	for range tailLinesClosed(ctx, read) { // ok: closed by the feeder on every path
		n++
	}
	return n
}

// An endless heartbeat generator: its consumers range over it for the
// life of the process by design.
func heartbeats(every time.Duration) <-chan time.Time {
	out := make(chan time.Time)
	go func() {
		for {
			time.Sleep(every)
			out <- time.Now()
		}
	}()
	return out
}

func logHeartbeats(every time.Duration, logf func(string, ...any)) {
	for at := range heartbeats(every) { // ok: the generator never stops, so neither does the loop
		logf("alive at %v", at)
	}
}

// A sequence generator that stops only when its consumer cancels: the
// consumer breaks out of its range first and cancels afterwards, so it is
// never left waiting.
func sequence(ctx context.Context) <-chan int {
	out := make(chan int)
	go func() {
		for n := 1; ; n++ {
			select {
			case out <- n:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

func firstMultiple(k int) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for n := range sequence(ctx) { // ok: the range breaks on its own before the context is cancelled
		if n%k == 0 {
			return n
		}
	}
	return 0
}
