package gc207

import "sync"

// Replication actors gossip updates to a peer of their own type.

type rumor struct {
	key     string
	version int
}

type gossipNode struct {
	name  string
	inbox chan rumor
	peer  *gossipNode
	stop  chan struct{}

	mu   sync.Mutex
	seen map[string]int
}

func newGossipNode(name string, stop chan struct{}) *gossipNode {
	return &gossipNode{name: name, inbox: make(chan rumor), stop: stop, seen: map[string]int{}}
}

func (g *gossipNode) loop() {
	for {
		select {
		case r := <-g.inbox:
			g.mu.Lock()
			fresh := g.seen[r.key] < r.version
			if fresh {
				g.seen[r.key] = r.version
			}
			g.mu.Unlock()
			if fresh {
				g.peer.inbox <- r // want `loop forwards to a peer's unbuffered .inbox. \(through .peer.\) from inside its receive loop, and the peers point at each other`
			}
		case <-g.stop:
			return
		}
	}
}

func startGossipPair(stop chan struct{}) (*gossipNode, *gossipNode) {
	a := newGossipNode("a", stop)
	b := newGossipNode("b", stop)
	a.peer, b.peer = b, a
	go a.loop()
	go b.loop()
	return a, b
}

// A token ring: each member hands the token to the next, and the last
// member's next is the first.
type ringMember struct {
	id    int
	token chan int
	next  *ringMember
	done  chan struct{}
}

func (m *ringMember) serve() {
	for {
		select {
		case t := <-m.token:
			m.next.token <- t + 1 // want `serve forwards to a peer's unbuffered .token. \(through .next.\) from inside its receive loop`
		case <-m.done:
			return
		}
	}
}

func startRing(n int) []*ringMember {
	done := make(chan struct{})
	members := make([]*ringMember, n)
	for i := range members {
		members[i] = &ringMember{id: i, token: make(chan int), done: done}
	}
	for i := range members {
		members[i].next = members[(i+1)%n]
	}
	for _, m := range members {
		go m.serve()
	}
	return members
}

// Negative: a chain of stages of one type, with no way back to an
// earlier stage.
type chainStage struct {
	name string
	in   chan string
	next *chainStage
	out  chan string
}

func (s *chainStage) run() {
	for v := range s.in {
		if s.next == nil {
			s.out <- v
			continue
		}
		s.next.in <- s.name + ":" + v
	}
}

func buildChain(out chan string) *chainStage {
	last := &chainStage{name: "sink", in: make(chan string), out: out}
	first := &chainStage{name: "source", in: make(chan string), next: last}
	go last.run()
	go first.run()
	return first
}

// Negative: the forward is a select that keeps receiving on the own
// inbox, so two forwarding peers always make progress.
type relayNode struct {
	inbox   chan rumor
	peer    *relayNode
	pending []rumor
	quit    chan struct{}
}

func (r *relayNode) run() {
	for {
		var out chan rumor
		var next rumor
		if len(r.pending) > 0 {
			out, next = r.peer.inbox, r.pending[0]
		}
		select {
		case m := <-r.inbox:
			r.pending = append(r.pending, m)
		case out <- next:
			r.pending = r.pending[1:]
		case <-r.quit:
			return
		}
	}
}

func startRelays() (*relayNode, *relayNode) {
	quit := make(chan struct{})
	a := &relayNode{inbox: make(chan rumor), quit: quit}
	b := &relayNode{inbox: make(chan rumor), quit: quit}
	a.peer, b.peer = b, a
	go a.run()
	go b.run()
	return a, b
}

// Negative: the peers have room for the forwarded message.
type mailboxNode struct {
	mail chan rumor
	peer *mailboxNode
	quit chan struct{}
}

func (m *mailboxNode) run() {
	for {
		select {
		case r := <-m.mail:
			if r.version > 0 {
				r.version--
				m.peer.mail <- r
			}
		case <-m.quit:
			return
		}
	}
}

func startMailboxes() (*mailboxNode, *mailboxNode) {
	quit := make(chan struct{})
	a := &mailboxNode{mail: make(chan rumor, 64), quit: quit}
	b := &mailboxNode{mail: make(chan rumor, 64), quit: quit}
	a.peer, b.peer = b, a
	go a.run()
	go b.run()
	return a, b
}

// Replication nodes heartbeat every other node through a helper; every
// node is a peer of every other.
type replMsg struct {
	from, to uint64
	kind     string
}

type replNode struct {
	id    uint64
	inbox chan replMsg
	peers map[uint64]*replNode
	stop  chan struct{}
}

func newReplNode(id uint64) *replNode {
	return &replNode{id: id, inbox: make(chan replMsg), peers: map[uint64]*replNode{}, stop: make(chan struct{})}
}

func meshReplNodes(nodes ...*replNode) {
	for _, a := range nodes {
		for _, b := range nodes {
			if a != b {
				a.peers[b.id] = b
			}
		}
	}
	for _, n := range nodes {
		go n.run()
	}
}

func (n *replNode) run() {
	for {
		select {
		case m := <-n.inbox:
			n.handle(m) // want `run forwards to a peer's unbuffered .inbox. \(through .peers.\)`
		case <-n.stop:
			return
		}
	}
}

func (n *replNode) handle(m replMsg) {
	if m.kind == "tick" {
		for id := range n.peers {
			n.sendTo(replMsg{from: n.id, to: id, kind: "heartbeat"})
		}
	}
}

func (n *replNode) sendTo(m replMsg) { n.peers[m.to].inbox <- m }
