package gc102

import "sync"

// Merged streams handed out receive-only through an accessor: code outside
// the package can read them but never close them, so only this package
// can end a range over them.

type auditEntry struct {
	source string
	line   string
}

type auditMerger struct {
	out chan auditEntry
	wg  sync.WaitGroup
}

func newAuditMerger() *auditMerger {
	return &auditMerger{out: make(chan auditEntry)}
}

func (m *auditMerger) Attach(src <-chan auditEntry) {
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		for e := range src {
			m.out <- e
		}
	}()
}

// Entries is the merged stream; nothing ever closes it.
func (m *auditMerger) Entries() <-chan auditEntry { return m.out }

func countBySource(m *auditMerger) map[string]int {
	counts := map[string]int{}
	for e := range m.Entries() { // want `range over m.out never ends: m.out is never closed`
		counts[e.source]++
	}
	return counts
}

// Negative: the merger closes its stream once every source is drained.
type metricMerger struct {
	out chan auditEntry
	wg  sync.WaitGroup
}

func newMetricMerger(srcs ...<-chan auditEntry) *metricMerger {
	m := &metricMerger{out: make(chan auditEntry)}
	for _, src := range srcs {
		m.wg.Add(1)
		go func(src <-chan auditEntry) {
			defer m.wg.Done()
			for e := range src {
				m.out <- e
			}
		}(src)
	}
	go func() {
		m.wg.Wait()
		close(m.out)
	}()
	return m
}

func (m *metricMerger) Entries() <-chan auditEntry { return m.out }

func countMetrics(m *metricMerger) int {
	n := 0
	for range m.Entries() {
		n++
	}
	return n
}

// Negative: the accessor hands out the channel itself, which its caller
// may close.
type traceFeed struct {
	spans chan string
}

func (f *traceFeed) Spans() chan string { return f.spans }

func drainTraces(f *traceFeed) []string {
	var out []string
	for s := range f.Spans() {
		out = append(out, s)
	}
	return out
}

func newTraceFeed() *traceFeed { return &traceFeed{spans: make(chan string)} }
