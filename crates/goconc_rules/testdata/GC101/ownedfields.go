package gc101

import (
	"context"
	"fmt"
)

// A component that keeps its result channel in a field but uses it like a
// local: one method starts the senders and is the only receiver. When that
// method returns early, the remaining senders block forever.

type checkRunner struct {
	results chan error
}

func newCheckRunner() *checkRunner {
	return &checkRunner{results: make(chan error)}
}

// RunChecks stops at the first failure; the other checks stay blocked.
func (r *checkRunner) RunChecks(checks []func() error) error {
	for _, check := range checks {
		go func(check func() error) {
			r.results <- check() // want `goroutine blocks forever sending to r.results`
		}(check)
	}
	for range checks {
		if err := <-r.results; err != nil {
			return fmt.Errorf("health check: %w", err)
		}
	}
	return nil
}

type probeRunner struct {
	outcomes chan error
}

func newProbeRunner() *probeRunner {
	p := &probeRunner{}
	p.outcomes = make(chan error)
	return p
}

// Probe gives up when the context ends.
func (p *probeRunner) Probe(ctx context.Context, probes []func() error) error {
	for _, probe := range probes {
		go func(probe func() error) {
			p.outcomes <- probe() // want `goroutine blocks forever sending to p.outcomes`
		}(probe)
	}
	for range probes {
		select {
		case err := <-p.outcomes:
			if err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// A runner with room for every check.
type bufferedCheckRunner struct {
	results chan error
}

func newBufferedCheckRunner(n int) *bufferedCheckRunner {
	return &bufferedCheckRunner{results: make(chan error, 64)}
}

func (r *bufferedCheckRunner) RunChecks(checks []func() error) error {
	if len(checks) > 64 {
		return fmt.Errorf("too many checks")
	}
	for _, check := range checks {
		go func(check func() error) {
			r.results <- check() // ok: every check has a slot (at most 64)
		}(check)
	}
	for range checks {
		if err := <-r.results; err != nil {
			return err
		}
	}
	return nil
}

// A runner whose channel another method also drains: the field is shared
// state, not the method's own.
type drainedCheckRunner struct {
	results chan error
}

func newDrainedCheckRunner() *drainedCheckRunner {
	return &drainedCheckRunner{results: make(chan error)}
}

func (r *drainedCheckRunner) RunChecks(checks []func() error) error {
	for _, check := range checks {
		go func(check func() error) {
			r.results <- check() // ok: Drain receives the rest
		}(check)
	}
	for range checks {
		if err := <-r.results; err != nil {
			return err
		}
	}
	return nil
}

func (r *drainedCheckRunner) Drain() {
	for range r.results {
	}
}

// A runner that reads every result before deciding.
type patientCheckRunner struct {
	results chan error
}

func newPatientCheckRunner() *patientCheckRunner {
	return &patientCheckRunner{results: make(chan error)}
}

func (r *patientCheckRunner) RunChecks(checks []func() error) error {
	for _, check := range checks {
		go func(check func() error) {
			r.results <- check() // ok: every result is received
		}(check)
	}
	var first error
	for range checks {
		if err := <-r.results; err != nil && first == nil {
			first = err
		}
	}
	return first
}
