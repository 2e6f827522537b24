package gc102

import (
	"context"
	"sync"
)

// A hand-written errgroup: Go runs each function in a goroutine through a
// closure, and the first error cancels the shared context.
type taskGroup struct {
	wg      sync.WaitGroup
	errOnce sync.Once
	err     error
	cancel  context.CancelFunc
}

func newTaskGroup(ctx context.Context) (*taskGroup, context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	return &taskGroup{cancel: cancel}, ctx
}

func (g *taskGroup) Go(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(); err != nil {
			g.errOnce.Do(func() {
				g.err = err
				g.cancel()
			})
		}
	}()
}

func (g *taskGroup) Wait() error {
	g.wg.Wait()
	g.cancel()
	return g.err
}

// The feeder leaves on cancellation without closing the queue, and the
// other workers range over it forever.
func indexAll(ctx context.Context, docs []string, workers int, index func(string) error) error {
	g, ctx := newTaskGroup(ctx)
	queue := make(chan string)
	g.Go(func() error {
		for _, d := range docs {
			select {
			case queue <- d:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		close(queue)
		return nil
	})
	for i := 0; i < workers; i++ {
		g.Go(func() error {
			for d := range queue { // want `this waits forever when the goroutine returns without closing queue`
				if err := index(d); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// Negative: the feeder closes the queue on every way out.
func indexAllFixed(ctx context.Context, docs []string, workers int, index func(string) error) error {
	g, ctx := newTaskGroup(ctx)
	queue := make(chan string)
	g.Go(func() error {
		defer close(queue)
		for _, d := range docs {
			select {
			case queue <- d:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	for i := 0; i < workers; i++ {
		g.Go(func() error {
			for d := range queue {
				if err := index(d); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}
