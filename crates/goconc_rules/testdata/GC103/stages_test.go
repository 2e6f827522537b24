package gc103

import (
	"context"
	"errors"
	"testing"
)

// The test drives one puller by hand: it hands in its own channels and
// reads the result with a select. The production caller's drain decides.
func TestPullerStageForwardsFailures(t *testing.T) {
	s := &fileSyncer{fetch: func(context.Context, syncFile) error { return nil }}
	in := make(chan syncFile, 1)
	out := make(chan syncFile, 1)
	in <- syncFile{name: "a", failed: errors.New("boom")}
	close(in)
	go s.pullerStage(context.Background(), in, out)
	select {
	case f := <-out:
		if f.failed == nil {
			t.Fatal("failure lost")
		}
	case <-t.Context().Done():
	}
}
