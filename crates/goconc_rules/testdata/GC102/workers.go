// Package gc102 holds fixtures for GC102 unmatched-channel-op: channel
// operations that no other code in the package can ever complete, and
// goroutines that can never exit.
package gc102

import (
	"context"
	"log"
	"sync"
)

// mailJob is one outgoing e-mail.
type mailJob struct {
	to   string
	body string
}

// mailer models a batch sender whose dispatcher forgets to close the job
// channel: the worker's range never ends once the batch is sent.
type mailer struct {
	send func(mailJob) error
}

// SendBatch feeds the worker but never closes jobs.
func (m *mailer) SendBatch(batch []mailJob) {
	jobs := make(chan mailJob)
	go func() {
		for j := range jobs { // want "jobs is never closed"
			if err := m.send(j); err != nil {
				log.Printf("mail to %s: %v", j.to, err)
			}
		}
	}()
	for _, j := range batch {
		jobs <- j
	}
}

// SendBatchFixed closes jobs once the batch has been handed over.
func (m *mailer) SendBatchFixed(batch []mailJob) {
	jobs := make(chan mailJob)
	go func() {
		for j := range jobs { // ok: closed right after the last send
			if err := m.send(j); err != nil {
				log.Printf("mail to %s: %v", j.to, err)
			}
		}
	}()
	for _, j := range batch {
		jobs <- j
	}
	close(jobs)
}

// resizeTask is a unit of work of an image worker pool.
type resizeTask struct {
	path string
}

// resizePool models a worker pool with a Stop method that only flips a
// flag: nothing in the package ever closes tasks, so every worker's range
// loop runs forever.
type resizePool struct {
	tasks   chan resizeTask
	mu      sync.Mutex
	stopped bool
}

func newResizePool(workers int) *resizePool {
	p := &resizePool{tasks: make(chan resizeTask, 64)}
	for i := 0; i < workers; i++ {
		go p.worker()
	}
	return p
}

func (p *resizePool) worker() {
	for t := range p.tasks { // want "p.tasks is never closed"
		_ = t.path
	}
}

// Submit enqueues a task unless the pool is stopped.
func (p *resizePool) Submit(t resizeTask) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return false
	}
	p.tasks <- t
	return true
}

// Stop marks the pool stopped but leaves the workers parked in range.
func (p *resizePool) Stop() {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
}

// transcodePool is the fixed pool: Close closes the queue under the same
// lock that Submit uses, so the workers' range loops end.
type transcodePool struct {
	queue  chan string
	mu     sync.Mutex
	closed bool
}

func newTranscodePool(workers int) *transcodePool {
	p := &transcodePool{queue: make(chan string, 64)}
	for i := 0; i < workers; i++ {
		go p.worker()
	}
	return p
}

func (p *transcodePool) worker() {
	for name := range p.queue { // ok: Close closes p.queue
		_ = name
	}
}

// Submit enqueues unless closed.
func (p *transcodePool) Submit(name string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.queue <- name
	return true
}

// Close ends every worker.
func (p *transcodePool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		close(p.queue)
	}
}

// logLine is one record of a log shipper.
type logLine struct {
	text string
}

// readLines models a producer helper that owns its channel and closes it
// through defer in its own function.
func readLines(src []string, out chan<- logLine) {
	defer close(out)
	for _, s := range src {
		out <- logLine{text: s}
	}
}

// shipLogs ranges over a channel closed by defer in another function.
func shipLogs(src []string) int {
	lines := make(chan logLine)
	go readLines(src, lines)
	n := 0
	for l := range lines { // ok: readLines closes it with defer close(out)
		n += len(l.text)
	}
	return n
}

// crawler models a fan-in whose collector closes the results after the
// WaitGroup, in its own goroutine.
type crawler struct {
	fetch func(ctx context.Context, url string) int
}

// CrawlAll sums page sizes; results is closed once every fetcher is done.
func (c *crawler) CrawlAll(ctx context.Context, urls []string) int {
	results := make(chan int)
	var wg sync.WaitGroup
	for _, u := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- c.fetch(ctx, u)
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	total := 0
	for n := range results { // ok: closed after wg.Wait in its own goroutine
		total += n
	}
	return total
}

// configWatcher models a watch stream whose producer goroutine delivers
// the initial snapshot and returns without closing the stream: the
// consumer's range waits for an update that never comes.
type configWatcher struct {
	snapshot func() []string
}

// Keys collects the stream; updates is never closed by the producer.
func (w *configWatcher) Keys() []string {
	updates := make(chan string)
	go func() {
		for _, k := range w.snapshot() {
			updates <- k
		}
	}()
	var keys []string
	for k := range updates { // want "updates is never closed"
		keys = append(keys, k)
	}
	return keys
}

// KeysFixed closes the stream with defer in the producer goroutine.
func (w *configWatcher) KeysFixed() []string {
	updates := make(chan string)
	go func() {
		defer close(updates)
		for _, k := range w.snapshot() {
			updates <- k
		}
	}()
	var keys []string
	for k := range updates { // ok: the producer closes updates with defer
		keys = append(keys, k)
	}
	return keys
}
