package gc205

import (
	"sync"
	"time"
)

// expiryQueue counts its pending expiry callbacks: each one runs in the
// timer's own goroutine and checks out when it is done.
type expiryQueue struct {
	wg      sync.WaitGroup
	mu      sync.Mutex
	expired []string
}

func (q *expiryQueue) schedule(key string, after time.Duration) {
	q.wg.Add(1)
	time.AfterFunc(after, func() {
		defer q.wg.Done() // ok: the AfterFunc callback is the counted goroutine
		q.mu.Lock()
		q.expired = append(q.expired, key)
		q.mu.Unlock()
	})
}

func (q *expiryQueue) drain() []string {
	q.wg.Wait()
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.expired
}

// scheduleLate counts the callback from inside it: drain can return before
// the timer fires.
func (q *expiryQueue) scheduleLate(key string, after time.Duration) {
	time.AfterFunc(after, func() {
		q.wg.Add(1) // want "Add inside the goroutine races with"
		defer q.wg.Done()
		q.mu.Lock()
		q.expired = append(q.expired, key)
		q.mu.Unlock()
	})
}

// probeAll starts a fixed number of probers plus a deadline callback; all
// of them check out of the same group, so the count is probers + 1.
func probeAll(target string, deadline time.Duration, probe func(string, int)) {
	const probers = 4
	var wg sync.WaitGroup
	wg.Add(probers + 1) // ok: the AfterFunc callback is the extra goroutine
	for i := 0; i < probers; i++ {
		go func(attempt int) {
			defer wg.Done()
			probe(target, attempt)
		}(i)
	}
	time.AfterFunc(deadline, func() {
		defer wg.Done()
	})
	wg.Wait()
}
