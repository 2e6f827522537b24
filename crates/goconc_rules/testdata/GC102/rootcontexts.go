package gc102

import (
	"context"
	"time"
)

// A goroutine whose only way out waits on the Done channel of
// context.Background() or context.TODO(): nothing can ever cancel it.

type healthProber struct {
	ctx      context.Context
	interval time.Duration
	probe    func() error
}

func newHealthProber(interval time.Duration, probe func() error) *healthProber {
	return &healthProber{ctx: context.Background(), interval: interval, probe: probe}
}

func (h *healthProber) Start() {
	go h.loop()
}

func (h *healthProber) loop() {
	t := time.NewTicker(h.interval)
	defer t.Stop()
	for {
		select {
		case <-h.ctx.Done(): // want `goroutine never exits: its only way out waits on h.ctx.Done\(\), and h.ctx is context.Background\(\)/TODO\(\), which nothing can cancel`
			return
		case <-t.C:
			_ = h.probe()
		}
	}
}

// renewalKeeper gets a context its owner cancels.
type renewalKeeper struct {
	lease  context.Context
	cancel context.CancelFunc
	renew  func() error
}

func newRenewalKeeper(renew func() error) *renewalKeeper {
	ctx, cancel := context.WithCancel(context.Background())
	return &renewalKeeper{lease: ctx, cancel: cancel, renew: renew}
}

func (k *renewalKeeper) Start() {
	go k.loop()
}

func (k *renewalKeeper) loop() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-k.lease.Done():
			return
		case <-t.C:
			_ = k.renew()
		}
	}
}

func (k *renewalKeeper) Stop() { k.cancel() }

type cacheWarmer struct {
	keys []string
}

// warm waits for a TODO context that nobody cancels.
func (c *cacheWarmer) warm() {
	ctx := context.TODO()
	go func() {
		<-ctx.Done() // want `its only way out waits on ctx.Done\(\), and ctx is context.Background\(\)/TODO\(\)`
		c.keys = nil
	}()
}

// warmUntil waits for its caller's context.
func (c *cacheWarmer) warmUntil(ctx context.Context) {
	go func() {
		<-ctx.Done()
		c.keys = nil
	}()
}
