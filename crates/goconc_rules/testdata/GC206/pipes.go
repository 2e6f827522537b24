package gc206

import (
	"bytes"
	"io"
	"os"
	"sync"
	"time"
)

// memPipe is an in-memory pipe. readOrBlock reads what is buffered or
// waits once for a change and returns 0: Read loops until it gets data,
// so every wake-up is checked again under the lock.
type memPipe struct {
	mu       sync.Mutex
	changed  *sync.Cond
	buf      bytes.Buffer
	closed   bool
	deadline time.Time
}

func newMemPipe() *memPipe {
	p := &memPipe{}
	p.changed = sync.NewCond(&p.mu)
	return p
}

func (p *memPipe) readOrBlock(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.deadline.IsZero() && time.Now().After(p.deadline) {
		return 0, os.ErrDeadlineExceeded
	}
	n, err := p.buf.Read(b)
	if err == io.EOF {
		if p.closed {
			return n, err
		}
		p.changed.Wait() // ok: the function returns right away and Read loops
	}
	return n, nil
}

func (p *memPipe) Read(b []byte) (n int, err error) {
	for n == 0 {
		m, err := p.readOrBlock(b)
		if err != nil {
			return m, err
		}
		n += m
	}
	p.changed.Broadcast()
	return n, nil
}

func (p *memPipe) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return 0, io.ErrClosedPipe
	}
	p.changed.Broadcast()
	return p.buf.Write(b)
}

func (p *memPipe) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	p.changed.Broadcast()
	return nil
}

// spoolPipe has the same wait-once helper, but Peek calls it once and
// trusts the buffer to be filled when it returns.
type spoolPipe struct {
	mu      sync.Mutex
	changed *sync.Cond
	buf     bytes.Buffer
	closed  bool
}

func newSpoolPipe() *spoolPipe {
	p := &spoolPipe{}
	p.changed = sync.NewCond(&p.mu)
	return p
}

func (p *spoolPipe) waitForData() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.buf.Len() == 0 && !p.closed {
		p.changed.Wait() // want `p.changed.Wait is not in a loop: the condition can be false again`
		return
	}
}

func (p *spoolPipe) Peek() byte {
	p.waitForData()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.buf.Bytes()[0]
}

func (p *spoolPipe) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.changed.Broadcast()
	return p.buf.Write(b)
}
