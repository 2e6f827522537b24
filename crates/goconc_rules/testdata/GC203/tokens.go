package gc203

import (
	"errors"
	"fmt"
	"io"
)

// Buffered channels used as semaphores: a send takes a token, a receive
// gives it back. A return between the two keeps the token for good; once
// every token is lost, each send blocks forever.

type renderPool struct {
	slots chan struct{}
}

func newRenderPool(n int) *renderPool {
	return &renderPool{slots: make(chan struct{}, n)}
}

func (p *renderPool) render(page string, draw func(string) error) error {
	p.slots <- struct{}{}
	if page == "" {
		return errors.New("empty page") // want `p.slots token is not given back on this path: the function returns without receiving from p.slots`
	}
	err := draw(page)
	<-p.slots // related `the token is given back here on the other paths`
	return err
}

var uploadSlots = make(chan bool, 4)

func uploadPart(w io.Writer, part []byte) error {
	uploadSlots <- true
	n, err := w.Write(part)
	if err != nil {
		return fmt.Errorf("upload: %w", err) // want `gc203.uploadSlots token is not given back on this path: the function returns without receiving from gc203.uploadSlots`
	}
	<-uploadSlots
	if n != len(part) {
		return io.ErrShortWrite
	}
	return nil
}

// Fixed: a deferred receive gives the token back on every path.
func (p *renderPool) renderDeferred(page string, draw func(string) error) error {
	p.slots <- struct{}{}
	defer func() { <-p.slots }() // ok: released on every path
	if page == "" {
		return errors.New("empty page")
	}
	return draw(page)
}

// Fixed: every return gives the token back first.
func (p *renderPool) renderEachPath(page string, draw func(string) error) error {
	p.slots <- struct{}{}
	if page == "" {
		<-p.slots
		return errors.New("empty page") // ok: released just before
	}
	err := draw(page)
	<-p.slots
	return err
}

// The token is handed to a goroutine that gives it back when done.
func (p *renderPool) renderAsync(page string, draw func(string) error) {
	p.slots <- struct{}{} // ok: released by the goroutine
	go func() {
		defer func() { <-p.slots }()
		_ = draw(page)
	}()
}

// An unbuffered channel is a hand-off, not a semaphore.
type handoff struct {
	ready chan struct{}
}

func newHandoff() *handoff { return &handoff{ready: make(chan struct{})} }

func (h *handoff) pingPong(fail bool) error {
	h.ready <- struct{}{}
	if fail {
		return errors.New("failed") // ok: not a semaphore
	}
	<-h.ready
	return nil
}

// A notification channel, drained without blocking: not a semaphore.
type leaderWatch struct {
	changed chan struct{}
}

func newLeaderWatch() *leaderWatch { return &leaderWatch{changed: make(chan struct{}, 1)} }

func (w *leaderWatch) notifyAndCheck(stale func() bool) bool {
	w.changed <- struct{}{}
	if stale() {
		return false // ok: a signal, drained below when it matters
	}
	select {
	case <-w.changed:
	default:
	}
	return true
}

// A test gate opened and closed by different commands of one loop.
type deleteGate struct {
	sema chan struct{}
}

func newDeleteGate() *deleteGate { return &deleteGate{sema: make(chan struct{}, 1)} }

func (g *deleteGate) run(cmds []string) error {
	for _, cmd := range cmds {
		switch cmd {
		case "unblock":
			g.sema <- struct{}{}
		case "block":
			<-g.sema
		case "fail":
			return errors.New("failed") // ok: the gate is not a token this function took
		}
	}
	return nil
}
