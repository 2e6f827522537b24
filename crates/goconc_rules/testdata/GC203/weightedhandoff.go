package gc203

import (
	"context"
	"errors"
	"sync"

	"golang.org/x/sync/semaphore"
)

// Semaphore slots handed on instead of released where they are taken: a
// request holds its slot until its response arrives, and a limiter returns
// the release to its caller.

type appNetwork struct {
	activeRequests *semaphore.Weighted
	lock           sync.Mutex
	peers          []string
	pending        map[uint32]func([]byte)
	send           func(peer string, id uint32, req []byte) error
	nextID         uint32
}

var errNoPeers = errors.New("no peers")

// ok: sendRequest owns the slot from here; it releases it on a send error
// and onResponse releases it when the request completes.
func (n *appNetwork) SendRequestAny(ctx context.Context, req []byte, handle func([]byte)) (string, error) {
	if err := n.activeRequests.Acquire(ctx, 1); err != nil {
		return "", err
	}
	n.lock.Lock()
	defer n.lock.Unlock()
	if len(n.peers) > 0 {
		peer := n.peers[0]
		return peer, n.sendRequest(peer, req, handle)
	}
	n.activeRequests.Release(1)
	return "", errNoPeers
}

func (n *appNetwork) sendRequest(peer string, req []byte, handle func([]byte)) error {
	n.nextID++
	id := n.nextID
	n.pending[id] = handle
	if err := n.send(peer, id, req); err != nil {
		delete(n.pending, id)
		n.activeRequests.Release(1)
		return err
	}
	return nil
}

func (n *appNetwork) onResponse(id uint32, resp []byte) {
	n.lock.Lock()
	handle, ok := n.pending[id]
	delete(n.pending, id)
	n.lock.Unlock()
	if !ok {
		return
	}
	n.activeRequests.Release(1)
	handle(resp)
}

// The same send where nothing on the success path takes the slot over.
func (n *appNetwork) SendRequestTo(ctx context.Context, peer string, req []byte) error {
	if err := n.activeRequests.Acquire(ctx, 1); err != nil {
		return err
	}
	if peer == "" {
		n.activeRequests.Release(1)
		return errNoPeers
	}
	n.nextID++
	return n.send(peer, n.nextID, req) // want `n.activeRequests is not released on this path`
}

type fetchLimiter struct {
	mu    sync.Mutex
	hosts map[string]*semaphore.Weighted
}

// ok: the release goes back to the caller, which defers it.
func (l *fetchLimiter) acquire(ctx context.Context, host string) (func(), error) {
	l.mu.Lock()
	s, ok := l.hosts[host]
	if !ok {
		s = semaphore.NewWeighted(4)
		l.hosts[host] = s
	}
	l.mu.Unlock()
	if err := s.Acquire(ctx, 1); err != nil {
		return nil, err
	}
	if host == "localhost" {
		s.Release(1)
		return func() {}, nil
	}
	return func() {
		s.Release(1)
	}, nil
}
