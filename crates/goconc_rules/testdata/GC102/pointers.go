package gc102

import (
	"bytes"
	"context"
	"io"
	"os"
)

// Channels reached through pointers: a helper fills in the caller's
// channel variable (`attach(ctx, &errCh)`), or hands back a pointer to the
// channel its goroutine sends on. The receive is answered by that
// goroutine, under a name the model does not follow.

type attachStream struct {
	copy func(ctx context.Context) error
}

func attachTo(ctx context.Context, s *attachStream, errCh *chan error) (func(), error) {
	ch := make(chan error, 1)
	*errCh = ch
	go func() {
		ch <- s.copy(ctx)
	}()
	return func() {}, nil
}

// ok: attachTo stores a channel its goroutine always sends on.
func runAttached(ctx context.Context, s *attachStream) error {
	var errCh chan error
	closeFn, err := attachTo(ctx, s, &errCh)
	if err != nil {
		return err
	}
	defer closeFn()
	return <-errCh
}

// ok: the pointer returned by capture points at the channel its goroutine
// sends on once the pipe is closed.
func captureOutput(run func() error) (string, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return "", err
	}
	capture := func(reader *os.File) *chan string {
		out := make(chan string)
		go func() {
			var buf bytes.Buffer
			_, _ = io.Copy(&buf, reader)
			out <- buf.String()
		}()
		return &out
	}
	outC := capture(r)
	runErr := run()
	w.Close()
	return <-*outC, runErr
}

// A result channel nobody fills in: the attach step was dropped, and the
// receive waits on a nil channel.
func runDetached(ctx context.Context, s *attachStream) error {
	var errCh chan error
	go func() {
		_ = s.copy(ctx)
	}()
	return <-errCh // want `receive from errCh blocks forever: errCh is never sent to or closed`
}
