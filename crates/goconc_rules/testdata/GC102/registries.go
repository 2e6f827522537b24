package gc102

import (
	"context"
	"errors"
	"sync"
)

// pendingMap is a small concurrent map, like the generic SyncMap helpers
// services keep in a collection package.
type pendingMap[K comparable, V any] struct {
	mu    sync.Mutex
	items map[K]V
}

func newPendingMap[K comparable, V any]() *pendingMap[K, V] {
	return &pendingMap[K, V]{items: map[K]V{}}
}

func (m *pendingMap[K, V]) Set(k K, v V) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items[k] = v
}

func (m *pendingMap[K, V]) Delete(k K) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.items, k)
}

func (m *pendingMap[K, V]) Pop(k K) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.items[k]
	delete(m.items, k)
	return v, ok
}

type taskResult struct {
	payload []byte
	err     error
}

var errTaskGone = errors.New("task not found or already expired")

// taskDispatcher registers a one-slot result channel per dispatched task;
// the worker's completion call pops it and answers exactly once.
type taskDispatcher struct {
	results *pendingMap[string, chan taskResult]
	queue   chan string
}

func newTaskDispatcher() *taskDispatcher {
	return &taskDispatcher{results: newPendingMap[string, chan taskResult](), queue: make(chan string, 64)}
}

func (d *taskDispatcher) Dispatch(ctx context.Context, id string) ([]byte, error) {
	resultCh := make(chan taskResult, 1)
	d.results.Set(id, resultCh)
	defer d.results.Delete(id)
	select {
	case d.queue <- id:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case r := <-resultCh:
		return r.payload, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (d *taskDispatcher) Complete(id string, payload []byte) error {
	resultCh, ok := d.results.Pop(id)
	if !ok {
		return errTaskGone
	}
	resultCh <- taskResult{payload: payload} // ok: Dispatch made it and receives on it under another name
	return nil
}
