package gc201

import "sync"

// segment is one shard of a segmented log; compaction freezes every
// segment at once by locking them all, then unlocks them all.
type segment struct {
	mu      sync.Mutex
	entries [][]byte
	sealed  bool
}

type segmentedLog struct {
	mu       sync.Mutex
	segments []*segment
}

// freezeAll locks every segment: each iteration locks a different mutex
// (the range variable is a new variable per iteration), and they stay
// locked until thawAll on purpose.
func (l *segmentedLog) freezeAll() {
	for _, seg := range l.segments {
		seg.mu.Lock() // ok: a different segment's lock on every iteration
	}
}

func (l *segmentedLog) thawAll() {
	for _, seg := range l.segments {
		seg.mu.Unlock()
	}
}

// openSegments creates segments and keeps each one locked until its first
// write is recorded; the variable is declared in the loop body.
func (l *segmentedLog) openSegments(n int) []*segment {
	var opened []*segment
	for i := 0; i < n; i++ {
		seg := &segment{}
		seg.mu.Lock() // ok: seg is a new segment on every iteration
		opened = append(opened, seg)
	}
	return opened
}

// sealWithDefer locks each segment and releases them all when the
// function returns; again a different lock per iteration.
func sealWithDefer(segments []*segment) {
	for _, seg := range segments {
		seg.mu.Lock() // ok: deferred unlocks of distinct segments
		defer seg.mu.Unlock()
		seg.sealed = true
	}
}

// appendAll is the bug: the log's own lock is taken at the top of every
// iteration and the empty-entry branch continues without releasing it.
func (l *segmentedLog) appendAll(entries [][]byte) {
	for _, e := range entries {
		l.mu.Lock() // want "l.mu is already locked"
		if len(e) == 0 {
			continue
		}
		last := l.segments[len(l.segments)-1]
		last.entries = append(last.entries, e)
		l.mu.Unlock()
	}
}

// appendEach looks like freezeAll but locks the same segment (declared
// outside the loop) on every iteration without unlocking it.
func (l *segmentedLog) appendEach(entries [][]byte) {
	seg := l.segments[len(l.segments)-1]
	for _, e := range entries {
		seg.mu.Lock() // want "seg.mu is already locked"
		seg.entries = append(seg.entries, e)
	}
}
