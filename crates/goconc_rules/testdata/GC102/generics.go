package gc102

import "context"

// A generic download queue: the request literal is built with concrete
// type arguments, while the worker's method sees the generic field. Both
// are the same field, so the fetcher's receive matches the worker's send.

type fetchRequest[K comparable, V any] struct {
	ctx     context.Context
	key     K
	results chan<- V
	errs    chan<- error
}

type fetchQueue[K comparable, V any] struct {
	queue chan *fetchRequest[K, V]
	load  func(context.Context, K) (V, error)
}

func (q *fetchQueue[K, V]) enqueue(r fetchRequest[K, V]) {
	q.queue <- &r
}

func (q *fetchQueue[K, V]) runWorker(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-q.queue:
			q.do(*r)
		}
	}
}

func (q *fetchQueue[K, V]) do(r fetchRequest[K, V]) {
	if err := r.ctx.Err(); err != nil {
		r.errs <- err // ok: the fetcher receives from the channel it stored in errs
		return
	}
	v, err := q.load(r.ctx, r.key)
	if err != nil {
		r.errs <- err // ok
		return
	}
	r.results <- v // ok
}

func fetchAll(ctx context.Context, q *fetchQueue[string, []byte], keys []string) ([][]byte, error) {
	results := make(chan []byte, len(keys))
	errs := make(chan error, len(keys))
	for _, k := range keys {
		q.enqueue(fetchRequest[string, []byte]{ctx: ctx, key: k, results: results, errs: errs})
	}
	out := make([][]byte, 0, len(keys))
	for range keys {
		select {
		case err := <-errs:
			return nil, err
		case b := <-results:
			out = append(out, b)
		}
	}
	return out, nil
}

// A generic flusher whose acknowledgement channel nobody reads: every
// flush blocks its caller forever.
type ackFlusher[T any] struct {
	pending []T
	acks    chan int
	sink    func([]T)
}

func newAckFlusher[T any](sink func([]T)) *ackFlusher[T] {
	return &ackFlusher[T]{acks: make(chan int), sink: sink}
}

func (f *ackFlusher[T]) Add(v T) {
	f.pending = append(f.pending, v)
}

func (f *ackFlusher[T]) Flush() {
	n := len(f.pending)
	f.sink(f.pending)
	f.pending = nil
	f.acks <- n // want `send on f.acks is never received`
}
