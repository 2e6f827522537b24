package gc102

import (
	"log"
	"sync"
	"time"
)

// A lease keeper renewing on a ticker. Close stops the ticker and waits
// for the renew loop's done channel, but Stop never closes the ticker's
// channel: the range never ends and Close hangs.
type renewClient interface {
	KeepAlive(id int64) (time.Duration, error)
}

type renewingLease struct {
	id     int64
	client renewClient
	ticker *time.Ticker
	donec  chan struct{}
	mu     sync.Mutex
	ttl    time.Duration
}

func newRenewingLease(c renewClient, id int64, ttl time.Duration) *renewingLease {
	l := &renewingLease{id: id, client: c, ticker: time.NewTicker(ttl / 3), donec: make(chan struct{}), ttl: ttl}
	go l.renewLoop()
	return l
}

func (l *renewingLease) renewLoop() {
	defer close(l.donec) // related "never runs"
	for range l.ticker.C { // want `range over l.ticker.C never ends: a ticker's channel is never closed \(Stop does not close it\), so renewLoop never reaches its deferred signal`
		ttl, err := l.client.KeepAlive(l.id)
		if err != nil {
			continue
		}
		l.mu.Lock()
		l.ttl = ttl
		l.mu.Unlock()
	}
}

func (l *renewingLease) Close() {
	l.ticker.Stop()
	<-l.donec
}

// The same with time.Tick and a WaitGroup the service waits on.
type metricsFlusher struct {
	wg    sync.WaitGroup
	flush func()
}

func (m *metricsFlusher) Start(every time.Duration) {
	m.wg.Add(1)
	go m.run(every)
}

func (m *metricsFlusher) run(every time.Duration) {
	defer m.wg.Done()
	for range time.Tick(every) { // want `range over time.Tick\(every\) never ends`
		m.flush()
	}
}

func (m *metricsFlusher) Stop() { m.wg.Wait() }

// Fixed: the loop selects on the ticker and a stop channel.
type heartbeater struct {
	ticker *time.Ticker
	stopc  chan struct{}
	donec  chan struct{}
	beat   func()
}

func (h *heartbeater) loop() {
	defer close(h.donec)
	for {
		select {
		case <-h.ticker.C:
			h.beat()
		case <-h.stopc:
			return
		}
	}
}

func (h *heartbeater) Stop() {
	h.ticker.Stop()
	close(h.stopc)
	<-h.donec
}

// Fixed: the loop returns on its own once the job is done.
type progressReporter struct {
	donec chan struct{}
	done  func() bool
}

func (p *progressReporter) report(t *time.Ticker) {
	defer close(p.donec)
	for range t.C {
		if p.done() {
			return
		}
		log.Print("still working")
	}
}

// Fine: a process-lifetime ticker nobody waits for.
func logProcessUptime(start time.Time) {
	for range time.Tick(time.Minute) {
		log.Printf("up %s", time.Since(start))
	}
}
