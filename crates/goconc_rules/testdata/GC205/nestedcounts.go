package gc205

import "sync"

// A counted goroutine that starts the rest of the counted goroutines
// itself: the Add covers them all, but no simple per-site count sees it.

type streamTester struct {
	open  func() (func([]byte) error, error)
	write []byte
}

func (s *streamTester) openAndWrite(numStreams int) {
	var wg sync.WaitGroup
	wg.Add(1 + numStreams) // ok: one opener plus the numStreams writers it starts
	go func() {
		defer wg.Done()
		for range numStreams {
			write, err := s.open()
			if err != nil {
				return
			}
			go func() {
				defer wg.Done()
				_ = write(s.write)
			}()
		}
	}()
	wg.Wait()
}

func (s *streamTester) acceptPair() {
	var wg sync.WaitGroup
	wg.Add(3) // ok: the acceptor plus the two readers it starts
	go func() {
		defer wg.Done()
		for range 2 {
			go func() {
				defer wg.Done()
				_, _ = s.open()
			}()
		}
	}()
	wg.Wait()
}
