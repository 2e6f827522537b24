package gc205

import (
	"log"
	"sync"
)

// loadGenerator starts its clients together: each client registers with
// the run group, checks in on a start barrier, and waits for the starting
// gun. The barrier orders every client's Add before the coordinator's Wait.
type loadGenerator struct {
	dial    func(name string) (func(), error)
	publish func(name string) error
}

// Run: Add inside the goroutine, published by the `ready` barrier the
// coordinator waits on before it fires and waits.
func (g *loadGenerator) Run(names []string) {
	var running sync.WaitGroup
	var ready sync.WaitGroup
	fire := make(chan struct{})
	client := func(name string) {
		running.Add(1) // ok: published to the coordinator through ready
		defer running.Done()
		hangup, err := g.dial(name)
		if err != nil {
			log.Print(err)
		}
		if hangup != nil {
			defer hangup()
		}
		ready.Done()
		<-fire
		if err := g.publish(name); err != nil {
			log.Print(err)
		}
	}
	ready.Add(len(names))
	for _, name := range names {
		go client(name)
	}
	ready.Wait()
	close(fire)
	running.Wait()
}

// RunWithChannel uses a channel as the check-in barrier.
func (g *loadGenerator) RunWithChannel(names []string) {
	var running sync.WaitGroup
	checkedIn := make(chan string)
	for _, name := range names {
		go func() {
			running.Add(1) // ok: published through checkedIn before the coordinator waits
			defer running.Done()
			checkedIn <- name
			if err := g.publish(name); err != nil {
				log.Print(err)
			}
		}()
	}
	for range names {
		log.Printf("client %s ready", <-checkedIn)
	}
	running.Wait()
}

// RunLateCheckIn checks in before registering: the coordinator can pass
// the barrier and reach Wait before the Add.
func (g *loadGenerator) RunLateCheckIn(names []string) {
	var running sync.WaitGroup
	var ready sync.WaitGroup
	ready.Add(len(names))
	for _, name := range names {
		go func() {
			ready.Done()
			running.Add(1) // want "running\\.Add inside the goroutine"
			defer running.Done()
			if err := g.publish(name); err != nil {
				log.Print(err)
			}
		}()
	}
	ready.Wait()
	running.Wait()
}

// RunUnwatchedBarrier checks in on a group nobody waits on: it orders
// nothing, and the group itself is dead weight.
func (g *loadGenerator) RunUnwatchedBarrier(names []string) {
	var running sync.WaitGroup
	var started sync.WaitGroup
	started.Add(len(names)) // want `started counts goroutines \(Add and Done\) but nothing ever waits on it`
	for _, name := range names {
		go func() {
			running.Add(1) // want "running\\.Add inside the goroutine"
			defer running.Done()
			started.Done()
			if err := g.publish(name); err != nil {
				log.Print(err)
			}
		}()
	}
	running.Wait()
}

const coordinator = 0

// replicaSet models a test harness that runs the same function for every
// replica; the replica's index picks its role.
type replicaSet struct {
	results []string
	query   func(replica int) string
	verify  func([]string)
}

// runReplica: the coordinator waits, the others check out; no goroutine
// does both, so Wait never waits on its own Done.
func (r *replicaSet) runReplica(replica int, done *sync.WaitGroup) {
	if replica != coordinator {
		defer done.Done()
	}
	r.results[replica] = r.query(replica)
	if replica == coordinator {
		done.Wait() // ok: the coordinator never calls Done
		r.verify(r.results)
	}
}

// Start runs every replica.
func (r *replicaSet) Start(n int) {
	var done sync.WaitGroup
	done.Add(n - 1)
	for i := 0; i < n; i++ {
		go r.runReplica(i, &done)
	}
}

// runReplicaPromoted changes its role half way: the replica that checks
// out can become the coordinator and wait on its own pending Done.
func (r *replicaSet) runReplicaPromoted(replica int, done *sync.WaitGroup) {
	if replica != coordinator {
		defer done.Done()
	}
	r.results[replica] = r.query(replica)
	if r.results[replica] == "" {
		replica = coordinator
	}
	if replica == coordinator {
		done.Wait() // want "Wait in a goroutine that must call Done"
		r.verify(r.results)
	}
}

// StartPromoted runs every replica with promotion.
func (r *replicaSet) StartPromoted(n int) {
	var done sync.WaitGroup
	done.Add(n - 1)
	for i := 0; i < n; i++ {
		go r.runReplicaPromoted(i, &done)
	}
}

// ResolveAll sends every answer on a buffered channel that it drains only
// after Wait: the channel orders nothing before Wait, so Wait can return
// (and close the channel) before a late resolver is counted.
func (g *loadGenerator) ResolveAll(hosts []string) []string {
	answers := make(chan string, len(hosts))
	var pending sync.WaitGroup
	for _, host := range hosts {
		go func() {
			pending.Add(1) // want "pending\\.Add inside the goroutine races with pending\\.Wait"
			defer pending.Done()
			if err := g.publish(host); err != nil {
				return
			}
			answers <- host
		}()
	}
	pending.Wait()
	close(answers)
	var out []string
	for a := range answers {
		out = append(out, a)
	}
	return out
}

// FetchAll counts its fetchers on a local group but the closer waits on
// the generator-wide group, so results is closed only when that one drains.
type fleet struct {
	background sync.WaitGroup
	fetch      func(host string) string
}

func (f *fleet) FetchAll(hosts []string) []string {
	results := make(chan string)
	var fetchers sync.WaitGroup
	for _, h := range hosts {
		fetchers.Add(1) // want "fetchers counts goroutines \\(Add and Done\\) but nothing ever waits on it"
		go func() {
			defer fetchers.Done()
			results <- f.fetch(h)
		}()
	}
	go func() {
		f.background.Wait() // related "waits on f.background instead"
		close(results)
	}()
	var out []string
	for r := range results {
		out = append(out, r)
	}
	return out
}

// FetchAllFixed waits on the group that counts the fetchers.
func (f *fleet) FetchAllFixed(hosts []string) []string {
	results := make(chan string)
	var fetchers sync.WaitGroup
	for _, h := range hosts {
		fetchers.Add(1) // ok: the closer waits on this group
		go func() {
			defer fetchers.Done()
			results <- f.fetch(h)
		}()
	}
	go func() {
		fetchers.Wait()
		close(results)
	}()
	var out []string
	for r := range results {
		out = append(out, r)
	}
	return out
}

// waitAll is handed the group: it waits elsewhere.
func (f *fleet) PingAll(hosts []string) {
	var pings sync.WaitGroup
	for _, h := range hosts {
		pings.Add(1) // ok: waitAll waits on it
		go func() {
			defer pings.Done()
			f.fetch(h)
		}()
	}
	waitAll(&pings)
}

func waitAll(wg *sync.WaitGroup) { wg.Wait() }
