package gc103

import (
	"context"
	"time"
)

type pushMessage struct{ payload string }

// subscription models a client library's receive loop: it runs until the
// connection is closed and hands messages over with a bounded wait.
type subscription struct {
	receive func(ctx context.Context) (*pushMessage, error)
	out     chan *pushMessage
	closed  func(error) bool
}

// start uses a context nobody can cancel (context.TODO): asking for a
// ctx.Done() case would not make the loop stoppable.
func (s *subscription) start() {
	ctx := context.TODO()
	go func() {
		for {
			msg, err := s.receive(ctx)
			if err != nil {
				if s.closed(err) {
					return
				}
				continue
			}
			s.out <- msg // ok: ctx is context.TODO(), it can never be cancelled
		}
	}()
}

// startCancellable owns a cancellable context and still ignores it while
// handing messages over.
func (s *subscription) startCancellable(parent context.Context) context.CancelFunc {
	ctx, cancel := context.WithCancel(parent)
	go func() {
		for {
			msg, err := s.receive(ctx)
			if err != nil {
				return
			}
			s.out <- msg // want "send to s.out in a loop has no case <-ctx.Done\\(\\)"
		}
	}()
	return cancel
}

// startBackgroundTicker waits on a ticker in a loop; Background cannot be
// cancelled either, so only the missing stop channel matters, and there is
// none to ask for here.
func (s *subscription) startBackgroundTicker(every time.Duration) {
	ctx := context.Background()
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for range t.C { // ok: ctx is context.Background()
			if _, err := s.receive(ctx); err != nil && s.closed(err) {
				return
			}
		}
	}()
}
