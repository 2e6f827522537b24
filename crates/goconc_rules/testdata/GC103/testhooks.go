package gc103

import "context"

// A log range scanner with a test hook: production code leaves
// indexHook nil, and only the package's tests set it to observe progress.
type indexEvent struct {
	kind  string
	block uint64
}

type rangeScanner struct {
	indexHook chan indexEvent
	progress  chan uint64
	scan      func(ctx context.Context, block uint64) error
}

func newRangeScanner(scan func(context.Context, uint64) error) *rangeScanner {
	return &rangeScanner{scan: scan, progress: make(chan uint64)}
}

func (s *rangeScanner) run(ctx context.Context, from, to uint64) error {
	for b := from; b <= to; b++ {
		if err := s.scan(ctx, b); err != nil {
			return err
		}
		if s.indexHook != nil {
			s.indexHook <- indexEvent{kind: "indexed", block: b} // ok: only tests set indexHook
		}
		s.progress <- b // want "send to s.progress in a loop has no case <-ctx.Done\(\)"
	}
	return nil
}
