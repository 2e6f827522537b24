package gc205

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"
)

// A results or error channel with fewer slots than the workers that may
// send to it, read only after Wait: once it is full the next sender
// blocks, never calls Done, and Wait never returns.

type segment struct {
	name string
	rows []string
}

type segmentStore interface {
	Persist(ctx context.Context, s segment) error
}

type compactor struct {
	store segmentStore
}

// One error slot for a goroutine per segment: two failures hang compact.
func (c *compactor) compact(ctx context.Context, segments []segment) error {
	errc := make(chan error, 1)
	var wg sync.WaitGroup
	for _, s := range segments {
		wg.Add(1)
		go func(s segment) { // related `a worker is started here for every item`
			defer wg.Done()
			if err := c.store.Persist(ctx, s); err != nil {
				errc <- fmt.Errorf("segment %s: %w", s.name, err) // related `a worker blocks here once errc is full`
			}
		}(s)
	}
	wg.Wait() // want `wg.Wait can block forever: errc has 1 slot but more workers may send to it, and it is read only after Wait`
	close(errc)
	return <-errc
}

// A constant number of replicas, more than the buffer holds.
func (c *compactor) replicate(ctx context.Context, s segment) []error {
	const replicas = 5
	acks := make(chan error, 3)
	var wg sync.WaitGroup
	for range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acks <- c.store.Persist(ctx, s)
		}()
	}
	wg.Wait() // want `wg.Wait can block forever: acks has 3 slots but more workers may send to it`
	close(acks)
	var errs []error
	for err := range acks {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// The same with an errgroup: g.Wait waits for functions stuck on the send.
func (c *compactor) persistAll(ctx context.Context, segments []segment) error {
	failed := make(chan string, 1)
	g, ctx := errgroup.WithContext(ctx)
	for _, s := range segments {
		g.Go(func() error {
			if err := c.store.Persist(ctx, s); err != nil {
				failed <- s.name
			}
			return nil
		})
	}
	err := g.Wait() // want `g.Wait can block forever: failed has 1 slot`
	close(failed)
	for name := range failed {
		err = errors.Join(err, fmt.Errorf("segment %s failed", name))
	}
	return err
}

// ok: the buffer is sized for every worker.
func (c *compactor) compactSized(ctx context.Context, segments []segment) error {
	errc := make(chan error, len(segments))
	var wg sync.WaitGroup
	for _, s := range segments {
		wg.Add(1)
		go func(s segment) {
			defer wg.Done()
			if err := c.store.Persist(ctx, s); err != nil {
				errc <- err
			}
		}(s)
	}
	wg.Wait()
	close(errc)
	return <-errc
}

// ok: a constant count that the buffer covers.
func (c *compactor) replicateCovered(ctx context.Context, s segment) []error {
	acks := make(chan error, 3)
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acks <- c.store.Persist(ctx, s)
		}()
	}
	wg.Wait()
	close(acks)
	var errs []error
	for err := range acks {
		errs = append(errs, err)
	}
	return errs
}

// ok: only the first error matters and later ones are dropped.
func (c *compactor) compactFirstError(ctx context.Context, segments []segment) error {
	errc := make(chan error, 1)
	var wg sync.WaitGroup
	for _, s := range segments {
		wg.Add(1)
		go func(s segment) {
			defer wg.Done()
			if err := c.store.Persist(ctx, s); err != nil {
				select {
				case errc <- err:
				default:
				}
			}
		}(s)
	}
	wg.Wait()
	close(errc)
	return <-errc
}

// ok: two fixed goroutines that each send at most once, not a worker per item.
func (c *compactor) compactPair(ctx context.Context, primary, mirror segment) error {
	errc := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := c.store.Persist(ctx, primary); err != nil {
			errc <- err
		}
	}()
	go func() {
		defer wg.Done()
		if err := c.store.Persist(ctx, mirror); err != nil {
			errc <- err
		}
	}()
	wg.Wait()
	close(errc)
	return <-errc
}

// ok: the errors are drained while the workers run.
func (c *compactor) compactDrained(ctx context.Context, segments []segment) error {
	errc := make(chan error, 1)
	var wg sync.WaitGroup
	for _, s := range segments {
		wg.Add(1)
		go func(s segment) {
			defer wg.Done()
			if err := c.store.Persist(ctx, s); err != nil {
				errc <- err
			}
		}(s)
	}
	go func() {
		wg.Wait()
		close(errc)
	}()
	var first error
	for err := range errc {
		if first == nil {
			first = err
		}
	}
	return first
}

// ok: Add(2) per iteration for the two goroutines of whichever branch runs.
func (c *compactor) shuffle(ctx context.Context, segments []segment, flip func() bool) {
	var wg sync.WaitGroup
	for range 4 {
		s := segments[0]
		wg.Add(2)
		if flip() {
			go func() { defer wg.Done(); _ = c.store.Persist(ctx, s) }()
			go func() { defer wg.Done(); _ = c.store.Persist(ctx, s) }()
		} else {
			go func() { defer wg.Done(); _ = c.store.Persist(ctx, s) }()
			go func() { defer wg.Done(); _ = c.store.Persist(ctx, s) }()
		}
	}
	wg.Wait()
}

type scanPool struct {
	parallelism int
	store       segmentStore
}

// A buffer sized to the configured parallelism, not to the segments.
func (p *scanPool) scan(ctx context.Context, segments []segment) []error {
	errs := make(chan error, p.parallelism)
	var wg sync.WaitGroup
	for _, s := range segments {
		wg.Add(1)
		go func(s segment) {
			defer wg.Done()
			errs <- p.store.Persist(ctx, s)
		}(s)
	}
	wg.Wait() // want `wg.Wait can block forever: errs has p.parallelism slots but more workers may send to it`
	close(errs)
	var out []error
	for err := range errs {
		out = append(out, err)
	}
	return out
}

// ok: one worker per slot of the configured parallelism.
func (p *scanPool) scanWorkers(ctx context.Context, segments []segment) []error {
	errs := make(chan error, p.parallelism)
	var wg sync.WaitGroup
	for i := 0; i < p.parallelism; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- p.store.Persist(ctx, segments[i%len(segments)])
		}(i)
	}
	wg.Wait()
	close(errs)
	var out []error
	for err := range errs {
		out = append(out, err)
	}
	return out
}

// One worker per slot of the buffer: every send fits, so Wait returns and
// the results are read after it.
func (c *compactor) probeAll(ctx context.Context, s segment) int {
	probes := make(chan error, 8)
	var wg sync.WaitGroup
	for i := 0; i < cap(probes); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			probes <- c.store.Persist(ctx, s)
		}()
	}
	wg.Wait() // ok: one worker per slot
	close(probes)
	failed := 0
	for err := range probes {
		if err != nil {
			failed++
		}
	}
	return failed
}

// One worker more than the buffer holds: the last send blocks, and Wait
// with it.
func (c *compactor) probeAllAndLeader(ctx context.Context, s segment) int {
	probes := make(chan error, 8)
	var wg sync.WaitGroup
	for i := 0; i <= cap(probes); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			probes <- c.store.Persist(ctx, s)
		}()
	}
	wg.Wait() // want `wg.Wait can block forever: probes has 8 slots but more workers may send to it`
	close(probes)
	failed := 0
	for err := range probes {
		if err != nil {
			failed++
		}
	}
	return failed
}
