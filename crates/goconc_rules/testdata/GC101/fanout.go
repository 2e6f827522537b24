package gc101

import (
	"context"
	"fmt"
)

// replicaReply is one replica's answer to a read.
type replicaReply struct {
	replica string
	value   []byte
}

// hedgedReader models a hedged/first-response-wins read across replicas:
// every replica is queried, the first reply is returned and the others
// are never received.
type hedgedReader struct {
	replicas []string
}

func (h *hedgedReader) readFrom(replica, key string) replicaReply {
	return replicaReply{replica: replica, value: []byte(key)}
}

// Read leaks len(replicas)-1 goroutines on every call: the channel is
// unbuffered and only the first reply is ever received.
func (h *hedgedReader) Read(key string) []byte {
	ch := make(chan replicaReply)
	for _, rep := range h.replicas {
		go func() {
			ch <- h.readFrom(rep, key) // want "blocks forever sending to ch"
		}()
	}
	first := <-ch
	return first.value
}

// ReadFixed sizes the channel for every replica, so the losers still
// complete their sends after the winner has been returned.
func (h *hedgedReader) ReadFixed(key string) []byte {
	ch := make(chan replicaReply, len(h.replicas))
	for _, rep := range h.replicas {
		go func() {
			ch <- h.readFrom(rep, key) // ok: capacity len(h.replicas) covers one send per replica
		}()
	}
	first := <-ch
	return first.value
}

// mirrorSet models a download client that races several mirrors but
// buffers only one slot: the second and later finishers still block.
type mirrorSet struct {
	mirrors []string
}

func (m *mirrorSet) fetch(mirror, path string) string {
	return mirror + "/" + path
}

// Fastest has a buffer that is too small for the number of senders.
func (m *mirrorSet) Fastest(path string) string {
	winner := make(chan string, 1)
	for _, mirror := range m.mirrors {
		go func() {
			winner <- m.fetch(mirror, path) // want "blocks forever sending to winner"
		}()
	}
	return <-winner
}

// FastestFixed makes the senders give up once somebody has won: each send
// selects on a done channel that the caller closes on return.
func (m *mirrorSet) FastestFixed(path string) string {
	winner := make(chan string)
	done := make(chan struct{})
	defer close(done)
	for _, mirror := range m.mirrors {
		go func() {
			select {
			case winner <- m.fetch(mirror, path): // ok: losers leave through the closed done channel
			case <-done:
			}
		}()
	}
	return <-winner
}

// shardResult is a partial answer of a scatter/gather query.
type shardResult struct {
	rows int
	err  error
}

// scatterGather models a scatter/gather search where the gatherer returns
// on the first error, abandoning the shards that have not reported yet.
type scatterGather struct {
	shards int
}

func (s *scatterGather) queryShard(i int, q string) shardResult {
	if i < 0 {
		return shardResult{err: fmt.Errorf("shard %d: bad query %q", i, q)}
	}
	return shardResult{rows: len(q)}
}

// Search returns early on an error before receiving the remaining results.
func (s *scatterGather) Search(q string) (int, error) {
	results := make(chan shardResult)
	for i := 0; i < s.shards; i++ {
		go func() {
			results <- s.queryShard(i, q) // want "blocks forever sending to results"
		}()
	}
	total := 0
	for i := 0; i < s.shards; i++ {
		r := <-results
		if r.err != nil {
			return 0, r.err
		}
		total += r.rows
	}
	return total, nil
}

// SearchFixed keeps receiving every result and reports the first error at
// the end, so every shard goroutine completes its send.
func (s *scatterGather) SearchFixed(q string) (int, error) {
	results := make(chan shardResult)
	for i := 0; i < s.shards; i++ {
		go func() {
			results <- s.queryShard(i, q) // ok: the gatherer receives exactly s.shards results, no early return
		}()
	}
	total := 0
	var firstErr error
	for i := 0; i < s.shards; i++ {
		r := <-results
		if r.err != nil && firstErr == nil {
			firstErr = r.err
		}
		total += r.rows
	}
	return total, firstErr
}

// batchEncoder models a caller that drains the remaining results after
// cancellation instead of abandoning the workers.
type batchEncoder struct{}

func (batchEncoder) encode(item string) []byte { return []byte(item) }

// EncodeAll stops collecting on ctx.Done but still drains every pending
// result before returning.
func (e batchEncoder) EncodeAll(ctx context.Context, items []string) ([][]byte, error) {
	out := make(chan []byte)
	for _, it := range items {
		go func() {
			out <- e.encode(it) // ok: the receiver drains the remaining results after ctx.Done
		}()
	}
	encoded := make([][]byte, 0, len(items))
	for received := 0; received < len(items); received++ {
		select {
		case b := <-out:
			encoded = append(encoded, b)
		case <-ctx.Done():
			for ; received < len(items); received++ {
				<-out
			}
			return nil, ctx.Err()
		}
	}
	return encoded, nil
}
