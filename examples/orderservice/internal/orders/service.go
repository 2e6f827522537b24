// Package orders implements the order API.
package orders

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"example.com/orderservice/internal/inventory"
	"example.com/orderservice/internal/notify"
)

// Order is a customer order.
type Order struct {
	ID  string `json:"id"`
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

// Service validates orders, reserves stock and publishes events. Reservation
// work runs on a bounded worker pool.
type Service struct {
	stock   *inventory.Store
	events  *notify.Batcher
	jobs    chan job
	wg      sync.WaitGroup
	mu      sync.Mutex
	placed  map[string]Order
	closing sync.Once
}

type job struct {
	ctx    context.Context
	order  Order
	result chan error
}

// NewService starts workers goroutines that process reservations.
func NewService(stock *inventory.Store, events *notify.Batcher, workers int) *Service {
	s := &Service{
		stock:  stock,
		events: events,
		jobs:   make(chan job),
		placed: make(map[string]Order),
	}
	for i := 0; i < workers; i++ {
		s.wg.Add(1)
		go s.worker()
	}
	return s
}

func (s *Service) worker() {
	defer s.wg.Done()
	for j := range s.jobs {
		// result has capacity 1: the worker never blocks even if the
		// caller gave up waiting.
		j.result <- s.place(j.ctx, j.order)
	}
}

func (s *Service) place(ctx context.Context, o Order) error {
	if err := s.stock.Reserve(o.SKU, o.Qty); err != nil {
		return err
	}
	s.mu.Lock()
	s.placed[o.ID] = o
	s.mu.Unlock()
	return s.events.Publish(ctx, notify.Event{OrderID: o.ID, Status: "placed"})
}

// Place submits an order to the pool and waits for the outcome or ctx.
func (s *Service) Place(ctx context.Context, o Order) error {
	j := job{ctx: ctx, order: o, result: make(chan error, 1)}
	select {
	case s.jobs <- j:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-j.result:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops the workers after in-flight jobs finish.
func (s *Service) Close() {
	s.closing.Do(func() {
		close(s.jobs)
		s.wg.Wait()
	})
}

// Routes returns the HTTP handlers.
func (s *Service) Routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /orders", s.handlePlace)
	return mux
}

func (s *Service) handlePlace(w http.ResponseWriter, r *http.Request) {
	var o Order
	if err := json.NewDecoder(r.Body).Decode(&o); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	switch err := s.Place(ctx, o); {
	case err == nil:
		w.WriteHeader(http.StatusCreated)
	case errors.Is(err, inventory.ErrOutOfStock):
		http.Error(w, err.Error(), http.StatusConflict)
	default:
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
	}
}
