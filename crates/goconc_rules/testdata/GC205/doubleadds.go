package gc205

import (
	"context"
	"sync"
)

// A fetcher pool that counts its workers twice: Grow adds n for the batch,
// and spawnFetcher adds one more for each goroutine it starts. Each worker
// releases one count, so Close waits forever.
type fetchTask struct {
	url string
}

type fetcherPool struct {
	mu      sync.Mutex
	wg      sync.WaitGroup
	tasks   chan fetchTask
	ctx     context.Context
	cancel  context.CancelFunc
	fetch   func(context.Context, fetchTask) error
	running int
}

func (p *fetcherPool) spawnFetcher() {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			select {
			case <-p.ctx.Done():
				return
			case t := <-p.tasks:
				_ = p.fetch(p.ctx, t)
			}
		}
	}()
}

func (p *fetcherPool) Grow(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.wg.Add(n) // want `p.wg.Add counts goroutines that spawnFetcher already counts`
	for i := 0; i < n; i++ {
		p.spawnFetcher()
	}
	p.running += n
}

func (p *fetcherPool) Close() {
	p.cancel()
	p.wg.Wait()
}

// Fixed: the helper counts each goroutine, the caller only loops.
func (p *fetcherPool) GrowFixed(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := 0; i < n; i++ {
		p.spawnFetcher()
	}
	p.running += n
}

// Fixed: the caller counts, and the helper only runs the loop (the caller
// starts the goroutines).
type indexerPool struct {
	wg    sync.WaitGroup
	docs  chan string
	index func(string)
}

func (p *indexerPool) indexLoop() {
	defer p.wg.Done()
	for d := range p.docs {
		p.index(d)
	}
}

func (p *indexerPool) Start(n int) {
	p.wg.Add(n)
	for i := 0; i < n; i++ {
		go p.indexLoop()
	}
}

func (p *indexerPool) Stop() {
	close(p.docs)
	p.wg.Wait()
}

// Fixed: a different group per purpose. The batch group counts batches
// (released by the caller), the helper counts its own goroutines.
type batchLoader struct {
	batches sync.WaitGroup
	workers sync.WaitGroup
	load    func(int)
}

func (l *batchLoader) startWorker(id int) {
	l.workers.Add(1)
	go func() {
		defer l.workers.Done()
		l.load(id)
	}()
}

func (l *batchLoader) LoadBatch(ids []int) {
	l.batches.Add(1)
	for _, id := range ids {
		l.startWorker(id)
	}
	l.workers.Wait()
	l.batches.Done()
}
