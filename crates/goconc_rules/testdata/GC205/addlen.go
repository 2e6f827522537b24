package gc205

import (
	"context"
	"errors"
	"sync"
	"time"
)

// A scraper probes every enabled target in parallel. The group is sized
// for every target, but disabled targets are skipped: Wait waits for
// probes that never started.
type scrapeTarget struct {
	URL      string
	Disabled bool
}

type scrapeSample struct {
	URL     string
	Latency time.Duration
	Err     error
}

type targetScraper struct {
	probe func(ctx context.Context, url string) error
}

func (s *targetScraper) ScrapeOnce(ctx context.Context, targets []scrapeTarget) []scrapeSample {
	samples := make([]scrapeSample, len(targets))
	var wg sync.WaitGroup
	wg.Add(len(targets)) // want `wg.Add\(len\(targets\)\) counts every element, but the loop that starts the goroutines skips it`
	for i, t := range targets {
		if t.Disabled {
			continue // related "an iteration can end here"
		}
		go func(i int, url string) {
			defer wg.Done()
			start := time.Now()
			err := s.probe(ctx, url)
			samples[i] = scrapeSample{URL: url, Latency: time.Since(start), Err: err}
		}(i, t.URL)
	}
	wg.Wait()
	return samples
}

// The same sweep with the goroutine started only for healthy targets.
func (s *targetScraper) ProbeHealthy(ctx context.Context, targets []scrapeTarget) {
	var wg sync.WaitGroup
	wg.Add(len(targets)) // want "starts it only on some iterations"
	for _, t := range targets {
		if !t.Disabled {
			go func(url string) {
				defer wg.Done()
				_ = s.probe(ctx, url)
			}(t.URL)
		}
	}
	wg.Wait()
}

// Fixed: skipped targets settle their share of the count.
func (s *targetScraper) ScrapeEnabled(ctx context.Context, targets []scrapeTarget) {
	var wg sync.WaitGroup
	wg.Add(len(targets)) // ok: the skip path calls wg.Done
	for _, t := range targets {
		if t.Disabled {
			wg.Done()
			continue
		}
		go func(url string) {
			defer wg.Done()
			_ = s.probe(ctx, url)
		}(t.URL)
	}
	wg.Wait()
}

// Every element gets its goroutine; the `continue` belongs to an inner
// loop inside the goroutine.
func (s *targetScraper) ScrapeAll(ctx context.Context, targets []scrapeTarget) {
	var wg sync.WaitGroup
	wg.Add(len(targets)) // ok: one goroutine per element, on every iteration
	for _, t := range targets {
		go func(url string) {
			defer wg.Done()
			for attempt := 0; attempt < 3; attempt++ {
				if err := s.probe(ctx, url); err != nil {
					continue
				}
				return
			}
		}(t.URL)
	}
	wg.Wait()
}

// A settler that gives up on the first cancelled lane: the return leaves
// the function and its own group together, so nobody waits for the lanes
// that never started.
type laneSettler struct {
	settle func(ctx context.Context, lane uint64) error
}

// ok: returning abandons the local group; Wait is never reached.
func (s *laneSettler) SettleLanes(ctx context.Context, lanes []uint64) error {
	var wg sync.WaitGroup
	errs := make([]error, len(lanes))
	wg.Add(len(lanes))
	for i, lane := range lanes {
		if err := ctx.Err(); err != nil {
			return err
		}
		go func(i int, lane uint64) {
			defer wg.Done()
			errs[i] = s.settle(ctx, lane)
		}(i, lane)
	}
	wg.Wait()
	return errors.Join(errs...)
}

// The same early return with the group in a field: Close still waits for
// every lane counted.
type trackedSettler struct {
	settle   func(ctx context.Context, lane uint64) error
	inflight sync.WaitGroup
}

func (s *trackedSettler) SettleLanes(ctx context.Context, lanes []uint64) error {
	s.inflight.Add(len(lanes)) // want `s.inflight.Add\(len\(lanes\)\) counts every element, but the loop that starts the goroutines skips it`
	for _, lane := range lanes {
		if err := ctx.Err(); err != nil {
			return err
		}
		go func(lane uint64) {
			defer s.inflight.Done()
			_ = s.settle(ctx, lane)
		}(lane)
	}
	return nil
}

func (s *trackedSettler) Close() {
	s.inflight.Wait()
}
