package gc103

import (
	"context"
	"sync"
	"time"
)

// A metrics aggregator per partition. The loop ends only when its input is
// closed, but the service stops it by cancelling the context it passed:
// Stop cancels and waits, the loop never looks at the context, and
// nothing in the package closes the input. Stop hangs.
type sample struct {
	name  string
	value float64
}

type aggregator struct {
	in    chan sample
	every time.Duration
	emit  func(context.Context, map[string]float64)
}

func (a *aggregator) run(ctx context.Context) {
	sums := make(map[string]float64)
	t := time.NewTicker(a.every)
	defer t.Stop()
	for {
		select { // want `select in a loop has no case <-ctx.Done\(\): this goroutine cannot be shut down`
		case s, ok := <-a.in:
			if !ok {
				a.emit(ctx, sums)
				return
			}
			sums[s.name] += s.value
		case <-t.C:
			a.emit(ctx, sums)
			sums = make(map[string]float64)
		}
	}
}

type aggregatorService struct {
	parts  []*aggregator
	wg     sync.WaitGroup
	cancel context.CancelFunc
}

func (s *aggregatorService) Start(ctx context.Context) {
	ctx, s.cancel = context.WithCancel(ctx)
	for _, a := range s.parts {
		s.wg.Add(1)
		go func(a *aggregator) {
			defer s.wg.Done()
			a.run(ctx)
		}(a)
	}
}

func (s *aggregatorService) Stop() {
	s.cancel()
	s.wg.Wait()
}

// Fixed: the loop watches the context too.
type flusher struct {
	in    chan sample
	every time.Duration
	emit  func(context.Context, []sample)
}

func (f *flusher) run(ctx context.Context) {
	var buf []sample
	t := time.NewTicker(f.every)
	defer t.Stop()
	for {
		select {
		case s, ok := <-f.in:
			if !ok {
				f.emit(ctx, buf)
				return
			}
			buf = append(buf, s)
		case <-t.C:
			f.emit(ctx, buf)
			buf = nil
		case <-ctx.Done():
			f.emit(context.Background(), buf)
			return
		}
	}
}

type flusherService struct {
	parts  []*flusher
	wg     sync.WaitGroup
	cancel context.CancelFunc
}

func (s *flusherService) Start(ctx context.Context) {
	ctx, s.cancel = context.WithCancel(ctx)
	for _, f := range s.parts {
		s.wg.Add(1)
		go func(f *flusher) {
			defer s.wg.Done()
			f.run(ctx)
		}(f)
	}
}

func (s *flusherService) Stop() {
	s.cancel()
	s.wg.Wait()
}

// Fine: the owner stops the loop by closing its input; the context is
// only handed down to the emitter.
type forwarder struct {
	in    chan sample
	every time.Duration
	send  func(context.Context, []sample)
}

func (f *forwarder) run(ctx context.Context) {
	var buf []sample
	t := time.NewTicker(f.every)
	defer t.Stop()
	for {
		select {
		case s, ok := <-f.in:
			if !ok {
				f.send(ctx, buf)
				return
			}
			buf = append(buf, s)
		case <-t.C:
			f.send(ctx, buf)
			buf = nil
		}
	}
}

func startForwarder(ctx context.Context, f *forwarder, wg *sync.WaitGroup) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		f.run(ctx)
	}()
}
