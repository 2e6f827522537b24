package gc205

import (
	"context"
	"image"
	"sync"
)

// A worker pool whose workers range over the jobs channel: they return only
// when it is closed, so the close has to come before Wait.

type thumbnailer struct {
	size    int
	results map[string]image.Rectangle
	mu      sync.Mutex
}

func (t *thumbnailer) resize(path string) {
	t.mu.Lock()
	t.results[path] = image.Rect(0, 0, t.size, t.size)
	t.mu.Unlock()
}

func (t *thumbnailer) worker(jobs <-chan string, wg *sync.WaitGroup) {
	defer wg.Done()
	for path := range jobs {
		t.resize(path)
	}
}

// ResizeAll waits for the workers before closing jobs: they never return.
func (t *thumbnailer) ResizeAll(paths []string, workers int) {
	jobs := make(chan string)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go t.worker(jobs, &wg)
	}
	for _, p := range paths {
		jobs <- p
	}
	wg.Wait() // want `wg.Wait never returns: workers range over jobs until it is closed, and it is closed only after Wait`
	close(jobs)
}

// ResizeAllDeferred closes in a defer, which runs after Wait as well.
func (t *thumbnailer) ResizeAllDeferred(paths []string, workers int) {
	jobs := make(chan string)
	defer close(jobs)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for path := range jobs {
				t.resize(path)
			}
		}()
	}
	for _, p := range paths {
		jobs <- p
	}
	wg.Wait() // want `workers range over jobs until it is closed`
}

// ResizeAllFixed closes as soon as the last job is handed out.
func (t *thumbnailer) ResizeAllFixed(paths []string, workers int) {
	jobs := make(chan string)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go t.worker(jobs, &wg)
	}
	for _, p := range paths {
		jobs <- p
	}
	close(jobs)
	wg.Wait()
}

// ResizeAllFeeder closes from the feeding goroutine.
func (t *thumbnailer) ResizeAllFeeder(paths []string, workers int) {
	jobs := make(chan string)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go t.worker(jobs, &wg)
	}
	go func() {
		defer close(jobs)
		for _, p := range paths {
			jobs <- p
		}
	}()
	wg.Wait()
}

// ResizeUntil's workers also stop on cancellation: the range is not the
// only way out, so Wait returns once ctx is cancelled.
func (t *thumbnailer) ResizeUntil(ctx context.Context, paths []string, workers int) {
	jobs := make(chan string)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for path := range jobs {
				if ctx.Err() != nil {
					return
				}
				t.resize(path)
			}
		}()
	}
	for _, p := range paths {
		select {
		case jobs <- p:
		case <-ctx.Done():
		}
	}
	wg.Wait()
	close(jobs)
}

// drainer marks itself done before it starts draining: Wait does not wait
// for the drain.
func drainer(events <-chan string, started *sync.WaitGroup) {
	started.Done()
	for range events {
	}
}

func startDrainer(events chan string) {
	var started sync.WaitGroup
	started.Add(1)
	go drainer(events, &started)
	started.Wait()
	events <- "hello"
	close(events)
}
