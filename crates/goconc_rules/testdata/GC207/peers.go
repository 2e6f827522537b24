package gc207

import (
	"context"
	"errors"
	"fmt"
)

// Peers of a cluster exchange hello messages over in-memory links. Each
// link end has an outgoing and an incoming channel; two ends are wired
// crosswise.

type helloMsg struct {
	node    string
	version int
}

type linkEnd struct {
	node   string
	out    chan<- helloMsg
	in     <-chan helloMsg
	remote helloMsg
}

func newLink(a, b string) (*linkEnd, *linkEnd) {
	ab := make(chan helloMsg)
	ba := make(chan helloMsg)
	return &linkEnd{node: a, out: ab, in: ba}, &linkEnd{node: b, out: ba, in: ab}
}

var errSelfLink = errors.New("linked to self")

// Greet sends first and then waits for the peer's hello, on both ends.
func (e *linkEnd) Greet(version int) error {
	e.out <- helloMsg{node: e.node, version: version} // want `both peers send first: this send on the unbuffered .out. waits for the peer's receive on its .in.`
	h := <-e.in
	if h.node == e.node {
		return errSelfLink
	}
	if h.version != version {
		return fmt.Errorf("peer %s speaks version %d, not %d", h.node, h.version, version)
	}
	e.remote = h
	return nil
}

func greetBoth(a, b *linkEnd) error {
	errc := make(chan error, 2)
	go func() { errc <- a.Greet(3) }()
	go func() { errc <- b.Greet(3) }()
	for i := 0; i < 2; i++ {
		if err := <-errc; err != nil {
			return err
		}
	}
	return nil
}

// Replicas compare digests: wired by assignment, the exchange sends its
// digest before reading the peer's.
type digest struct {
	replica  string
	checksum uint64
}

type replica struct {
	name  string
	data  map[string]uint64
	sendq chan digest
	recvq chan digest
}

func (r *replica) sum() digest {
	var total uint64
	for _, v := range r.data {
		total += v
	}
	return digest{replica: r.name, checksum: total}
}

func (r *replica) compare() bool {
	mine := r.sum()
	r.sendq <- mine // want `both peers send first: this send on the unbuffered .sendq.`
	theirs := <-r.recvq
	return mine.checksum == theirs.checksum
}

func pairReplicas(a, b *replica) {
	ab := make(chan digest)
	ba := make(chan digest)
	a.sendq, b.recvq = ab, ab
	b.sendq, a.recvq = ba, ba
}

func consistent(a, b *replica) bool {
	pairReplicas(a, b)
	results := make(chan bool, 2)
	for _, r := range []*replica{a, b} {
		go func(r *replica) { results <- r.compare() }(r)
	}
	return <-results && <-results
}

// Negative: the dialling side sends first and the accepting side receives
// first, so every exchange completes.
type handshakeEnd struct {
	id  string
	tx  chan string
	rx  chan string
	got string
}

func newHandshakePair() (*handshakeEnd, *handshakeEnd) {
	one := make(chan string)
	two := make(chan string)
	return &handshakeEnd{id: "dialer", tx: one, rx: two}, &handshakeEnd{id: "listener", tx: two, rx: one}
}

func (h *handshakeEnd) dial() {
	h.tx <- h.id
	h.got = <-h.rx
}

func (h *handshakeEnd) accept() {
	h.got = <-h.rx
	h.tx <- h.id
}

// Negative: buffered links let both sends complete before either receive.
type bufferedEnd struct {
	name string
	up   chan int
	down chan int
}

func newBufferedLink() (*bufferedEnd, *bufferedEnd) {
	ab := make(chan int, 1)
	ba := make(chan int, 1)
	return &bufferedEnd{name: "a", up: ab, down: ba}, &bufferedEnd{name: "b", up: ba, down: ab}
}

func (b *bufferedEnd) swap(v int) int {
	b.up <- v
	return <-b.down
}

// Negative: a reader goroutine drains the incoming side, so the send
// always finds a receiver.
type pumpEnd struct {
	name    string
	egress  chan []byte
	ingress chan []byte
	frames  chan []byte
}

func newPumpPair() (*pumpEnd, *pumpEnd) {
	ab := make(chan []byte)
	ba := make(chan []byte)
	a := &pumpEnd{name: "a", egress: ab, ingress: ba, frames: make(chan []byte, 16)}
	b := &pumpEnd{name: "b", egress: ba, ingress: ab, frames: make(chan []byte, 16)}
	go a.pump()
	go b.pump()
	return a, b
}

func (p *pumpEnd) pump() {
	for {
		f := <-p.ingress
		p.frames <- f
	}
}

func (p *pumpEnd) write(f []byte) {
	p.egress <- f
}

// Negative: the send gives up with the context, so a stuck exchange ends.
type ctxEnd struct {
	name string
	out  chan string
	in   chan string
}

func newCtxLink() (*ctxEnd, *ctxEnd) {
	ab := make(chan string)
	ba := make(chan string)
	return &ctxEnd{name: "a", out: ab, in: ba}, &ctxEnd{name: "b", out: ba, in: ab}
}

func (c *ctxEnd) exchange(ctx context.Context) (string, error) {
	select {
	case c.out <- c.name:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	select {
	case v := <-c.in:
		return v, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Negative: the ends are wired to a hub goroutine, not to each other: the
// hub receives every request before it answers.
type hubClient struct {
	req  chan string
	resp chan string
}

func newHubClient() *hubClient {
	req := make(chan string)
	resp := make(chan string)
	go func() {
		for r := range req {
			resp <- "ack " + r
		}
	}()
	return &hubClient{req: req, resp: resp}
}

func (c *hubClient) call(r string) string {
	c.req <- r
	return <-c.resp
}

// Both sides of this pipe wait for the other's hello before sending their
// own: the ends go through small send/recv helpers.
type pipeEnd struct {
	rx <-chan helloMsg
	tx chan<- helloMsg
}

func newPipe() (*pipeEnd, *pipeEnd) {
	ab := make(chan helloMsg)
	ba := make(chan helloMsg)
	return &pipeEnd{rx: ba, tx: ab}, &pipeEnd{rx: ab, tx: ba}
}

func (p *pipeEnd) put(h helloMsg) { p.tx <- h }

func (p *pipeEnd) take() helloMsg { return <-p.rx }

type clusterNode struct {
	name    string
	version int
}

func (n *clusterNode) join(p *pipeEnd) (string, error) {
	remote := p.take() // want `both peers receive first: this receive on .rx. waits for the peer's send on its .tx.`
	if remote.version != n.version {
		return "", errSelfLink
	}
	p.put(helloMsg{node: n.name, version: n.version})
	return remote.node, nil
}

func (n *clusterNode) admit(p *pipeEnd) (string, error) {
	remote := p.take()
	p.put(helloMsg{node: n.name, version: n.version})
	return remote.node, nil
}

// Negative: the joining side speaks first through the same helpers.
type seedEnd struct {
	rx <-chan helloMsg
	tx chan<- helloMsg
}

func newSeedPipe() (*seedEnd, *seedEnd) {
	ab := make(chan helloMsg)
	ba := make(chan helloMsg)
	return &seedEnd{rx: ba, tx: ab}, &seedEnd{rx: ab, tx: ba}
}

func (p *seedEnd) put(h helloMsg) { p.tx <- h }

func (p *seedEnd) take() helloMsg { return <-p.rx }

func (n *clusterNode) joinSeed(p *seedEnd) string {
	p.put(helloMsg{node: n.name, version: n.version})
	return p.take().node
}

func (n *clusterNode) admitSeed(p *seedEnd) string {
	remote := p.take()
	p.put(helloMsg{node: n.name, version: n.version})
	return remote.node
}
