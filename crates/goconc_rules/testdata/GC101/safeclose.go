package gc101

import (
	"context"
	"errors"
)

// closeIfOpen closes any channel it is handed, tolerating a nil one (a
// shared helper in many services' ioutil packages).
func closeIfOpen[T any](c chan<- T) {
	if c != nil {
		close(c)
	}
}

type objectMeta struct {
	name    string
	deleted bool
}

var errQuorum = errors.New("read quorum not reached")

// healChecker reads an object's metadata and, in the background, decides
// whether to queue a heal once the read finishes. The deferred helper
// closes healCheck on every return, so the checker's receive sees the
// close when the read gives up.
type healChecker struct {
	queue func(objectMeta)
	read  func(ctx context.Context, name string) (objectMeta, error)
}

func (h *healChecker) readWithHeal(ctx context.Context, name string) (objectMeta, error) {
	healCheck := make(chan objectMeta)
	defer closeIfOpen(healCheck)
	go func() {
		meta, ok := <-healCheck // ok: closeIfOpen closes healCheck when readWithHeal returns
		if !ok || meta.deleted {
			return
		}
		h.queue(meta)
	}()
	meta, err := h.read(ctx, name)
	if err != nil {
		return objectMeta{}, errQuorum
	}
	select {
	case healCheck <- meta:
	case <-ctx.Done():
		return objectMeta{}, ctx.Err()
	}
	return meta, nil
}

// readWithAudit forgets the close: the auditor waits forever when the
// read fails or the caller gives up.
func (h *healChecker) readWithAudit(ctx context.Context, name string) (objectMeta, error) {
	audit := make(chan objectMeta)
	go func() {
		meta, ok := <-audit // want "goroutine blocks forever receiving from audit"
		if !ok {
			return
		}
		h.queue(meta)
	}()
	meta, err := h.read(ctx, name)
	if err != nil {
		return objectMeta{}, errQuorum
	}
	select {
	case audit <- meta:
	case <-ctx.Done():
		return objectMeta{}, ctx.Err()
	}
	return meta, nil
}
