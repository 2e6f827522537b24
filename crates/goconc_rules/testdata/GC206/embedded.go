package gc206

import (
	"errors"
	"sync"
)

var errPipeClosed = errors.New("pipe closed")

// bytePipe models an in-memory pipe whose two halves embed the same shared
// state: the reader waits on the Cond and the writer signals it through
// the promoted field.
type bytePipe struct {
	cond   *sync.Cond
	buf    []byte
	closed bool
}

type pipeReadHalf struct{ *bytePipe }

type pipeWriteHalf struct{ *bytePipe }

func newBytePipe() (*pipeReadHalf, *pipeWriteHalf) {
	p := &bytePipe{cond: sync.NewCond(new(sync.Mutex))}
	return &pipeReadHalf{p}, &pipeWriteHalf{p}
}

func (r *pipeReadHalf) Read(out []byte) (int, error) {
	r.cond.L.Lock()
	defer r.cond.L.Unlock()
	for len(r.buf) == 0 && !r.closed {
		r.cond.Wait() // ok: the write half signals the same Cond through its own embedding
	}
	if len(r.buf) == 0 {
		return 0, errPipeClosed
	}
	n := copy(out, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

func (w *pipeWriteHalf) Write(p []byte) (int, error) {
	w.cond.L.Lock()
	defer w.cond.L.Unlock()
	w.buf = append(w.buf, p...)
	w.cond.Signal() // ok: the read half waits on this Cond
	return len(p), nil
}

func (w *pipeWriteHalf) Close() {
	w.cond.L.Lock()
	w.closed = true
	w.cond.L.Unlock()
	w.cond.Broadcast() // ok: wakes a blocked reader
}
