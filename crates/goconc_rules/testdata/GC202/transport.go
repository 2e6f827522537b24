package gc202

import (
	"errors"
	"sync"
	"time"
)

var errTransportClosed = errors.New("transport: closed")

type poolConn struct {
	addr     string
	lastUsed time.Time
}

// Transport and connPool model an HTTP-style transport whose RoundTrip holds
// the transport lock while checking a connection out of the pool (t.mu ->
// p.mu), while the pool's idle reaper holds the pool lock and calls back into
// the transport to forget the closed connection (p.mu -> t.mu). A request and
// a reaper tick running together each hold one lock and wait for the other.
type Transport struct {
	mu     sync.Mutex
	pool   *connPool
	active map[*poolConn]string
	closed bool
}

type connPool struct {
	mu    sync.Mutex
	owner *Transport
	idle  []*poolConn
}

// RoundTrip checks out a connection for addr.
func (t *Transport) RoundTrip(addr string) (*poolConn, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, errTransportClosed
	}
	c := t.pool.get(addr) // want "lock order inversion: .*while holding t.mu"
	t.active[c] = addr
	return c, nil
}

func (t *Transport) forget(c *poolConn) {
	t.mu.Lock()
	delete(t.active, c)
	t.mu.Unlock()
}

func (p *connPool) get(addr string) *poolConn {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, c := range p.idle {
		if c.addr == addr {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			return c
		}
	}
	return &poolConn{addr: addr, lastUsed: time.Now()}
}

func (p *connPool) reap(maxIdle time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	kept := p.idle[:0]
	for _, c := range p.idle {
		if time.Since(c.lastUsed) > maxIdle {
			p.owner.forget(c) // related ".*while holding p.mu"
			continue
		}
		kept = append(kept, c)
	}
	p.idle = kept
}

// SafeTransport and safePool are the fixed pair: the reaper collects the
// expired connections under p.mu and tells the transport after releasing
// it, so t.mu -> p.mu is the only order in the program.
type SafeTransport struct {
	mu     sync.Mutex
	pool   *safePool
	active map[*poolConn]string
	closed bool
}

type safePool struct {
	mu    sync.Mutex
	owner *SafeTransport
	idle  []*poolConn
}

// RoundTrip checks out a connection for addr.
func (t *SafeTransport) RoundTrip(addr string) (*poolConn, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, errTransportClosed
	}
	c := t.pool.get(addr) // ok: the pool never takes t.mu while holding p.mu, so this order is consistent
	t.active[c] = addr
	return c, nil
}

func (t *SafeTransport) forget(c *poolConn) {
	t.mu.Lock()
	delete(t.active, c)
	t.mu.Unlock()
}

func (p *safePool) get(addr string) *poolConn {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, c := range p.idle {
		if c.addr == addr {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			return c
		}
	}
	return &poolConn{addr: addr, lastUsed: time.Now()}
}

func (p *safePool) reap(maxIdle time.Duration) {
	p.mu.Lock()
	var expired []*poolConn
	kept := p.idle[:0]
	for _, c := range p.idle {
		if time.Since(c.lastUsed) > maxIdle {
			expired = append(expired, c)
			continue
		}
		kept = append(kept, c)
	}
	p.idle = kept
	p.mu.Unlock()
	for _, c := range expired {
		p.owner.forget(c) // ok: p.mu was released before calling back into the transport
	}
}

type document struct {
	id    string
	terms []string
}

// DocStore and termIndex model a search service where both directions go
// through helper calls: Put holds s.mu and indexes the document through
// indexDoc -> idx.add (s.mu -> idx.mu), while a rebuild holds idx.mu and
// reads every document back through snapshotDocs -> store.all (idx.mu -> s.mu).
type DocStore struct {
	mu   sync.Mutex
	docs map[string]document
	idx  *termIndex
}

type termIndex struct {
	mu       sync.Mutex
	store    *DocStore
	postings map[string][]string
}

func (idx *termIndex) add(d document) {
	idx.mu.Lock()
	defer idx.mu.Unlock()
	for _, t := range d.terms {
		idx.postings[t] = append(idx.postings[t], d.id)
	}
}

func (s *DocStore) indexDoc(d document) {
	if len(d.terms) > 0 {
		s.idx.add(d)
	}
}

func (s *DocStore) all() []document {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]document, 0, len(s.docs))
	for _, d := range s.docs {
		out = append(out, d)
	}
	return out
}

// Put stores and indexes d.
func (s *DocStore) Put(d document) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.docs[d.id] = d
	s.indexDoc(d) // want "lock order inversion: .*while holding s.mu"
}

func (idx *termIndex) snapshotDocs() []document {
	return idx.store.all()
}

// Rebuild recomputes every posting list.
func (idx *termIndex) Rebuild() {
	idx.mu.Lock()
	defer idx.mu.Unlock()
	idx.postings = map[string][]string{}
	for _, d := range idx.snapshotDocs() { // related ".*while holding idx.mu"
		for _, t := range d.terms {
			idx.postings[t] = append(idx.postings[t], d.id)
		}
	}
}

// Tree and treeNode model a config tree where node updates mark the tree
// dirty. The tree lock is always taken before a node lock; the node releases
// its own lock before calling back into the tree.
type Tree struct {
	mu    sync.Mutex
	nodes map[string]*treeNode
	dirty bool
}

type treeNode struct {
	mu    sync.Mutex
	tree  *Tree
	value string
}

// Render reads every node under the tree lock.
func (t *Tree) Render() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, 0, len(t.nodes))
	for _, n := range t.nodes {
		n.mu.Lock() // ok: tree before node is the only order; nodes release n.mu before touching the tree
		out = append(out, n.value)
		n.mu.Unlock()
	}
	return out
}

func (t *Tree) markDirty() {
	t.mu.Lock()
	t.dirty = true
	t.mu.Unlock()
}

// Set updates the node and marks the tree dirty.
func (n *treeNode) Set(v string) {
	n.mu.Lock()
	changed := n.value != v
	n.value = v
	n.mu.Unlock()
	if changed {
		n.tree.markDirty() // ok: n.mu was released above, so no node -> tree edge exists
	}
}
