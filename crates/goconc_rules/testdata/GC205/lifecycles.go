package gc205

import (
	"sync"
)

// Shapes found while triaging real code: correct WaitGroup uses that a
// naive checker flags.

// startLine models a barrier: every runner checks in with Done and then
// waits for all the others before starting together.
func startLine(runners int, run func(int)) {
	var ready sync.WaitGroup
	ready.Add(runners)
	for i := 0; i < runners; i++ {
		go func() {
			ready.Done()
			ready.Wait() // ok: Done runs before Wait, this is a start barrier
			run(i)
		}()
	}
}

// histogramMerge models workers that mark themselves done before
// handing their partial result over: Wait returns, then the results are
// read.
func histogramMerge(workers int, collect func(int) [8]int) [8]int {
	var wg sync.WaitGroup
	partials := make(chan [8]int)
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			h := collect(i)
			wg.Done()
			partials <- h
		}()
	}
	wg.Wait() // ok: workers call Done before their send, so Wait returns
	var total [8]int
	for i := 0; i < workers; i++ {
		h := <-partials
		for j := range total {
			total[j] += h[j]
		}
	}
	return total
}

// contentionProbe models a profiler test: the lock taken here is released
// by a helper goroutine, so it is not held for the whole Wait.
func contentionProbe(waiters int, settle func()) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	mu.Lock()
	go func() {
		settle()
		mu.Unlock()
	}()
	for i := 0; i < waiters; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mu.Lock()
			mu.Unlock()
		}()
	}
	wg.Wait() // ok: mu is handed over and unlocked by the helper goroutine
}
