package gc101

import "strings"

// A pipeline whose last stage is a function handed the stream: it stops
// reading at a limit, and the stage feeding it stays parked in its send.

type tsdbSample struct {
	series string
	value  float64
}

type ingestHead struct {
	samples map[string][]float64
}

type ingestPipeline struct {
	head       *ingestHead
	maxSamples int
}

func (p *ingestPipeline) filterStage(in []tsdbSample, allowed func(string) bool) <-chan tsdbSample {
	out := make(chan tsdbSample)
	go func() { // related `goroutine started here`
		defer close(out)
		for _, s := range in {
			if allowed(s.series) {
				out <- s // want `goroutine blocks forever sending to out: filterStage returns it, and writeStage can stop receiving while values are still coming`
			}
		}
	}()
	return out
}

// writeStage appends until the per-request limit.
func (p *ingestPipeline) writeStage(in <-chan tsdbSample) int {
	n := 0
	for s := range in {
		p.head.samples[s.series] = append(p.head.samples[s.series], s.value)
		n++
		if n == p.maxSamples {
			return n // related `the caller returns here without completing the exchange on in`
		}
	}
	return n
}

func (p *ingestPipeline) ingest(samples []tsdbSample) int {
	filtered := p.filterStage(samples, func(series string) bool { // related `the stream is taken here`
		return !strings.HasPrefix(series, "debug_")
	})
	return p.writeStage(filtered)
}

type auditLog struct {
	lines []string
	limit int
}

func (a *auditLog) emit() <-chan string {
	out := make(chan string)
	go func() {
		defer close(out)
		for _, l := range a.lines {
			out <- l // want `goroutine blocks forever sending to out: emit returns it, and firstN can stop receiving`
		}
	}()
	return out
}

func (a *auditLog) firstN(in <-chan string) []string {
	var got []string
	for l := range in {
		got = append(got, l)
		if len(got) == a.limit {
			break
		}
	}
	return got
}

// The stream goes straight into the consuming call.
func (a *auditLog) head() []string {
	return a.firstN(a.emit())
}

// ok: the consumer reads the whole stream.
func (a *auditLog) emitAll() <-chan string {
	out := make(chan string)
	go func() {
		defer close(out)
		for _, l := range a.lines {
			out <- l
		}
	}()
	return out
}

func (a *auditLog) collect(in <-chan string) []string {
	var got []string
	for l := range in {
		got = append(got, l)
	}
	return got
}

func (a *auditLog) all() []string {
	return a.collect(a.emitAll())
}

// ok: the consumer drains what is left after its limit.
func (a *auditLog) emitDrained() <-chan string {
	out := make(chan string)
	go func() {
		defer close(out)
		for _, l := range a.lines {
			out <- l
		}
	}()
	return out
}

func (a *auditLog) firstNDrained(in <-chan string) []string {
	var got []string
	for l := range in {
		if len(got) < a.limit {
			got = append(got, l)
		}
	}
	return got
}

func (a *auditLog) headDrained() []string {
	return a.firstNDrained(a.emitDrained())
}

// A stage function consumes its input in the goroutine it starts and
// stops at the first malformed record.
type shipmentRecord struct {
	id  int
	raw string
}

func readShipments(lines []string) <-chan shipmentRecord {
	out := make(chan shipmentRecord)
	go func() {
		defer close(out)
		for i, l := range lines {
			out <- shipmentRecord{id: i, raw: l} // want `goroutine blocks forever sending to out: readShipments returns it, and the goroutine validateShipments starts can stop receiving`
		}
	}()
	return out
}

func validateShipments(in <-chan shipmentRecord, errc chan<- error) <-chan string {
	out := make(chan string)
	go func() {
		defer close(out)
		for r := range in {
			if !strings.Contains(r.raw, ",") {
				errc <- nil
				return
			}
			out <- r.raw
		}
	}()
	return out
}

func loadShipments(lines []string) []string {
	errc := make(chan error, 1)
	var rows []string
	for row := range validateShipments(readShipments(lines), errc) {
		rows = append(rows, row)
	}
	return rows
}
