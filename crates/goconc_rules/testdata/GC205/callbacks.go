package gc205

import (
	"sync"
	"time"
)

// A producer whose SendAsync runs its callback once the broker answers.
type asyncProducer struct {
	mu      sync.Mutex
	pending []func(err error)
}

func (p *asyncProducer) SendAsync(payload []byte, done func(err error)) {
	p.mu.Lock()
	p.pending = append(p.pending, done)
	p.mu.Unlock()
	go p.flush()
}

func (p *asyncProducer) flush() {
	p.mu.Lock()
	pending := p.pending
	p.pending = nil
	p.mu.Unlock()
	for _, done := range pending {
		done(nil)
	}
}

func (p *asyncProducer) Send(payload []byte) error { return nil }

// ok: one count for the goroutine, one for the callback SendAsync runs.
func sendBoth(p *asyncProducer) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = p.Send([]byte("sync"))
	}()
	wg.Add(1) // ok: the callback below calls Done
	p.SendAsync([]byte("async"), func(err error) {
		wg.Done()
	})
	wg.Wait()
}

// ok: one Add for ten workers that a launcher goroutine starts, and one
// per worker for ten started here.
func warmPool(get func() error) {
	var wg sync.WaitGroup
	wg.Add(10) // ok: the launcher's ten workers call Done
	go func() {
		for range 10 {
			go func() {
				_ = get()
				wg.Done()
			}()
		}
	}()
	for range 10 {
		wg.Add(1)
		go func() {
			_ = get()
			wg.Done()
		}()
	}
	wg.Wait()
}

// Two Adds that together count one more goroutine than there is.
func replicate(write func(replica int) error) {
	var wg sync.WaitGroup
	wg.Add(2) // want `the wg.Add calls \(first wg.Add\(2\)\) add 3 in all, which does not match the 2 goroutine\(s\) that call wg.Done`
	for r := range 2 {
		go func() {
			defer wg.Done()
			_ = write(r)
		}()
	}
	wg.Add(1)
	time.Sleep(time.Millisecond)
	wg.Wait()
}
