package gc103

import (
	"context"
	"sync"
)

// A file syncer's pull pipeline: copier and puller stages send finished
// files to a finisher stage that ranges over its input until the
// coordinator closes it after the stages' Wait. Every stage is handed its
// channels as parameters.
type syncFile struct {
	name   string
	failed error
}

type fileSyncer struct {
	fetch  func(ctx context.Context, f syncFile) error
	commit func(f syncFile) error
	errs   []error
	mu     sync.Mutex
}

func (s *fileSyncer) pullerStage(ctx context.Context, in <-chan syncFile, out chan<- syncFile) {
	for f := range in {
		if f.failed != nil {
			out <- f // ok: the finisher ranges over this channel until it is closed
			continue
		}
		f.failed = s.fetch(ctx, f)
		out <- f // ok
	}
}

func (s *fileSyncer) finisherStage(in <-chan syncFile) {
	for f := range in {
		if f.failed == nil {
			f.failed = s.commit(f)
		}
		if f.failed != nil {
			s.mu.Lock()
			s.errs = append(s.errs, f.failed)
			s.mu.Unlock()
		}
	}
}

func (s *fileSyncer) pullIteration(ctx context.Context, files []syncFile) {
	pullChan := make(chan syncFile)
	finisherChan := make(chan syncFile, 4)
	var pullWg, doneWg sync.WaitGroup
	for i := 0; i < 4; i++ {
		pullWg.Add(1)
		go func() {
			defer pullWg.Done()
			s.pullerStage(ctx, pullChan, finisherChan)
		}()
	}
	doneWg.Add(1)
	go func() {
		defer doneWg.Done()
		s.finisherStage(finisherChan)
	}()
	for _, f := range files {
		pullChan <- f
	}
	close(pullChan)
	pullWg.Wait()
	close(finisherChan)
	doneWg.Wait()
}

// The same pipeline whose finisher gives up at the first commit error: the
// pullers' sends on out then block forever, and ctx cannot free them.
type strictSyncer struct {
	fetch  func(ctx context.Context, f syncFile) error
	commit func(f syncFile) error
	err    error
}

func (s *strictSyncer) pullerStage(ctx context.Context, in <-chan syncFile, out chan<- syncFile) {
	for f := range in {
		f.failed = s.fetch(ctx, f)
		out <- f // want "send to out in a loop has no case <-ctx.Done\(\)"
	}
}

func (s *strictSyncer) finisherStage(in <-chan syncFile) {
	for f := range in {
		if err := s.commit(f); err != nil {
			s.err = err
			return
		}
	}
}

func (s *strictSyncer) pullIteration(ctx context.Context, files []syncFile) error {
	pullChan := make(chan syncFile)
	finisherChan := make(chan syncFile)
	var pullWg sync.WaitGroup
	for i := 0; i < 4; i++ {
		pullWg.Add(1)
		go func() {
			defer pullWg.Done()
			s.pullerStage(ctx, pullChan, finisherChan)
		}()
	}
	done := make(chan struct{})
	go func() {
		s.finisherStage(finisherChan)
		close(done)
	}()
	for _, f := range files {
		pullChan <- f
	}
	close(pullChan)
	pullWg.Wait()
	close(finisherChan)
	<-done
	return s.err
}
