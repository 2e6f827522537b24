package gc206

import (
	"errors"
	"io"
	"sync"
)

// frameBuffer holds frames for a stream's reader; Fail records the
// stream's terminal error, after which reads return it once the buffered
// frames are drained.
type frameBuffer struct {
	mu     sync.Mutex
	ready  *sync.Cond
	frames [][]byte
	err    error
}

func newFrameBuffer() *frameBuffer {
	b := &frameBuffer{}
	b.ready = sync.NewCond(&b.mu)
	return b
}

func (b *frameBuffer) push(frame []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.frames = append(b.frames, frame)
	b.ready.Signal()
}

// fail records the error but does not wake a reader parked on the empty
// buffer.
func (b *frameBuffer) fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err == nil {
		err = io.EOF
	}
	b.err = err // want "fail changes b.err, which next waits for in a b.ready.Wait loop, without b.ready.Signal or Broadcast"
}

func (b *frameBuffer) next() ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.frames) == 0 {
		if b.err != nil {
			return nil, b.err
		}
		b.ready.Wait() // related `waits here until b.err changes`
	}
	f := b.frames[0]
	b.frames = b.frames[1:]
	return f, nil
}

// reset clears the error for a reused buffer: a nil error releases no one.
func (b *frameBuffer) reset() {
	b.mu.Lock()
	b.err = nil // ok: clearing the error keeps readers waiting
	b.frames = b.frames[:0]
	b.mu.Unlock()
}

// frameBufferFixed wakes every reader when the error is recorded.
type frameBufferFixed struct {
	mu     sync.Mutex
	ready  *sync.Cond
	frames [][]byte
	err    error
}

func newFrameBufferFixed() *frameBufferFixed {
	b := &frameBufferFixed{}
	b.ready = sync.NewCond(&b.mu)
	return b
}

func (b *frameBufferFixed) push(frame []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.frames = append(b.frames, frame)
	b.ready.Signal()
}

func (b *frameBufferFixed) fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err == nil {
		err = errors.New("stream closed")
	}
	b.err = err // ok: followed by Broadcast
	b.ready.Broadcast()
}

func (b *frameBufferFixed) next() ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.frames) == 0 {
		if b.err != nil {
			return nil, b.err
		}
		b.ready.Wait()
	}
	f := b.frames[0]
	b.frames = b.frames[1:]
	return f, nil
}
