package gc103

import (
	"context"
	"sync"
)

type importRecord struct{ id string }

// bulkImporter models a CLI import: a worker pool posts records and
// reports each result on errc; one reader drains errc until it is closed
// after the workers' Wait.
type bulkImporter struct {
	post func(ctx context.Context, r importRecord) error
}

func (b *bulkImporter) worker(ctx context.Context, records <-chan importRecord, errc chan<- error) {
	for r := range records {
		errc <- b.post(ctx, r) // ok: the reader drains errc until it is closed
	}
}

// Import counts failures; the reader never stops before errc is closed.
func (b *bulkImporter) Import(ctx context.Context, all []importRecord) int {
	records := make(chan importRecord)
	errc := make(chan error)
	failed := 0
	done := make(chan struct{})
	go func() {
		for err := range errc {
			if err != nil {
				failed++
			}
		}
		close(done)
	}()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.worker(ctx, records, errc)
		}()
	}
	for _, r := range all {
		records <- r
	}
	close(records)
	wg.Wait()
	close(errc)
	<-done
	return failed
}

// firstFailure's reader stops at the first error: the other workers'
// sends on errs block forever, and ctx cannot release them.
type firstFailure struct {
	post func(ctx context.Context, r importRecord) error
}

func (b *firstFailure) worker(ctx context.Context, records <-chan importRecord, errs chan<- error) {
	for r := range records {
		errs <- b.post(ctx, r) // want "send to errs in a loop has no case <-ctx.Done\\(\\)"
	}
}

// Import returns on the first failure.
func (b *firstFailure) Import(ctx context.Context, all []importRecord) error {
	records := make(chan importRecord, len(all))
	errs := make(chan error)
	for _, r := range all {
		records <- r
	}
	close(records)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.worker(ctx, records, errs)
		}()
	}
	go func() {
		wg.Wait()
		close(errs)
	}()
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
