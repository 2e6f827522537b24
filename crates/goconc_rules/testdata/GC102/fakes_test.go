package gc102

import "testing"

// A test double with a method nothing in the package calls: its wait on a
// channel no test feeds never runs.
type fakeRevIndex struct {
	rangeResp chan []int64
	keysResp  chan []string
}

func (i *fakeRevIndex) RangeSinceRev(rev int64) []int64 {
	return <-i.rangeResp
}

// Keys is called by the test below, and nothing ever sends on keysResp:
// the test hangs.
func (i *fakeRevIndex) Keys() []string {
	return <-i.keysResp // want `receive from i.keysResp blocks forever: i.keysResp is never sent to or closed`
}

func TestFakeRevIndexKeys(t *testing.T) {
	idx := &fakeRevIndex{rangeResp: make(chan []int64), keysResp: make(chan []string)}
	if len(idx.Keys()) != 0 {
		t.Fatal("unexpected keys")
	}
}
