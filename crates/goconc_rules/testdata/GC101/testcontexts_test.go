package gc101

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// Tests that wait for a worker's output with a select on the test's own
// context. t.Context() is cancelled only after the test function returns,
// so while the body waits that case never fires and the worker's send is
// always received.

type stepBackend interface {
	TailStep(ctx context.Context, step string) (io.Reader, error)
}

type fakeBackend struct{ out string }

func (b fakeBackend) TailStep(ctx context.Context, step string) (io.Reader, error) {
	return strings.NewReader(b.out), nil
}

// ok: the only other case is the test's own context.
func TestTailStepOutput(t *testing.T) {
	backend := fakeBackend{out: "hello\nworld\n"}
	outputCh := make(chan []byte)
	go func() {
		output, err := backend.TailStep(context.Background(), "build")
		if err != nil {
			outputCh <- nil
			return
		}
		data, _ := io.ReadAll(output)
		outputCh <- data
	}()
	select {
	case data := <-outputCh:
		if len(data) == 0 {
			t.Fatal("no output")
		}
	case <-t.Context().Done():
		t.Error("test cancelled")
		return
	}
}

// ok: the same through a local set once to the test's context.
func TestTailStepOutputLocal(t *testing.T) {
	ctx := t.Context()
	backend := fakeBackend{out: "hello\n"}
	outputCh := make(chan []byte)
	go func() {
		output, _ := backend.TailStep(ctx, "build")
		data, _ := io.ReadAll(output)
		outputCh <- data
	}()
	select {
	case <-outputCh:
	case <-ctx.Done():
		t.Error("test cancelled")
		return
	}
}

// A timeout does give up: the worker is left sending to nobody.
func TestTailStepOutputTimeout(t *testing.T) {
	backend := fakeBackend{out: "hello\n"}
	outputCh := make(chan []byte)
	go func() {
		output, _ := backend.TailStep(context.Background(), "build")
		data, _ := io.ReadAll(output)
		outputCh <- data // want `goroutine blocks forever sending to outputCh`
	}()
	select {
	case <-outputCh:
	case <-time.After(time.Second):
		t.Log("slow backend")
	}
}
