package gc207

import (
	"errors"
	"strings"
)

// geoLookup serialises lookups through one worker goroutine that its
// constructor starts. Locate submits every address on the unbuffered
// queries channel before it reads any answer, while the worker must hand
// over each answer before it takes the next query: with two or more
// addresses both block.
type geoAnswer struct {
	addr    string
	country string
	err     error
}

type geoBackend interface {
	Country(addr string) (string, error)
}

type geoLookup struct {
	backend geoBackend
	queries chan string
	answers chan geoAnswer
	stop    chan struct{}
}

func newGeoLookup(b geoBackend) *geoLookup {
	g := &geoLookup{
		backend: b,
		queries: make(chan string),
		answers: make(chan geoAnswer),
		stop:    make(chan struct{}),
	}
	go g.serve()
	return g
}

func (g *geoLookup) serve() {
	for {
		select {
		case <-g.stop:
			return
		case addr := <-g.queries:
			country, err := g.backend.Country(addr)
			g.answers <- geoAnswer{addr: addr, country: country, err: err}
		}
	}
}

func (g *geoLookup) submitAll(addrs []string) {
	for _, a := range addrs {
		g.queries <- strings.TrimSpace(a) // want "can block forever: the goroutine running serve can be waiting at the send on g.answers"
	}
}

func (g *geoLookup) gather(n int) map[string]geoAnswer {
	out := make(map[string]geoAnswer, n)
	for i := 0; i < n; i++ {
		a := <-g.answers
		out[a.addr] = a
	}
	return out
}

var errNoAddrs = errors.New("no addresses")

func (g *geoLookup) Locate(addrs []string) (map[string]geoAnswer, error) {
	if len(addrs) == 0 {
		return nil, errNoAddrs
	}
	g.submitAll(addrs)
	return g.gather(len(addrs)), nil
}

func (g *geoLookup) Close() { close(g.stop) }

// rateLookup is the same worker, but Quote waits for each answer before
// it sends the next query.
type rateLookup struct {
	backend geoBackend
	queries chan string
	answers chan geoAnswer
	stop    chan struct{}
}

func newRateLookup(b geoBackend) *rateLookup {
	r := &rateLookup{
		backend: b,
		queries: make(chan string),
		answers: make(chan geoAnswer),
		stop:    make(chan struct{}),
	}
	go r.serve()
	return r
}

func (r *rateLookup) serve() {
	for {
		select {
		case <-r.stop:
			return
		case q := <-r.queries:
			country, err := r.backend.Country(q)
			r.answers <- geoAnswer{addr: q, country: country, err: err}
		}
	}
}

func (r *rateLookup) Quote(addrs []string) []geoAnswer {
	out := make([]geoAnswer, 0, len(addrs))
	for _, a := range addrs {
		r.queries <- a // ok: one query, then its answer, in lockstep with serve
		out = append(out, <-r.answers)
	}
	return out
}

func (r *rateLookup) Close() { close(r.stop) }

// zoneLookup answers on the reply channel each request carries, and a
// second goroutine started with the worker forwards nothing back: Batch
// may queue every request before reading replies, since each reply
// channel has room for its answer.
type zoneRequest struct {
	name  string
	reply chan geoAnswer
}

type zoneLookup struct {
	backend  geoBackend
	requests chan zoneRequest
	stop     chan struct{}
}

func newZoneLookup(b geoBackend) *zoneLookup {
	z := &zoneLookup{backend: b, requests: make(chan zoneRequest), stop: make(chan struct{})}
	go z.serve()
	return z
}

func (z *zoneLookup) serve() {
	for {
		select {
		case <-z.stop:
			return
		case req := <-z.requests:
			country, err := z.backend.Country(req.name)
			req.reply <- geoAnswer{addr: req.name, country: country, err: err}
		}
	}
}

func (z *zoneLookup) Batch(names []string) []geoAnswer {
	pending := make([]zoneRequest, 0, len(names))
	for _, n := range names {
		req := zoneRequest{name: n, reply: make(chan geoAnswer, 1)}
		z.requests <- req // ok: each reply channel holds its answer until read
		pending = append(pending, req)
	}
	out := make([]geoAnswer, 0, len(pending))
	for _, req := range pending {
		out = append(out, <-req.reply)
	}
	return out
}

func (z *zoneLookup) Close() { close(z.stop) }
