package gc102

import (
	"sync"
	"time"
)

// Dynamic upstreams are shared by every proxy instance; a single janitor
// for the whole process evicts the idle ones.
var (
	upstreamsMu      sync.Mutex
	upstreams        = map[string]time.Time{}
	upstreamJanitor  sync.Once
	upstreamIdleTime = 5 * time.Minute
)

type dynamicUpstream struct {
	addr string
}

// Touch records use of the upstream and makes sure the process-wide
// janitor runs: the package-level Once starts it at most once per process.
func (u *dynamicUpstream) Touch() {
	upstreamsMu.Lock()
	upstreams[u.addr] = time.Now()
	upstreamsMu.Unlock()
	upstreamJanitor.Do(func() {
		go func() {
			for { // ok: one janitor per process, started under a package-level Once
				time.Sleep(time.Minute)
				upstreamsMu.Lock()
				for addr, seen := range upstreams {
					if time.Since(seen) > upstreamIdleTime {
						delete(upstreams, addr)
					}
				}
				upstreamsMu.Unlock()
			}
		}()
	})
}

// connCache keeps per-instance state: its Once is per cache, so every
// cache the service creates and drops leaves one more janitor behind.
type connCache struct {
	mu      sync.Mutex
	conns   map[string]time.Time
	janitor sync.Once
}

// Touch starts this cache's janitor, which can never be stopped.
func (c *connCache) Touch(addr string) {
	c.mu.Lock()
	c.conns[addr] = time.Now()
	c.mu.Unlock()
	c.janitor.Do(func() {
		go func() {
			for { // want "goroutine never exits"
				time.Sleep(time.Minute)
				c.mu.Lock()
				for a, seen := range c.conns {
					if time.Since(seen) > upstreamIdleTime {
						delete(c.conns, a)
					}
				}
				c.mu.Unlock()
			}
		}()
	})
}
