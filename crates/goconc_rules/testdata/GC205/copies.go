package gc205

import (
	"fmt"
	"sync"
)

// A sync.WaitGroup passed by value: the callee counts on its own copy.

type checksumJob struct {
	path string
	sum  uint32
}

func checksumWorker(job *checksumJob, wg sync.WaitGroup) {
	defer wg.Done() // related `the worker's Done runs on its copy`
	for _, b := range []byte(job.path) {
		job.sum = job.sum*31 + uint32(b)
	}
}

// checksumAll hands each worker a copy of wg: Wait never returns.
func checksumAll(paths []string) []checksumJob {
	jobs := make([]checksumJob, len(paths))
	var wg sync.WaitGroup
	for i, p := range paths {
		jobs[i].path = p
		wg.Add(1)
		go checksumWorker(&jobs[i], wg) // want `wg is passed by value to checksumWorker: its Done works on a copy, so wg.Wait\(\) never returns`
	}
	wg.Wait()
	return jobs
}

type shardReindexer struct {
	shards []string
	wg     sync.WaitGroup
}

func trackShard(wg sync.WaitGroup, name string) {
	wg.Add(1) // related `the Add runs on the copy`
	fmt.Println("tracking", name)
}

// Add on a copy: the real group never counts the shard, Wait returns early.
func (r *shardReindexer) reindex(run func(string)) {
	for _, s := range r.shards {
		trackShard(r.wg, s) // want `r.wg is passed by value to trackShard: its Add works on a copy, so r.wg.Wait\(\) does not wait for it`
		go func(s string) {
			defer r.wg.Done()
			run(s)
		}(s)
	}
	r.wg.Wait()
}

// Fixed: a pointer.
func checksumWorkerPtr(job *checksumJob, wg *sync.WaitGroup) {
	defer wg.Done()
	job.sum = uint32(len(job.path))
}

func checksumAllPtr(paths []string) []checksumJob {
	jobs := make([]checksumJob, len(paths))
	var wg sync.WaitGroup
	for i, p := range paths {
		jobs[i].path = p
		wg.Add(1)
		go checksumWorkerPtr(&jobs[i], &wg) // ok: the worker gets a pointer
	}
	wg.Wait()
	return jobs
}

// Fixed: a closure captures the WaitGroup itself.
func checksumAllClosure(paths []string) []uint32 {
	sums := make([]uint32, len(paths))
	var wg sync.WaitGroup
	for i, p := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done() // ok: captured, not copied
			sums[i] = uint32(len(p))
		}()
	}
	wg.Wait()
	return sums
}

// A copy that is never used as a counter does not hang anything.
func describeGroup(wg sync.WaitGroup, name string) string {
	_ = wg
	return "group " + name
}

func labelled(name string) string {
	var wg sync.WaitGroup
	wg.Add(0)
	return describeGroup(wg, name) // ok: the copy is not counted on
}
