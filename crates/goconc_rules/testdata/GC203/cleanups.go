package gc203

import (
	"errors"
	"sync"
)

var errNoTenant = errors.New("no tenant")

// tenantQueues hands out a tenant's queue under the read lock, upgrading
// to the write lock to create a missing one; the cleanup func it returns
// releases whichever lock it holds by then.
type tenantQueues struct {
	mtx     sync.RWMutex
	stopped bool
	queues  map[string]chan string
}

func (q *tenantQueues) queueUnderRLock(tenant string) (chan string, func(), error) {
	cleanup := func() {
		q.mtx.RUnlock()
	}
	if ch := q.queues[tenant]; ch != nil {
		return ch, cleanup, nil
	}
	q.mtx.RUnlock()
	q.mtx.Lock()
	cleanup = func() {
		q.mtx.Unlock()
	}
	if tenant == "" {
		return nil, cleanup, errNoTenant
	}
	ch := make(chan string, 16)
	q.queues[tenant] = ch
	return ch, cleanup, nil
}

func (q *tenantQueues) Enqueue(tenant, req string) error {
	q.mtx.RLock()
	if q.stopped {
		q.mtx.RUnlock()
		return errors.New("stopped")
	}
	ch, cleanup, err := q.queueUnderRLock(tenant)
	defer cleanup()
	if err != nil {
		return err // ok: the deferred cleanup releases the lock it holds
	}
	select {
	case ch <- req:
		return nil
	default:
		return errors.New("queue full")
	}
}
