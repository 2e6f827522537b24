package gc205

import (
	"context"
	"sync"

	"golang.org/x/sync/errgroup"
)

// replicaSync models a replication step that reserves one slot per
// replica but only spawns followers (the leader is skipped): the counter
// never reaches zero.
type replicaSync struct {
	push func(replica int)
}

// SyncFollowers adds three but starts two goroutines.
func (r *replicaSync) SyncFollowers() {
	var wg sync.WaitGroup
	wg.Add(3) // want "Add\\(3\\) does not match"
	for i := 1; i < 3; i++ {
		go func() {
			defer wg.Done()
			r.push(i)
		}()
	}
	wg.Wait()
}

// SyncFollowersFixed adds exactly the number of goroutines it starts.
func (r *replicaSync) SyncFollowersFixed() {
	var wg sync.WaitGroup
	wg.Add(2) // ok: two iterations, one Done each
	for i := 1; i < 3; i++ {
		go func() {
			defer wg.Done()
			r.push(i)
		}()
	}
	wg.Wait()
}

// proxyPipe models a bidirectional proxy that adds one for "the copy" but
// starts two copying goroutines that both call Done: the counter goes
// negative and panics.
type proxyPipe struct {
	upstream   func()
	downstream func()
}

// Run adds one but has two Done calls.
func (p *proxyPipe) Run() {
	var wg sync.WaitGroup
	wg.Add(1) // want "Add\\(1\\) does not match"
	go func() {
		defer wg.Done()
		p.upstream()
	}()
	go func() {
		defer wg.Done()
		p.downstream()
	}()
	wg.Wait()
}

// RunFixed adds two for the two copying goroutines.
func (p *proxyPipe) RunFixed() {
	var wg sync.WaitGroup
	wg.Add(2) // ok: two goroutines, one Done each
	go func() {
		defer wg.Done()
		p.upstream()
	}()
	go func() {
		defer wg.Done()
		p.downstream()
	}()
	wg.Wait()
}

// warmAll models the usual Add(len(items)) before a loop over the same
// items.
func warmAll(keys []string, warm func(string)) {
	var wg sync.WaitGroup
	wg.Add(len(keys)) // ok: one goroutine per key
	for _, k := range keys {
		go func() {
			defer wg.Done()
			warm(k)
		}()
	}
	wg.Wait()
}

// checksum is the result of hashing one file.
type checksum struct {
	path string
	sum  uint32
}

// hasher models the "channel with WaitGroup" deadlock: workers send on an
// unbuffered results channel that is only read after wg.Wait(), so the
// workers block on their sends and Wait never returns.
type hasher struct {
	hash func(string) uint32
}

// HashAll reads results only after Wait.
func (h *hasher) HashAll(paths []string) []checksum {
	results := make(chan checksum)
	var wg sync.WaitGroup
	for _, p := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- checksum{path: p, sum: h.hash(p)}
		}()
	}
	wg.Wait() // want "Wait .*sending to results"
	close(results)
	var out []checksum
	for c := range results {
		out = append(out, c)
	}
	return out
}

// HashAllBuffered sizes results for every worker, so Wait can come first.
func (h *hasher) HashAllBuffered(paths []string) []checksum {
	results := make(chan checksum, len(paths))
	var wg sync.WaitGroup
	for _, p := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- checksum{path: p, sum: h.hash(p)}
		}()
	}
	wg.Wait() // ok: results has capacity len(paths), no worker blocks
	close(results)
	var out []checksum
	for c := range results {
		out = append(out, c)
	}
	return out
}

// HashAllStreaming waits in a closer goroutine and reads concurrently.
func (h *hasher) HashAllStreaming(paths []string) []checksum {
	results := make(chan checksum)
	var wg sync.WaitGroup
	for _, p := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- checksum{path: p, sum: h.hash(p)}
		}()
	}
	go func() {
		wg.Wait() // ok: the closer goroutine never calls Done, and results is read concurrently
		close(results)
	}()
	var out []checksum
	for c := range results {
		out = append(out, c)
	}
	return out
}

// auditLog models the same deadlock with the channel and WaitGroup held
// in struct fields.
type auditLog struct {
	wg      sync.WaitGroup
	entries chan string
	format  func(int) string
}

func newAuditLog(format func(int) string) *auditLog {
	return &auditLog{entries: make(chan string), format: format}
}

// Collect starts n formatters and drains entries after Wait.
func (a *auditLog) Collect(n int) []string {
	for i := 0; i < n; i++ {
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			a.entries <- a.format(i)
		}()
	}
	a.wg.Wait() // want "Wait .*sending to a.entries"
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, <-a.entries)
	}
	return out
}

// compileAll models an errgroup-based batch with a bounded limit: the
// group does its own counting, there is no Add to get wrong.
func compileAll(ctx context.Context, units []string, compile func(context.Context, string) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for _, u := range units {
		g.Go(func() error { // ok: errgroup counts its own goroutines
			return compile(gctx, u)
		})
	}
	return g.Wait() // ok: errgroup.Wait from the spawner
}
