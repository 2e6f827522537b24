package gc102

import "log"

// A channel field that nothing ever makes is nil: every send, receive and
// range on it blocks forever.

type auditEvent struct {
	user, action string
}

// auditLog forgot to make its channel in the constructor.
type auditLog struct {
	events chan auditEvent // related `the field is declared here; no literal, assignment or make fills it`
	sink   func(auditEvent)
}

func newAuditLog(sink func(auditEvent)) *auditLog {
	a := &auditLog{sink: sink}
	go a.pump()
	return a
}

func (a *auditLog) Record(user, action string) {
	a.events <- auditEvent{user, action} // want `a.events is never made: nothing in the package stores a channel in it, and a send on a nil channel blocks forever`
}

func (a *auditLog) pump() {
	for ev := range a.events { // want `a.events is never made`
		a.sink(ev)
	}
}

// metricsLog makes it in the literal it returns.
type metricsLog struct {
	samples chan float64
}

func newMetricsLog() *metricsLog {
	m := &metricsLog{samples: make(chan float64, 64)}
	go m.drain()
	return m
}

func (m *metricsLog) drain() {
	for s := range m.samples {
		log.Println(s)
	}
}

func (m *metricsLog) Observe(v float64) {
	m.samples <- v
}

func (m *metricsLog) Close() { close(m.samples) }

// traceLog gets its channel assigned in Start.
type traceLog struct {
	spans chan string
}

func (t *traceLog) Start() {
	t.spans = make(chan string)
	go func() {
		for s := range t.spans {
			log.Println(s)
		}
	}()
}

func (t *traceLog) Span(name string) {
	t.spans <- name
}

func (t *traceLog) Stop() { close(t.spans) }

// pair is built with an unkeyed literal that passes the channel in.
type pair struct {
	name string
	out  chan string
}

func newPair(name string, out chan string) pair {
	return pair{name, out}
}

func (p pair) emit() {
	p.out <- p.name
}
