package gc203

import (
	"context"
	"errors"

	"golang.org/x/sync/semaphore"
)

// semaphore.Weighted acquired and released in one function: a return
// between a successful Acquire and the Release loses the weight for good.

type exportLimiter struct {
	sem *semaphore.Weighted
}

func (l *exportLimiter) export(ctx context.Context, rows []string, write func([]string) error) error {
	if err := l.sem.Acquire(ctx, 1); err != nil {
		return err // ok: Acquire failed, nothing is held
	}
	if len(rows) == 0 {
		return errors.New("nothing to export") // want `l.sem is not released on this path: the function returns after a successful Acquire without l.sem.Release`
	}
	err := write(rows)
	l.sem.Release(1) // related `released here on the other paths`
	return err
}

func (l *exportLimiter) tryExport(rows []string, write func([]string) error) error {
	if !l.sem.TryAcquire(1) {
		return errors.New("busy") // ok: nothing acquired
	}
	if err := write(rows); err != nil {
		return err // want `l.sem is not released on this path: the function returns after a successful Acquire without l.sem.Release`
	}
	l.sem.Release(1)
	return nil
}

// Fixed: a deferred Release.
func (l *exportLimiter) exportDeferred(ctx context.Context, rows []string, write func([]string) error) error {
	if err := l.sem.Acquire(ctx, 1); err != nil {
		return err
	}
	defer l.sem.Release(1) // ok: released on every path
	if len(rows) == 0 {
		return errors.New("nothing to export")
	}
	return write(rows)
}

// Fixed: released before every return.
func (l *exportLimiter) exportEachPath(ctx context.Context, rows []string, write func([]string) error) error {
	err := l.sem.Acquire(ctx, 1)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		l.sem.Release(1)
		return errors.New("nothing to export") // ok: released just before
	}
	err = write(rows)
	l.sem.Release(1)
	return err
}

// The weight is handed to a goroutine that releases it.
func (l *exportLimiter) exportAsync(ctx context.Context, rows []string, write func([]string) error) error {
	if err := l.sem.Acquire(ctx, 1); err != nil {
		return err
	}
	go func() {
		defer l.sem.Release(1)
		_ = write(rows)
	}()
	return nil // ok: the goroutine releases it
}
