package gc204

import (
	"log"
	"sync"
)

// One mutex on both sides of a hand-off: a package-level mutex, or a local
// one captured by the goroutine, is the same mutex for both goroutines, so
// they cannot both hold it across an unbuffered exchange.

var (
	auditMu     sync.Mutex
	auditEvents = make(chan string)
	auditCount  int
)

// recordAudit holds auditMu while it waits for the writer to take the event.
func recordAudit(event string) {
	auditMu.Lock()
	defer auditMu.Unlock()
	auditCount++
	auditEvents <- event // want `blocking send on auditEvents while holding auditMu`
}

// auditWriter takes auditMu for each event, including while it waits.
func auditWriter() {
	for {
		auditMu.Lock()
		event := <-auditEvents // want `blocking receive from auditEvents while holding auditMu`
		log.Print(event, auditCount)
		auditMu.Unlock()
	}
}

func startAudit() { go auditWriter() }

// runMigration hands each step to a goroutine that records it under the
// same local mutex.
func runMigration(steps []string) []string {
	var mu sync.Mutex
	var applied []string
	stepCh := make(chan string)
	go func() {
		for s := range stepCh {
			mu.Lock()
			applied = append(applied, s)
			mu.Unlock()
		}
	}()
	for _, s := range steps {
		mu.Lock()
		stepCh <- s // want `blocking send on stepCh while holding mu`
		mu.Unlock()
	}
	close(stepCh)
	mu.Lock()
	defer mu.Unlock()
	return append([]string(nil), applied...)
}

// runMigrationFixed hands the step over before taking the lock.
func runMigrationFixed(steps []string) []string {
	var mu sync.Mutex
	var applied []string
	stepCh := make(chan string)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for s := range stepCh {
			mu.Lock()
			applied = append(applied, s)
			mu.Unlock()
		}
	}()
	for _, s := range steps {
		stepCh <- s // ok: no lock held during the hand-off
	}
	close(stepCh)
	<-done
	mu.Lock()
	defer mu.Unlock()
	return append([]string(nil), applied...)
}

var (
	metricsMu     sync.Mutex
	metricsQueue  = make(chan int, 128)
	metricsQueued int
)

// queueMetric uses a buffered channel: the send does not wait for the
// drainer.
func queueMetric(v int) {
	metricsMu.Lock()
	defer metricsMu.Unlock()
	metricsQueued++
	metricsQueue <- v // ok: buffered
}

func drainMetrics() {
	for v := range metricsQueue {
		metricsMu.Lock()
		metricsQueued -= v
		metricsMu.Unlock()
	}
}

func startMetrics() { go drainMetrics() }

// probeOnce takes the same local mutex on both sides of the reply.
func probeOnce(probe func() error) error {
	var mu sync.Mutex
	reply := make(chan error)
	go func() {
		mu.Lock()
		reply <- probe() // want `blocking send on reply while holding mu`
		mu.Unlock()
	}()
	mu.Lock()
	defer mu.Unlock()
	return <-reply // want `blocking receive from reply while holding mu`
}
