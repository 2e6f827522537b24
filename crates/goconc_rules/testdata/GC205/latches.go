package gc205

import (
	"log"
	"sync"
)

// replayer drives several producers until the stream holds `target`
// messages; a WaitGroup with a count of one is the "target reached" latch
// the benchmark waits on.
type replayer struct {
	publish func(producer int) (seq uint64, err error)
}

// Run: one Add for the whole fleet; only the producer that publishes the
// last message calls Done, the others return without it by design.
func (r *replayer) Run(producers int, target uint64) {
	var reached sync.WaitGroup
	reached.Add(1)
	for i := 0; i < producers; i++ {
		go func(producer int) {
			for {
				seq, err := r.publish(producer)
				if err != nil {
					log.Print(err)
					continue
				}
				if seq == target {
					reached.Done()
				}
				if seq >= target {
					return // ok: a latch, not a count of producers
				}
			}
		}(i)
	}
	reached.Wait()
}

// RunCounted counts every producer and waits for all of them: a producer
// that gives up on an error never checks out.
func (r *replayer) RunCounted(producers int, target uint64) {
	var running sync.WaitGroup
	for i := 0; i < producers; i++ {
		running.Add(1)
		go func(producer int) {
			for {
				seq, err := r.publish(producer)
				if err != nil {
					return // want "running\\.Done is not called on this path"
				}
				if seq >= target {
					running.Done()
					return
				}
			}
		}(i)
	}
	running.Wait()
}

// RunFleetCount adds the whole fleet up front: still a count, so the
// error path that skips Done is reported.
func (r *replayer) RunFleetCount(producers int, target uint64) {
	var running sync.WaitGroup
	running.Add(producers)
	for i := 0; i < producers; i++ {
		go func(producer int) {
			seq, err := r.publish(producer)
			if err != nil {
				return // want "running\\.Done is not called on this path"
			}
			if seq >= target {
				log.Printf("producer %d reached %d", producer, seq)
			}
			running.Done()
		}(i)
	}
	running.Wait()
}
