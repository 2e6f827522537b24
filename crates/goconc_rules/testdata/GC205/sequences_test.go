package gc205

import (
	"sync"
	"testing"
)

// A test sequencer: step n waits for its own gate and opens the next one.
// The gates are different elements of the slice.
type stepSequence []sync.WaitGroup

func newStepSequence(n int) stepSequence {
	s := make(stepSequence, n)
	for i := range s {
		s[i].Add(1)
	}
	return s
}

func (s stepSequence) Start() { s[0].Done() }

func (s stepSequence) Step(n int) {
	s[n].Wait() // ok: waits on gate n, opens gate n+1
	if n+1 < len(s) {
		s[n+1].Done()
	}
}

// Await waits on its own gate and then marks that same gate done: nobody
// else does, so the Wait never returns.
func (s stepSequence) Await(n int) {
	s[n].Wait() // want `s\[\*\].Wait in a goroutine that must call Done on s\[\*\] itself`
	s[n].Done()
}

func TestStepSequence(t *testing.T) {
	seq := newStepSequence(3)
	var order []int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			seq.Step(i)
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
		}(i)
	}
	seq.Start()
	wg.Wait()
	if len(order) != 3 {
		t.Fatalf("order %v", order)
	}
}

func TestStepSequenceAwait(t *testing.T) {
	seq := newStepSequence(2)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		seq.Await(1)
	}()
	seq.Start()
	wg.Wait()
}
