package fanout

import "sync"

// Prefetcher warms a rate card cache in the background before the first
// checkout needs it.
type Prefetcher struct {
	mu    sync.Mutex
	rates map[string]int64
	load  func(region string) int64
}

// NewPrefetcher returns a Prefetcher using load to fetch one region's rate.
func NewPrefetcher(load func(region string) int64) *Prefetcher {
	return &Prefetcher{rates: make(map[string]int64), load: load}
}

// Warm loads the given regions with a small worker.
//
// BUG (GC102): regions is never closed, so the worker's range never ends
// and the goroutine leaks once every region has been handed over.
func (p *Prefetcher) Warm(regionList []string) {
	regions := make(chan string)
	go func() {
		for r := range regions {
			rate := p.load(r)
			p.mu.Lock()
			p.rates[r] = rate
			p.mu.Unlock()
		}
	}()
	for _, r := range regionList {
		regions <- r
	}
}

// Rate returns a cached rate.
func (p *Prefetcher) Rate(region string) (int64, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.rates[region]
	return r, ok
}
