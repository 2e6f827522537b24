package gc102

import (
	"context"
	"log"
	"time"
)

// ConfigMessage is one snapshot of dynamic configuration.
type ConfigMessage struct {
	Provider string
	Routes   []string
}

// catalogProvider models a configuration provider: the aggregator in
// another package hands it the channel and reads from it.
type catalogProvider struct {
	name  string
	fetch func(ctx context.Context) ([]string, error)
}

// Provide is called by the aggregator with its own channel; the provider
// only passes it down.
func (p *catalogProvider) Provide(ctx context.Context, updates chan<- ConfigMessage) error {
	go func() {
		ticker := time.NewTicker(time.Minute)
		defer ticker.Stop()
		for {
			if err := p.load(ctx, updates); err != nil {
				log.Print(err)
			}
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
			}
		}
	}()
	return nil
}

func (p *catalogProvider) load(ctx context.Context, updates chan<- ConfigMessage) error {
	routes, err := p.fetch(ctx)
	if err != nil {
		return err
	}
	updates <- ConfigMessage{Provider: p.name, Routes: routes} // ok: the channel comes from the exported Provide's caller
	return nil
}

// refreshOnce builds its own channel and forgets to read it: the loader's
// send has no receiver anywhere.
func (p *catalogProvider) refreshOnce(ctx context.Context) {
	updates := make(chan ConfigMessage)
	go p.loadInternal(ctx, updates)
}

func (p *catalogProvider) loadInternal(ctx context.Context, updates chan<- ConfigMessage) {
	routes, err := p.fetch(ctx)
	if err != nil {
		log.Print(err)
		return
	}
	updates <- ConfigMessage{Provider: p.name, Routes: routes} // want "send on updates is never received"
}
