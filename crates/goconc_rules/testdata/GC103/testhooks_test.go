package gc103

import (
	"context"
	"testing"
)

func TestRangeScannerHook(t *testing.T) {
	s := newRangeScanner(func(context.Context, uint64) error { return nil })
	s.indexHook = make(chan indexEvent)
	go func() {
		for range s.progress {
		}
	}()
	go func() { _ = s.run(t.Context(), 1, 3) }()
	for i := 0; i < 3; i++ {
		if ev := <-s.indexHook; ev.kind != "indexed" {
			t.Fatalf("event %v", ev)
		}
	}
}
