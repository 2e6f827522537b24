package gc205

import "sync"

// An audit log target: the sender goroutine counts itself only while the
// entry channel is open, under the channel's read lock; Cancel takes the
// write lock to close it before waiting. Every Add is ordered before
// Cancel's lock (and counted) or after it (and sees the channel gone).
type auditTarget struct {
	logChMu sync.RWMutex
	logCh   chan string
	wg      sync.WaitGroup
	send    func(string)
}

func newAuditTarget(send func(string)) *auditTarget {
	t := &auditTarget{logCh: make(chan string, 64), send: send}
	go t.startSender()
	return t
}

func (t *auditTarget) startSender() {
	t.logChMu.RLock()
	logCh := t.logCh
	if logCh != nil {
		t.wg.Add(1) // ok: fenced by logChMu, which Cancel write-locks before Wait
		defer t.wg.Done()
	}
	t.logChMu.RUnlock()
	if logCh == nil {
		return
	}
	for entry := range logCh {
		t.send(entry)
	}
}

func (t *auditTarget) Cancel() {
	t.logChMu.Lock()
	close(t.logCh)
	t.logCh = nil
	t.logChMu.Unlock()
	t.wg.Wait()
}

// The same sender, but Close waits without taking the lock first: Wait
// can run before the sender's Add.
type metricsTarget struct {
	mu      sync.RWMutex
	entries chan string
	wg      sync.WaitGroup
	send    func(string)
}

func newMetricsTarget(send func(string)) *metricsTarget {
	t := &metricsTarget{entries: make(chan string, 64), send: send}
	go t.startSender()
	return t
}

func (t *metricsTarget) startSender() {
	t.mu.RLock()
	entries := t.entries
	t.wg.Add(1) // want `t.wg.Add inside the goroutine races with t.wg.Wait`
	t.mu.RUnlock()
	defer t.wg.Done()
	for e := range entries {
		t.send(e)
	}
}

func (t *metricsTarget) Close() {
	close(t.entries)
	t.wg.Wait()
}
