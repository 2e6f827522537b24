package gc103

import (
	"context"
	"sync"
)

type configUpdate struct {
	typeURL string
	version string
}

// configSyncer applies pushed configuration and explicit resync requests.
// resyncCh is a trigger: Resync sends on it and nothing closes it, so a
// case on it is not a way out of the loop.
type configSyncer struct {
	updates  chan configUpdate
	resyncCh chan struct{}
	mu       sync.Mutex
	applied  map[string]string
	apply    func(context.Context, configUpdate) error
}

func newConfigSyncer(apply func(context.Context, configUpdate) error) *configSyncer {
	return &configSyncer{
		updates:  make(chan configUpdate),
		resyncCh: make(chan struct{}),
		applied:  make(map[string]string),
		apply:    apply,
	}
}

func (s *configSyncer) run(ctx context.Context) {
	for {
		select { // want "select in a loop has no case <-ctx.Done\\(\\)"
		case u := <-s.updates:
			if err := s.apply(ctx, u); err != nil {
				continue
			}
			s.mu.Lock()
			s.applied[u.typeURL] = u.version
			s.mu.Unlock()
		case <-s.resyncCh:
			s.resyncAll(ctx)
		}
	}
}

func (s *configSyncer) resyncAll(ctx context.Context) {
	s.mu.Lock()
	snapshot := make([]configUpdate, 0, len(s.applied))
	for t, v := range s.applied {
		snapshot = append(snapshot, configUpdate{typeURL: t, version: v})
	}
	s.mu.Unlock()
	for _, u := range snapshot {
		_ = s.apply(ctx, u)
	}
}

func (s *configSyncer) resync() { s.resyncCh <- struct{}{} }

// pollSyncer's kick channel is never sent on or closed by the package:
// the case can never fire.
type pollSyncer struct {
	events chan configUpdate
	kick   chan struct{}
}

func newPollSyncer() *pollSyncer {
	return &pollSyncer{events: make(chan configUpdate), kick: make(chan struct{})}
}

func (p *pollSyncer) run(ctx context.Context, apply func(context.Context, configUpdate) error) {
	for {
		select { // want "select in a loop has no case <-ctx.Done\\(\\)"
		case u := <-p.events:
			_ = apply(ctx, u)
		case <-p.kick:
		}
	}
}

// stoppableSyncer's stop channel is closed by Stop: its case is the way out.
type stoppableSyncer struct {
	updates chan configUpdate
	stop    chan struct{}
	once    sync.Once
}

func newStoppableSyncer() *stoppableSyncer {
	return &stoppableSyncer{updates: make(chan configUpdate), stop: make(chan struct{})}
}

func (s *stoppableSyncer) run(ctx context.Context, apply func(context.Context, configUpdate) error) {
	for {
		select { // ok: stop is closed by Stop
		case u := <-s.updates:
			_ = apply(ctx, u)
		case <-s.stop:
			s.drain(ctx, apply)
			return
		}
	}
}

func (s *stoppableSyncer) drain(ctx context.Context, apply func(context.Context, configUpdate) error) {
	for {
		select { // ok: the default case ends the drain
		case u := <-s.updates:
			_ = apply(ctx, u)
		default:
			return
		}
	}
}

func (s *stoppableSyncer) Stop() { s.once.Do(func() { close(s.stop) }) }

// hookedSyncer's wake channel is exported through Wake: code outside the
// package may close it, so its case may be the way out.
type hookedSyncer struct {
	updates chan configUpdate
	wake    chan struct{}
}

func (h *hookedSyncer) Wake() chan struct{} { return h.wake }

func newHookedSyncer() *hookedSyncer {
	return &hookedSyncer{updates: make(chan configUpdate), wake: make(chan struct{})}
}

func (h *hookedSyncer) run(ctx context.Context, apply func(context.Context, configUpdate) error) {
	for {
		select { // ok: wake is handed out by Wake and may be closed by its holder
		case u := <-h.updates:
			_ = apply(ctx, u)
		case <-h.wake:
		}
	}
}
