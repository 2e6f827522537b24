package gc101

import (
	"bufio"
	"io"
)

// A goroutine that streams to a channel the package hands out, and a Stop
// that closes the quit channel and waits for the goroutine to finish. A
// plain send parks the goroutine once the consumer stops reading, and Stop
// waits forever.

type lineTailer struct {
	lines chan string
	quit  chan struct{}
	done  chan struct{}
}

func newLineTailer(r io.Reader) *lineTailer {
	t := &lineTailer{lines: make(chan string), quit: make(chan struct{}), done: make(chan struct{})}
	go t.run(r)
	return t
}

// Lines is read by the caller.
func (t *lineTailer) Lines() <-chan string { return t.lines }

func (t *lineTailer) run(r io.Reader) {
	defer close(t.done)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		select {
		case <-t.quit:
			return
		default:
		}
		t.lines <- sc.Text() // want `send on t.lines can park this goroutine for good: only code outside the package receives it, and while parked it never sees t.quit closed`
	}
}

func (t *lineTailer) Stop() {
	close(t.quit)
	<-t.done
}

// The fixed tailer watches quit while it sends.
type lineTailerFixed struct {
	lines chan string
	quit  chan struct{}
	done  chan struct{}
}

func newLineTailerFixed(r io.Reader) *lineTailerFixed {
	t := &lineTailerFixed{lines: make(chan string), quit: make(chan struct{}), done: make(chan struct{})}
	go t.run(r)
	return t
}

func (t *lineTailerFixed) Lines() <-chan string { return t.lines }

func (t *lineTailerFixed) run(r io.Reader) {
	defer close(t.done)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		select {
		case t.lines <- sc.Text(): // ok: also returns when stopped
		case <-t.quit:
			return
		}
	}
}

func (t *lineTailerFixed) Stop() {
	close(t.quit)
	<-t.done
}

// A tailer whose Stop does not wait for the goroutine, which watches quit
// while it sends.
type lineTailerNoWait struct {
	lines chan string
	quit  chan struct{}
}

func newLineTailerNoWait(r io.Reader) *lineTailerNoWait {
	t := &lineTailerNoWait{lines: make(chan string), quit: make(chan struct{})}
	go t.run(r)
	return t
}

func (t *lineTailerNoWait) Lines() <-chan string { return t.lines }

func (t *lineTailerNoWait) run(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		select {
		case t.lines <- sc.Text(): // ok: watches quit
		case <-t.quit:
			return
		}
	}
}

func (t *lineTailerNoWait) Stop() { close(t.quit) }
