package gc206

import "testing"

// A single-goroutine test calling the helper directly, right after
// building the store: nothing else can hold or want the lock.
func TestWaitForNoGCReturnsAtOnce(t *testing.T) {
	s := newGCValueStore()
	s.waitForNoGC()
	if s.inGC {
		t.Fatal("fresh store is collecting")
	}
}
