package gc205

import (
	"context"
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
