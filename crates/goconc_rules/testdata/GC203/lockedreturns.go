package gc203

import (
	"errors"
	"fmt"
	"sync"
)

// A helper that returns an object with its lock held: the caller owns the
// lock from then on and must release it on every path.

type csiVolume struct {
	mu       sync.Mutex
	id       string
	attached bool
}

type csiBackend interface {
	Attach(id, node string) error
}

type volumeManager struct {
	mu      sync.Mutex
	node    string
	backend csiBackend
	volumes map[string]*csiVolume
}

// lockVolume returns the volume with its lock held.
func (m *volumeManager) lockVolume(id string) *csiVolume {
	m.mu.Lock()
	v, ok := m.volumes[id]
	if !ok {
		v = &csiVolume{id: id}
		m.volumes[id] = v
	}
	m.mu.Unlock()
	v.mu.Lock()
	return v
}

func (m *volumeManager) unlockVolume(v *csiVolume) { v.mu.Unlock() }

func (m *volumeManager) attach(id string) error {
	v := m.lockVolume(id)
	if v.attached {
		m.unlockVolume(v)
		return nil
	}
	if err := m.backend.Attach(id, m.node); err != nil {
		return fmt.Errorf("attach %s: %w", id, err) // want `v.mu is not unlocked on this path`
	}
	v.attached = true
	m.unlockVolume(v)
	return nil
}

// ok: the unlock is deferred right after the helper.
func (m *volumeManager) attachDeferred(id string) error {
	v := m.lockVolume(id)
	defer m.unlockVolume(v)
	if v.attached {
		return nil
	}
	if err := m.backend.Attach(id, m.node); err != nil {
		return fmt.Errorf("attach %s: %w", id, err)
	}
	v.attached = true
	return nil
}

// ok: a helper that may fail returns without the lock on its error path,
// and the caller unlocks only what it got.
func (m *volumeManager) lockAttached(id string) (*csiVolume, error) {
	m.mu.Lock()
	v, ok := m.volumes[id]
	m.mu.Unlock()
	if !ok {
		return nil, errors.New("unknown volume")
	}
	v.mu.Lock()
	return v, nil
}

func (m *volumeManager) detach(id string) error {
	v, err := m.lockAttached(id)
	if err != nil {
		return err
	}
	v.attached = false
	v.mu.Unlock()
	return nil
}
