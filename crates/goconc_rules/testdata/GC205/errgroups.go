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
