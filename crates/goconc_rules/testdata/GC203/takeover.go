package gc203

import (
	"context"
	"sync"
)

// A sealing pipeline: adding a piece reserves space under inputLk, and the
// goroutine that waits for the piece's sector takes the lock over and
// releases it when the piece is placed.

type pendingPiece struct {
	size     uint64
	accepted chan error
}

type sealing struct {
	inputLk sync.Mutex
	pending []*pendingPiece
	place   func(ctx context.Context, p *pendingPiece) error
}

// called with s.inputLk held; the goroutine it starts takes the lock over.
func (s *sealing) addPendingPiece(ctx context.Context, size uint64) *pendingPiece {
	pp := &pendingPiece{size: size, accepted: make(chan error, 1)}
	s.pending = append(s.pending, pp)
	go func() {
		defer s.inputLk.Unlock()
		pp.accepted <- s.place(ctx, pp)
	}()
	return pp
}

// ok: addPendingPiece hands the lock to its goroutine.
func (s *sealing) AddPiece(ctx context.Context, size uint64) error {
	s.inputLk.Lock()
	if size == 0 {
		s.inputLk.Unlock()
		return nil
	}
	pp := s.addPendingPiece(ctx, size)
	return <-pp.accepted
}

// A helper whose goroutine does not release the lock: the caller leaks it.
func (s *sealing) queuePiece(ctx context.Context, size uint64) *pendingPiece {
	pp := &pendingPiece{size: size, accepted: make(chan error, 1)}
	s.pending = append(s.pending, pp)
	go func() {
		pp.accepted <- s.place(ctx, pp)
	}()
	return pp
}

func (s *sealing) QueuePiece(ctx context.Context, size uint64) error {
	s.inputLk.Lock()
	if size == 0 {
		s.inputLk.Unlock()
		return nil
	}
	pp := s.queuePiece(ctx, size)
	return <-pp.accepted // want `s.inputLk is not unlocked on this path`
}
