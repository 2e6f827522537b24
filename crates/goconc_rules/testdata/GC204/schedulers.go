package gc204

import (
	"sync"
	"time"
)

// A scheduler whose Run takes runningMu only to flip the running flag and
// then serves requests in its loop without it. Add and Remove send under
// runningMu only while running is true, so the loop is already past the
// lock and waiting in its select.
type cronEntry struct {
	id   int
	spec string
	run  func()
}

type cronScheduler struct {
	runningMu sync.Mutex
	running   bool
	entries   []*cronEntry
	add       chan *cronEntry
	remove    chan int
	stop      chan struct{}
}

func newCronScheduler() *cronScheduler {
	return &cronScheduler{add: make(chan *cronEntry), remove: make(chan int), stop: make(chan struct{})}
}

func (c *cronScheduler) Add(e *cronEntry) {
	c.runningMu.Lock()
	defer c.runningMu.Unlock()
	if !c.running {
		c.entries = append(c.entries, e)
		return
	}
	c.add <- e // ok: the loop that receives never takes runningMu
}

func (c *cronScheduler) Remove(id int) {
	c.runningMu.Lock()
	defer c.runningMu.Unlock()
	if !c.running {
		return
	}
	c.remove <- id // ok: as in Add
}

// Run runs the scheduler in the calling goroutine, or returns at once if
// it already runs.
func (c *cronScheduler) Run() {
	c.runningMu.Lock()
	if c.running {
		c.runningMu.Unlock()
		return
	}
	c.running = true
	c.runningMu.Unlock()
	c.loop()
}

func (c *cronScheduler) loop() {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case e := <-c.add:
			c.entries = append(c.entries, e)
		case id := <-c.remove:
			c.drop(id)
		case <-tick.C:
			for _, e := range c.entries {
				go e.run()
			}
		case <-c.stop:
			return
		}
	}
}

func (c *cronScheduler) drop(id int) {
	for i, e := range c.entries {
		if e.id == id {
			c.entries = append(c.entries[:i], c.entries[i+1:]...)
			return
		}
	}
}

// The same scheduler, but its loop re-checks the running flag under
// runningMu on every tick: a tick that comes while Add holds the lock
// waits for it, and Add waits for the loop to receive.
type jobScheduler struct {
	runningMu sync.Mutex
	running   bool
	jobs      []*cronEntry
	add       chan *cronEntry
}

func newJobScheduler() *jobScheduler {
	return &jobScheduler{add: make(chan *cronEntry)}
}

func (s *jobScheduler) Add(e *cronEntry) {
	s.runningMu.Lock()
	defer s.runningMu.Unlock()
	if !s.running {
		s.jobs = append(s.jobs, e)
		return
	}
	s.add <- e // want "blocking send on s.add while holding s.runningMu"
}

func (s *jobScheduler) Run() {
	s.runningMu.Lock()
	s.running = true
	s.runningMu.Unlock()
	s.loop()
}

func (s *jobScheduler) loop() {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case e := <-s.add:
			s.jobs = append(s.jobs, e)
		case <-tick.C:
			s.runningMu.Lock()
			running := s.running
			s.runningMu.Unlock()
			if !running {
				return
			}
		}
	}
}

// Two generations of one table store: each generation drains its table
// set's readers under its own lock, and the generational wrapper locks
// the old generation while it releases a reference of the new one. The
// wrapper never needs the lock the draining generation holds.
type tableSet struct {
	refs    int
	drained chan struct{}
}

func newTableSet() *tableSet { return &tableSet{drained: make(chan struct{})} }

func (ts *tableSet) release(last bool) {
	if last {
		close(ts.drained)
	}
}

type blockStore struct {
	mu     sync.Mutex
	tables *tableSet
	files  []string
}

func (s *blockStore) swapTables(next *tableSet) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.tables
	s.tables = next
	<-old.drained // ok: as in rebase
}

func (s *blockStore) rebase(next *tableSet) {
	s.mu.Lock()
	defer s.mu.Unlock()
	<-s.tables.drained // ok: the closer below locks the other generation
	s.tables = next
}

func (s *blockStore) listFiles() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.files...)
}

type generationalStore struct {
	oldGen *blockStore
	newGen *blockStore
}

func (g *generationalStore) sources() []string {
	files := g.oldGen.listFiles()
	g.newGen.tables.release(true)
	return files
}

// The same drain, but the wrapper releases the reference after locking
// the very generation that drains: compact holds that generation's lock
// while it waits, and the release waits for that lock.
type segmentSet struct {
	drained chan struct{}
}

func (ss *segmentSet) release() { close(ss.drained) }

type tierSegments struct {
	mu       sync.Mutex
	segments *segmentSet
	size     int64
}

func (s *tierSegments) compact(next *segmentSet) {
	s.mu.Lock()
	defer s.mu.Unlock()
	<-s.segments.drained // want "blocking receive from s.segments.drained while holding s.mu"
	s.segments = next
}

func (s *tierSegments) sizeBytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.size
}

type tieredStore struct {
	hot  *tierSegments
	cold *tierSegments
}

func (t *tieredStore) flushHot() int64 {
	n := t.hot.sizeBytes()
	t.hot.segments.release()
	return n
}

func newTierSegments() *tierSegments {
	return &tierSegments{segments: &segmentSet{drained: make(chan struct{})}}
}
