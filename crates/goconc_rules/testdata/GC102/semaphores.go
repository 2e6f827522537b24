package gc102

import (
	"context"
	"sync"
)

// Counting semaphores: the launcher puts a token in before it starts each
// worker, and the worker takes it back when it finishes. The launcher
// leaving its loop early only means no more workers start, so the
// worker's `<-sem` always finds its own token.

type thumbnailJob struct {
	id   string
	size int
}

// ok: a token is sent before each worker starts.
func renderAll(jobs <-chan thumbnailJob, workers int, render func(thumbnailJob) error) <-chan error {
	errs := make(chan error, workers)
	go func() {
		var wg sync.WaitGroup
		sem := make(chan struct{}, workers)
		for job := range jobs {
			if job.size == 0 {
				break
			}
			sem <- struct{}{}
			wg.Add(1)
			goSafe(func() {
				defer func() {
					wg.Done()
					<-sem
				}()
				if err := render(job); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
	}()
	return errs
}

// goSafe runs fn in a goroutine that survives its panics.
func goSafe(fn func()) {
	go func() {
		defer func() { _ = recover() }()
		fn()
	}()
}

type posixLeaseRenewer struct {
	mu     sync.Mutex
	leases map[string]int64
	renew  func(ctx context.Context, id string) error
}

// ok: the same semaphore in a method run as a goroutine, with a context
// exit before the token is taken.
func (r *posixLeaseRenewer) renewAll(ctx context.Context, parallel int) {
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	r.mu.Lock()
	ids := make([]string, 0, len(r.leases))
	for id := range r.leases {
		ids = append(ids, id)
	}
	r.mu.Unlock()
	for _, id := range ids {
		if ctx.Err() != nil {
			return
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(id string) {
			defer wg.Done()
			defer func() { <-sem }()
			_ = r.renew(ctx, id)
		}(id)
	}
	wg.Wait()
}

func (r *posixLeaseRenewer) start(ctx context.Context) { go r.renewAll(ctx, 4) }

// The watcher is started before the loop that signals it: when the loop
// gives up early, nothing ever signals it.
type segmentUploader struct {
	upload func(seg []byte) error
}

func (u *segmentUploader) uploadAll(segs [][]byte, onDone func()) {
	go func() {
		finished := make(chan struct{}, 1)
		go func() {
			<-finished // want `this waits forever when the goroutine returns without signalling finished`
			onDone()
		}()
		for _, seg := range segs {
			if err := u.upload(seg); err != nil {
				return
			}
		}
		finished <- struct{}{}
	}()
}

// The token is given back by a callback the launcher builds after taking
// it: whoever finishes the push calls done, which finds that token.

type pushQueue interface {
	Dequeue() (client string, shuttingDown bool)
	MarkDone(client string)
}

// ok: done is built only after this iteration's token is in.
func sendPushes(stop <-chan struct{}, semaphore chan struct{}, queue pushQueue, push func(client string, done func())) {
	for {
		select {
		case <-stop:
			return
		default:
			semaphore <- struct{}{}
			client, shuttingDown := queue.Dequeue()
			if shuttingDown {
				return
			}
			done := func() {
				queue.MarkDone(client)
				<-semaphore
			}
			go push(client, done)
		}
	}
}

// The callback is handed out before the token goes in, and the launcher
// can stop in between: the push's release waits for a token nobody sends.
func sendPushesEarly(stop <-chan struct{}, tokens chan struct{}, queue pushQueue, push func(client string, done func())) {
	for {
		client, shuttingDown := queue.Dequeue()
		if shuttingDown {
			return
		}
		release := func() {
			queue.MarkDone(client)
			<-tokens // want `this waits forever when the goroutine returns without signalling tokens`
		}
		go push(client, release)
		select {
		case <-stop:
			return
		default:
		}
		tokens <- struct{}{}
	}
}

func startPushers(queue pushQueue, push func(client string, done func())) chan struct{} {
	stop := make(chan struct{})
	go sendPushes(stop, make(chan struct{}, 100), queue, push)
	go sendPushesEarly(stop, make(chan struct{}, 100), queue, push)
	return stop
}
