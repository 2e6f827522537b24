// Package gc101 holds fixtures for GC101 abandoned-channel: a goroutine
// blocks forever on a channel whose only counterpart can stop listening.
package gc101

import (
	"context"
	"errors"
	"net/http"
	"time"
)

var errLookupTimeout = errors.New("lookup timed out")

// dnsAnswer is what a resolver backend returns.
type dnsAnswer struct {
	addrs []string
	err   error
}

// slowResolver models a backend whose queries can take arbitrarily long.
type slowResolver struct {
	timeout time.Duration
}

func (r *slowResolver) query(host string) dnsAnswer {
	time.Sleep(50 * time.Millisecond)
	return dnsAnswer{addrs: []string{host}}
}

// Lookup models the classic request/response-with-timeout leak: the result
// channel is unbuffered, the caller gives up on time.After, and the worker
// goroutine is left blocked on its send forever.
func (r *slowResolver) Lookup(host string) ([]string, error) {
	resultCh := make(chan dnsAnswer)
	go func() {
		resultCh <- r.query(host) // want "blocks forever sending to resultCh"
	}()
	select {
	case ans := <-resultCh:
		return ans.addrs, ans.err
	case <-time.After(r.timeout):
		return nil, errLookupTimeout
	}
}

// LookupFixed is the same resolver with the result channel given room for
// the single answer, so the worker can always finish.
func (r *slowResolver) LookupFixed(host string) ([]string, error) {
	resultCh := make(chan dnsAnswer, 1)
	go func() {
		resultCh <- r.query(host) // ok: capacity 1 holds the only send even after the timeout
	}()
	select {
	case ans := <-resultCh:
		return ans.addrs, ans.err
	case <-time.After(r.timeout):
		return nil, errLookupTimeout
	}
}

// quoteService models an RPC client that computes a price in the
// background and stops waiting when the request context is cancelled
// ("channel with context").
type quoteService struct {
	base float64
}

func (q *quoteService) compute(ctx context.Context, sku string) float64 {
	_ = ctx
	return q.base * float64(len(sku))
}

// Price leaks the computing goroutine whenever ctx is cancelled first.
func (q *quoteService) Price(ctx context.Context, sku string) (float64, error) {
	out := make(chan float64)
	go func() {
		out <- q.compute(ctx, sku) // want "blocks forever sending to out"
	}()
	select {
	case p := <-out:
		return p, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// PriceFixed lets the worker give up too: its send selects on ctx.Done().
func (q *quoteService) PriceFixed(ctx context.Context, sku string) (float64, error) {
	out := make(chan float64)
	go func() {
		p := q.compute(ctx, sku)
		select {
		case out <- p: // ok: the sender also selects on ctx.Done()
		case <-ctx.Done():
		}
	}()
	select {
	case p := <-out:
		return p, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// healthProber models a load balancer's health check that waits for the
// probe with a time.Timer and abandons it when the timer fires.
type healthProber struct {
	budget time.Duration
}

func (h *healthProber) probe(addr string) bool {
	return addr != ""
}

// Healthy stops listening when the timer fires; the probe goroutine then
// blocks on its send.
func (h *healthProber) Healthy(addr string) bool {
	verdict := make(chan bool)
	go func() {
		verdict <- h.probe(addr) // want "blocks forever sending to verdict"
	}()
	timer := time.NewTimer(h.budget)
	defer timer.Stop()
	select {
	case ok := <-verdict:
		return ok
	case <-timer.C:
		return false
	}
}

// HealthyFixed buffers the verdict so the probe never waits for a reader.
func (h *healthProber) HealthyFixed(addr string) bool {
	verdict := make(chan bool, 1)
	go func() {
		verdict <- h.probe(addr) // ok: buffered for the single verdict
	}()
	timer := time.NewTimer(h.budget)
	defer timer.Stop()
	select {
	case ok := <-verdict:
		return ok
	case <-timer.C:
		return false
	}
}

// serveUntilCancelled models the common "run an http.Server until the
// context ends" helper: after Shutdown, ListenAndServe returns
// http.ErrServerClosed, but nobody receives from errc any more.
func serveUntilCancelled(ctx context.Context, srv *http.Server) error {
	errc := make(chan error)
	go func() {
		errc <- srv.ListenAndServe() // want "blocks forever sending to errc"
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutdownCtx)
	}
}

// serveUntilCancelledFixed gives errc room for the final error.
func serveUntilCancelledFixed(ctx context.Context, srv *http.Server) error {
	errc := make(chan error, 1)
	go func() {
		errc <- srv.ListenAndServe() // ok: capacity 1, the send completes after Shutdown
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutdownCtx)
	}
}
