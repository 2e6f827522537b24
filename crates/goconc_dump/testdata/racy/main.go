// racy increments shared counters without synchronisation. Built with -race it
// prints DATA RACE reports; `go test -race` on counter_test.go does the same,
// interleaved with test output.
package main

import (
	"fmt"
	"sync"
)

var hits int

type stats struct {
	requests int
	errors   int
}

func (s *stats) record(failed bool) {
	s.requests++
	if failed {
		s.errors++
	}
}

func countHits(n int) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hits++
		}()
	}
	wg.Wait()
}

func recordAll(s *stats, n int) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s.record(i%3 == 0)
		}(i)
	}
	wg.Wait()
}

func main() {
	countHits(8)
	s := &stats{}
	recordAll(s, 8)
	fmt.Println("hits", hits, "requests", s.requests, "errors", s.errors)
}
