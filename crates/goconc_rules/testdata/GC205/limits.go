package gc205

import (
	"context"
	"sync"

	"golang.org/x/sync/errgroup"
)

// A limited errgroup whose functions start more functions on the same
// group: Go blocks while the group is full, and when every running
// function is itself waiting in Go, nothing ever frees a slot.

type dirEntry struct {
	name     string
	children []*dirEntry
}

// scanTree starts a child's scan from inside a running scan.
func scanTree(ctx context.Context, root *dirEntry, visit func(*dirEntry) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	var scan func(e *dirEntry) error
	scan = func(e *dirEntry) error {
		if err := visit(e); err != nil {
			return err
		}
		for _, c := range e.children {
			g.Go(func() error { return scan(c) }) // want `g.Go can block forever: it runs inside a function that g itself runs, and g has a limit`
		}
		return ctx.Err()
	}
	g.Go(func() error { return scan(root) })
	return g.Wait()
}

// scanTreeTry falls back to scanning inline when the group is full.
func scanTreeTry(ctx context.Context, root *dirEntry, visit func(*dirEntry) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	var scan func(e *dirEntry) error
	scan = func(e *dirEntry) error {
		if err := visit(e); err != nil {
			return err
		}
		for _, c := range e.children {
			if !g.TryGo(func() error { return scan(c) }) { // ok: TryGo never blocks
				if err := scan(c); err != nil {
					return err
				}
			}
		}
		return ctx.Err()
	}
	g.Go(func() error { return scan(root) })
	return g.Wait()
}

// scanTreeUnlimited has no limit: Go never blocks.
func scanTreeUnlimited(ctx context.Context, root *dirEntry, visit func(*dirEntry) error) error {
	g, ctx := errgroup.WithContext(ctx)
	var scan func(e *dirEntry) error
	scan = func(e *dirEntry) error {
		if err := visit(e); err != nil {
			return err
		}
		for _, c := range e.children {
			g.Go(func() error { return scan(c) }) // ok: no limit
		}
		return ctx.Err()
	}
	g.Go(func() error { return scan(root) })
	return g.Wait()
}

// scanLevels collects each level first and starts its scans from the
// caller, never from inside the group.
func scanLevels(ctx context.Context, root *dirEntry, visit func(*dirEntry) error) error {
	level := []*dirEntry{root}
	for len(level) > 0 {
		g, _ := errgroup.WithContext(ctx)
		g.SetLimit(8)
		var next []*dirEntry
		for _, e := range level {
			g.Go(func() error { return visit(e) }) // ok: started by the caller
			next = append(next, e.children...)
		}
		if err := g.Wait(); err != nil {
			return err
		}
		level = next
	}
	return nil
}

// A worker declared as a variable and started with `go`: its own Add runs
// only once the goroutine is scheduled, possibly after Wait has returned.
func drainWorkQueue(work chan func(), workers int) {
	var wg sync.WaitGroup
	var worker func(id int)
	worker = func(id int) {
		wg.Add(1) // want `wg.Add inside the goroutine races with wg.Wait`
		defer wg.Done()
		for job := range work {
			job()
		}
	}
	for i := 1; i < workers; i++ {
		go worker(i)
	}
	worker(0)
	wg.Wait()
}
