package gc102

import (
	"context"
	"errors"
	"time"
)

// leaseHolder renews a lease until stopped. Stop asks the loop to end and
// waits for its exit status on done; the loop also gives up after too
// many failed renewals and returns without reporting, so a later Stop
// waits forever.
type renewalClient interface {
	Renew(ctx context.Context, lease string) error
}

var errLeaseGone = errors.New("lease lost")

type leaseHolder struct {
	lease    string
	renewer  renewalClient
	every    time.Duration
	maxFails int
	quit     chan struct{}
	done     chan error
}

func newLeaseKeeper(lease string, r renewalClient, every time.Duration) *leaseHolder {
	k := &leaseHolder{lease: lease, renewer: r, every: every, maxFails: 3, quit: make(chan struct{}), done: make(chan error)}
	go k.keep()
	return k
}

func (k *leaseHolder) keep() {
	t := time.NewTicker(k.every)
	defer t.Stop()
	fails := 0
	for {
		select {
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), k.every)
			err := k.renewer.Renew(ctx, k.lease)
			cancel()
			if err == nil {
				fails = 0
				continue
			}
			fails++
			if fails >= k.maxFails {
				return
			}
		case <-k.quit:
			k.done <- nil
			return
		}
	}
}

func (k *leaseHolder) Stop() error {
	close(k.quit)
	return <-k.done // want "this waits forever when the goroutine returns without signalling k.done: keep signals it on some exits only"
}

// sessionHolder reports its exit status on every way out.
type sessionHolder struct {
	renewer  renewalClient
	session  string
	every    time.Duration
	maxFails int
	quit     chan struct{}
	done     chan error
}

func newSessionKeeper(session string, r renewalClient, every time.Duration) *sessionHolder {
	k := &sessionHolder{session: session, renewer: r, every: every, maxFails: 3, quit: make(chan struct{}), done: make(chan error, 1)}
	go k.keep()
	return k
}

func (k *sessionHolder) keep() {
	t := time.NewTicker(k.every)
	defer t.Stop()
	fails := 0
	for {
		select {
		case <-t.C:
			if err := k.renewer.Renew(context.Background(), k.session); err != nil {
				fails++
				if fails >= k.maxFails {
					k.done <- errLeaseGone
					return
				}
				continue
			}
			fails = 0
		case <-k.quit:
			k.done <- nil
			return
		}
	}
}

func (k *sessionHolder) Stop() error {
	close(k.quit)
	return <-k.done // ok: keep sends its status on both exits (one slot: the give-up status waits there)
}
