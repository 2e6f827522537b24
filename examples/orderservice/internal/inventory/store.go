// Package inventory keeps stock levels and reservations.
package inventory

import (
	"errors"
	"sync"
)

// ErrOutOfStock is returned when a reservation cannot be satisfied.
var ErrOutOfStock = errors.New("inventory: out of stock")

// Store is a concurrency-safe stock table.
type Store struct {
	mu       sync.RWMutex
	levels   map[string]int
	reserved map[string]int
}

// NewStore returns a store seeded with the given stock levels.
func NewStore(initial map[string]int) *Store {
	levels := make(map[string]int, len(initial))
	for sku, n := range initial {
		levels[sku] = n
	}
	return &Store{levels: levels, reserved: make(map[string]int)}
}

// Available reports how many units of sku can still be reserved.
func (s *Store) Available(sku string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.availableLocked(sku)
}

// availableLocked must be called with s.mu held.
func (s *Store) availableLocked(sku string) int {
	return s.levels[sku] - s.reserved[sku]
}

// Reserve holds qty units of sku for an order.
func (s *Store) Reserve(sku string, qty int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.availableLocked(sku) < qty {
		return ErrOutOfStock
	}
	s.reserved[sku] += qty
	return nil
}

// Release gives back a reservation.
func (s *Store) Release(sku string, qty int) {
	s.mu.Lock()
	s.reserved[sku] -= qty
	if s.reserved[sku] < 0 {
		s.reserved[sku] = 0
	}
	s.mu.Unlock()
}
