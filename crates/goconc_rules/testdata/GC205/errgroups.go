package gc205

import (
	"context"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
)

// errgroup.Group and wg.Go count their functions themselves; their Wait
// still must not hold a lock the functions need.

type searchIndex struct {
	mu    sync.Mutex
	terms map[string]int
}

func (ix *searchIndex) addDoc(doc string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, t := range strings.Fields(doc) {
		ix.terms[t]++
	}
}

// Rebuild holds the index lock across the group's Wait; every indexing
// function needs it.
func (ix *searchIndex) Rebuild(ctx context.Context, docs []string) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.terms = map[string]int{}
	g, _ := errgroup.WithContext(ctx)
	for _, d := range docs {
		g.Go(func() error {
			ix.addDoc(d)
			return nil
		})
	}
	return g.Wait() // want `g.Wait while holding ix.mu: a goroutine counted by g needs ix.mu before it can finish`
}

// RebuildFixed resets under the lock, then lets the functions take it.
func (ix *searchIndex) RebuildFixed(ctx context.Context, docs []string) error {
	ix.mu.Lock()
	ix.terms = map[string]int{}
	ix.mu.Unlock()
	g, _ := errgroup.WithContext(ctx)
	for _, d := range docs {
		g.Go(func() error {
			ix.addDoc(d)
			return nil
		})
	}
	return g.Wait()
}

// Reindex uses wg.Go (Go 1.25) with the same mistake.
func (ix *searchIndex) Reindex(docs []string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var wg sync.WaitGroup
	for _, d := range docs {
		wg.Go(func() { ix.addDoc(d) })
	}
	wg.Wait() // want `wg.Wait while holding ix.mu`
}

// Tokenize's functions never touch the lock: holding it is harmless.
func (ix *searchIndex) Tokenize(ctx context.Context, docs []string) ([][]string, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	out := make([][]string, len(docs))
	g, _ := errgroup.WithContext(ctx)
	for i, d := range docs {
		g.Go(func() error {
			out[i] = strings.Fields(d)
			return nil
		})
	}
	return out, g.Wait()
}

// A group whose functions hand results over an unbuffered channel that is
// read only after the group's Wait: the first function blocks on its send,
// and Wait waits for it forever.

type priceQuote struct {
	sku   string
	cents int
}

func quoteAll(ctx context.Context, skus []string, quote func(context.Context, string) int) ([]priceQuote, error) {
	g, ctx := errgroup.WithContext(ctx)
	quotes := make(chan priceQuote)
	for _, sku := range skus {
		g.Go(func() error {
			quotes <- priceQuote{sku: sku, cents: quote(ctx, sku)}
			return nil
		})
	}
	if err := g.Wait(); err != nil { // want `g.Wait never returns: workers are blocked sending to quotes, which is read only after Wait`
		return nil, err
	}
	close(quotes)
	var out []priceQuote
	for q := range quotes {
		out = append(out, q)
	}
	return out, nil
}

// quoteAllConcurrently closes the channel after Wait in its own goroutine
// and reads while the functions run.
func quoteAllConcurrently(ctx context.Context, skus []string, quote func(context.Context, string) int) ([]priceQuote, error) {
	g, ctx := errgroup.WithContext(ctx)
	quotes := make(chan priceQuote)
	for _, sku := range skus {
		g.Go(func() error {
			select {
			case quotes <- priceQuote{sku: sku, cents: quote(ctx, sku)}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}
	var waitErr error
	waited := make(chan struct{})
	go func() {
		waitErr = g.Wait() // ok: the caller reads quotes while the group runs
		close(quotes)
		close(waited)
	}()
	var out []priceQuote
	for q := range quotes {
		out = append(out, q)
	}
	<-waited
	return out, waitErr
}

// quoteAllBuffered gives every function a slot.
func quoteAllBuffered(ctx context.Context, skus []string, quote func(context.Context, string) int) ([]priceQuote, error) {
	g, ctx := errgroup.WithContext(ctx)
	quotes := make(chan priceQuote, len(skus))
	for _, sku := range skus {
		g.Go(func() error {
			quotes <- priceQuote{sku: sku, cents: quote(ctx, sku)}
			return nil
		})
	}
	if err := g.Wait(); err != nil { // ok: the buffer holds every result
		return nil, err
	}
	close(quotes)
	var out []priceQuote
	for q := range quotes {
		out = append(out, q)
	}
	return out, nil
}
