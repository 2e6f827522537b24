package gc101

import (
	"context"
	"errors"
	"os"
	"time"
)

// A caller collects results in a select loop that only a "done" signal
// ends. If the goroutine producing them can return on an error path
// without closing done, the loop waits forever.

// loadSnapshots stops on the first unreadable file without closing done.
func loadSnapshots(paths []string) [][]byte {
	snapshots := make(chan []byte)
	done := make(chan struct{})
	go func() {
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				return
			}
			snapshots <- b
		}
		close(done)
	}()
	var out [][]byte
	for {
		select {
		case b := <-snapshots:
			out = append(out, b)
		case <-done: // want `this select loop ends only when done is closed or sent to, and the goroutine that does it can return without it`
			return out
		}
	}
}

// loadSnapshotsDeferred closes done on every path.
func loadSnapshotsDeferred(paths []string) [][]byte {
	snapshots := make(chan []byte)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				return
			}
			snapshots <- b
		}
	}()
	var out [][]byte
	for {
		select {
		case b := <-snapshots:
			out = append(out, b)
		case <-done: // ok: closed on every path of the goroutine
			return out
		}
	}
}

// loadSnapshotsWithErrors reports the failure on its own channel, which
// also ends the loop.
func loadSnapshotsWithErrors(paths []string) ([][]byte, error) {
	snapshots := make(chan []byte)
	errc := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				errc <- err
				return
			}
			snapshots <- b
		}
		close(done)
	}()
	var out [][]byte
	for {
		select {
		case b := <-snapshots:
			out = append(out, b)
		case err := <-errc:
			return nil, err
		case <-done: // ok: the error path ends the loop through errc
			return out, nil
		}
	}
}

// loadSnapshotsCtx also gives up when the context ends.
func loadSnapshotsCtx(ctx context.Context, paths []string) ([][]byte, error) {
	snapshots := make(chan []byte)
	done := make(chan struct{})
	go func() {
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				return
			}
			select {
			case snapshots <- b:
			case <-ctx.Done():
				return
			}
		}
		close(done)
	}()
	var out [][]byte
	for {
		select {
		case b := <-snapshots:
			out = append(out, b)
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-done: // ok: the context case ends the loop too
			return out, nil
		}
	}
}

// loadSnapshotsTimeout gives up after a deadline.
func loadSnapshotsTimeout(paths []string) ([][]byte, error) {
	snapshots := make(chan []byte, len(paths))
	done := make(chan struct{})
	go func() {
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				return
			}
			snapshots <- b
		}
		close(done)
	}()
	var out [][]byte
	deadline := time.After(30 * time.Second)
	for {
		select {
		case b := <-snapshots:
			out = append(out, b)
		case <-deadline:
			return nil, errors.New("timed out loading snapshots")
		case <-done: // ok: the deadline case ends the loop too
			return out, nil
		}
	}
}

// drainUntilClosed ends when the data channel is closed, which the
// goroutine does on every path.
func drainUntilClosed(paths []string) ([][]byte, error) {
	snapshots := make(chan []byte)
	failed := make(chan struct{})
	go func() {
		defer close(snapshots)
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				close(failed)
				return
			}
			snapshots <- b
		}
	}()
	var out [][]byte
	for {
		select {
		case b, ok := <-snapshots:
			if !ok {
				return out, nil
			}
			out = append(out, b)
		case <-failed: // ok: the closed data channel ends the loop on the other paths
			return nil, errors.New("read failed")
		}
	}
}

// heartbeatUntilStopped waits for a stop signal with a ticker case that
// stays in the loop; the stopper signals on every path.
func heartbeatUntilStopped(work func() error) error {
	stopped := make(chan error)
	go func() {
		err := work()
		stopped <- err
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case err := <-stopped: // ok: sent on the only path
			return err
		}
	}
}
