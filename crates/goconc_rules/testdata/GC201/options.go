package gc201

import (
	"context"
	"errors"
	"sync"
)

// A key store whose unwrap takes functional options: a caller that already
// holds the store's lock says so with withAlreadyLocked(true), and unwrap
// then skips its own Lock.

type keyOptions struct {
	withAlreadyLocked bool
}

type KeyOption func(*keyOptions)

func withAlreadyLocked(locked bool) KeyOption {
	return func(o *keyOptions) { o.withAlreadyLocked = locked }
}

type keyStore struct {
	l       sync.Mutex
	wrapped map[string][]byte
	plain   map[string][]byte
}

func (k *keyStore) Unwrap(ctx context.Context, id string, opt ...KeyOption) ([]byte, error) {
	var opts keyOptions
	for _, o := range opt {
		o(&opts)
	}
	if !opts.withAlreadyLocked {
		k.l.Lock()
		defer k.l.Unlock()
	}
	if p, ok := k.plain[id]; ok {
		return p, nil
	}
	w, ok := k.wrapped[id]
	if !ok {
		return nil, errors.New("unknown key")
	}
	k.plain[id] = w
	return w, nil
}

// ok: the caller holds k.l and tells Unwrap so.
func (k *keyStore) Verify(ctx context.Context, id string, sig []byte) (bool, error) {
	k.l.Lock()
	defer k.l.Unlock()
	key, err := k.Unwrap(ctx, id, withAlreadyLocked(true))
	if err != nil {
		return false, err
	}
	return len(key) == len(sig), nil
}

// The same caller forgetting the option locks k.l twice.
func (k *keyStore) Rotate(ctx context.Context, id string) error {
	k.l.Lock()
	defer k.l.Unlock()
	key, err := k.Unwrap(ctx, id) // want `k.l is already locked: Unwrap acquires it`
	if err != nil {
		return err
	}
	k.wrapped[id+"-next"] = key
	return nil
}
