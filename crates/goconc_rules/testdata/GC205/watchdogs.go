package gc205

import (
	"sync"
	"time"
)

// mirrorCopier runs one background copy loop counted by its WaitGroup.
type mirrorCopier struct {
	wg   sync.WaitGroup
	quit chan struct{}
}

func (r *mirrorCopier) start() {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		<-r.quit
	}()
}

// StopOrUnstick is an entry point no function of the package calls: it
// waits for the copy loop and, if the loop never checks out, marks it done
// itself so that later waiters are not stuck forever. It is not one of the
// goroutines the group counts.
func (r *mirrorCopier) StopOrUnstick(timeout time.Duration) bool {
	close(r.quit)
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		r.wg.Done() // the loop never checked out: release the waiters
		return false
	}
}

// DrainAndRelease waits on the group in the entry point itself before its
// cleanup Done; still not a counted goroutine.
func (r *mirrorCopier) DrainAndRelease() {
	r.wg.Wait() // ok: an entry point nobody in the package calls or spawns is not counted by r.wg
	r.wg.Done()
}

// Worker is exported and called from outside the package with a group the
// caller counts it in (its WaitGroup is a parameter): waiting on that same
// group before its own Done never returns.
func Worker(jobs <-chan int, wg *sync.WaitGroup) {
	defer wg.Done()
	for range jobs {
	}
	wg.Wait() // want "Wait .* must call Done"
}
