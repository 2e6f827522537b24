package gc203

import (
	"fmt"
	"sync"
)

// assertionFailedf builds an error that marks a broken internal invariant,
// in the style of the assertion helpers of storage engines: raising it is
// meant to crash the process, never to be recovered and carried on from.
func assertionFailedf(format string, args ...any) error {
	return fmt.Errorf("assertion failed: "+format, args...)
}

// blockCache is a block cache shard whose bookkeeping is checked with
// assertions while its lock is held.
type blockCache struct {
	mu       sync.Mutex
	refs     map[uint64]int
	capacity int
}

// Release drops one reference to block id.
func (c *blockCache) Release(id uint64) {
	c.mu.Lock()
	n := c.refs[id] - 1
	if n < 0 {
		panic(assertionFailedf("block %d released more often than acquired", id)) // ok: an assertion failure takes the process down
	}
	c.refs[id] = n
	c.mu.Unlock()
}

// Resize changes the capacity; a negative capacity is a caller bug that is
// reported as a plain panic a request handler may recover from.
func (c *blockCache) Resize(capacity int) {
	c.mu.Lock()
	if capacity < 0 {
		panic(fmt.Sprintf("negative capacity %d", capacity)) // want "c.mu is not unlocked on this path"
	}
	c.capacity = capacity
	c.mu.Unlock()
}
