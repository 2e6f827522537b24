package gc101

import (
	"context"
	"errors"
	"time"
)

// DataCopy answers reads for one copy of the data.
type DataCopy interface {
	Get(ctx context.Context, key string) ([]byte, error)
}

type copyAnswer struct {
	value []byte
	err   error
}

var errAllCopiesFailed = errors.New("all replicas failed")

// fastestReader asks every replica and takes the first good answer. Each
// replica's goroutine sends its one answer on the unbuffered channel
// askAll returns; once Get has its answer (or gives up), the slower
// replicas' goroutines wait forever to hand over theirs.
type fastestReader struct {
	replicas []DataCopy
	timeout  time.Duration
}

func (h *fastestReader) askAll(ctx context.Context, key string) <-chan copyAnswer {
	answers := make(chan copyAnswer)
	for _, r := range h.replicas {
		go func(r DataCopy) {
			v, err := r.Get(ctx, key)
			answers <- copyAnswer{value: v, err: err} // want "goroutine blocks forever sending to answers: askAll returns it, and Get can stop receiving while values are still coming"
		}(r)
	}
	return answers
}

func (h *fastestReader) Get(ctx context.Context, key string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	answers := h.askAll(ctx, key)
	for range h.replicas {
		select {
		case a := <-answers:
			if a.err == nil {
				return a.value, nil
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return nil, errAllCopiesFailed
}

// majorityReader asks every replica the same way but always collects one
// answer per replica before it decides: no sender is left behind.
type majorityReader struct {
	replicas []DataCopy
}

func (q *majorityReader) askAll(ctx context.Context, key string) <-chan copyAnswer {
	answers := make(chan copyAnswer)
	for _, r := range q.replicas {
		go func(r DataCopy) {
			v, err := r.Get(ctx, key)
			answers <- copyAnswer{value: v, err: err} // ok: Get receives one answer per replica
		}(r)
	}
	return answers
}

func (q *majorityReader) Get(ctx context.Context, key string) ([]byte, error) {
	answers := q.askAll(ctx, key)
	var best []byte
	ok := 0
	for range q.replicas {
		a := <-answers
		if a.err == nil {
			ok++
			best = a.value
		}
	}
	if ok*2 <= len(q.replicas) {
		return nil, errAllCopiesFailed
	}
	return best, nil
}
