package gc102

import (
	"context"
	"sync"
)

// A range over a results channel that the same function closes only after
// the range: the loop needs the close to end, the close needs the loop to
// end.

type probeOutcome struct {
	endpoint string
	err      error
}

type endpointChecker struct {
	probe func(ctx context.Context, ep string) error
}

func (c *endpointChecker) checkAll(ctx context.Context, endpoints []string) map[string]error {
	results := make(chan probeOutcome)
	var wg sync.WaitGroup
	for _, ep := range endpoints {
		wg.Add(1)
		go func(ep string) {
			defer wg.Done()
			results <- probeOutcome{endpoint: ep, err: c.probe(ctx, ep)}
		}(ep)
	}
	out := make(map[string]error, len(endpoints))
	for r := range results { // want `range over results never ends: results is closed only after this loop`
		out[r.endpoint] = r.err
	}
	wg.Wait()
	close(results) // related `results is closed here, after the loop`
	return out
}

// ok: a goroutine closes the channel once the senders are done.
func (c *endpointChecker) checkAllFixed(ctx context.Context, endpoints []string) map[string]error {
	results := make(chan probeOutcome)
	var wg sync.WaitGroup
	for _, ep := range endpoints {
		wg.Add(1)
		go func(ep string) {
			defer wg.Done()
			results <- probeOutcome{endpoint: ep, err: c.probe(ctx, ep)}
		}(ep)
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	out := make(map[string]error, len(endpoints))
	for r := range results {
		out[r.endpoint] = r.err
	}
	return out
}

// ok: the loop counts the results and leaves by itself.
func (c *endpointChecker) checkAllCounted(ctx context.Context, endpoints []string) map[string]error {
	results := make(chan probeOutcome)
	for _, ep := range endpoints {
		go func(ep string) {
			results <- probeOutcome{endpoint: ep, err: c.probe(ctx, ep)}
		}(ep)
	}
	out := make(map[string]error, len(endpoints))
	for r := range results {
		out[r.endpoint] = r.err
		if len(out) == len(endpoints) {
			break
		}
	}
	close(results)
	return out
}
