package gc206

import (
	"sync"
	"time"
)

// A controller work queue. Workers wait in Get until there is a key or the
// queue is shut down, but ShutDown only sets the flag: workers already
// parked in Wait are never woken, and RunWorkers' wg.Wait hangs.
type keyQueue struct {
	mu       sync.Mutex
	cond     *sync.Cond
	keys     []string
	shutdown bool
}

func newKeyQueue() *keyQueue {
	q := &keyQueue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *keyQueue) Add(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.keys = append(q.keys, key) // ok: Add signals after adding
	q.cond.Signal()
}

// Requeue puts a key back for another attempt but forgets the wake-up: a
// worker that is already waiting does not see the key.
func (q *keyQueue) Requeue(key string) {
	q.mu.Lock()
	q.keys = append(q.keys, key) // want "Requeue changes q.keys, which Get waits for in a q.cond.Wait loop, without q.cond.Signal or Broadcast"
	q.mu.Unlock()
}

func (q *keyQueue) Get() (string, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.keys) == 0 && !q.shutdown {
		q.cond.Wait() // related "waits here"
	}
	if len(q.keys) == 0 {
		return "", false
	}
	key := q.keys[0]
	q.keys = q.keys[1:] // ok: the waiter itself consumes the key
	return key, true
}

func (q *keyQueue) ShutDown() {
	q.mu.Lock()
	q.shutdown = true // want "ShutDown changes q.shutdown, which Get waits for in a q.cond.Wait loop"
	q.mu.Unlock()
}

func (q *keyQueue) RunWorkers(n int, process func(string)) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				key, ok := q.Get()
				if !ok {
					return
				}
				process(key)
			}
		}()
	}
	wg.Wait()
}

// The fixed queue: shutting down broadcasts, through a helper that callers
// follow with the wake-up.
type fixedKeyQueue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	keys   []string
	closed bool
}

func newFixedKeyQueue() *fixedKeyQueue {
	q := &fixedKeyQueue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *fixedKeyQueue) Get() (string, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.keys) == 0 && !q.closed {
		q.cond.Wait()
	}
	if q.closed {
		return "", false
	}
	key := q.keys[0]
	q.keys = q.keys[1:]
	return key, true
}

// closeLocked expects q.mu held; its caller broadcasts once it returns.
func (q *fixedKeyQueue) closeLocked() {
	q.closed = true // ok: the only caller broadcasts after the call
	q.keys = nil    // ok: emptying the queue never releases a waiter
}

func (q *fixedKeyQueue) Close() {
	q.mu.Lock()
	q.closeLocked()
	q.mu.Unlock()
	q.cond.Broadcast()
}

func (q *fixedKeyQueue) Put(key string) {
	q.mu.Lock()
	q.keys = append(q.keys, key) // ok: one key, one Signal
	q.mu.Unlock()
	q.cond.Signal()
}

// A bounded log buffer with two Conds. Pop frees a slot but signals
// notEmpty, the Cond of the readers, instead of notFull: a writer blocked
// in Push on a full buffer is never woken.
type logRing struct {
	mu       sync.Mutex
	notEmpty *sync.Cond
	notFull  *sync.Cond
	buf      [][]byte
	head     int
	count    int
	closed   bool
}

func newLogRing(size int) *logRing {
	r := &logRing{buf: make([][]byte, size)}
	r.notEmpty = sync.NewCond(&r.mu)
	r.notFull = sync.NewCond(&r.mu)
	r.count = 0 // ok: nobody waits on a buffer that is being built
	return r
}

func (r *logRing) Push(rec []byte) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for r.count == len(r.buf) && !r.closed {
		r.notFull.Wait()
	}
	if r.closed {
		return false
	}
	r.buf[(r.head+r.count)%len(r.buf)] = rec
	r.count++ // ok: a push only fills the buffer further for other writers
	r.notEmpty.Signal()
	return true
}

func (r *logRing) Pop() ([]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for r.count == 0 && !r.closed {
		r.notEmpty.Wait()
	}
	if r.count == 0 {
		return nil, false
	}
	rec := r.buf[r.head]
	r.head = (r.head + 1) % len(r.buf)
	r.count-- // want "Pop changes r.count, which Push waits for in a r.notFull.Wait loop"
	r.notEmpty.Signal()
	return rec, true
}

func (r *logRing) Close() {
	r.mu.Lock()
	r.closed = true
	r.notEmpty.Broadcast()
	r.notFull.Broadcast()
	r.mu.Unlock()
}

// Readers wait until the store has applied their revision. Apply wakes a
// single waiter, but a new applied revision can release all of them: the
// other readers stay blocked until some later Apply.
type appliedIndex struct {
	mu      sync.Mutex
	cond    *sync.Cond
	applied int64
}

func newAppliedIndex() *appliedIndex {
	a := &appliedIndex{}
	a.cond = sync.NewCond(&a.mu)
	return a
}

func (a *appliedIndex) Apply(rev int64) {
	a.mu.Lock()
	if rev > a.applied {
		a.applied = rev
	}
	a.mu.Unlock()
	a.cond.Signal() // want "a.cond.Signal wakes one waiter, but changing a.applied releases every goroutine waiting in WaitApplied"
}

func (a *appliedIndex) WaitApplied(rev int64) int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	for a.applied < rev {
		a.cond.Wait()
	}
	return a.applied
}

// serveReads answers each read once the store has caught up: one waiting
// goroutine per read.
func serveReads(a *appliedIndex, revs []int64, answer func(int64)) {
	for _, rev := range revs {
		go func(rev int64) { answer(a.WaitApplied(rev)) }(rev)
	}
}

// A job scheduler: Schedule counts a job in, the worker counts it out and
// broadcasts, and WaitFinish waits for the count to drain. Counting in
// never releases WaitFinish, so Schedule needs no wake-up.
type jobCounter struct {
	mu       sync.Mutex
	finished *sync.Cond
	pending  int
	jobs     chan func()
}

func newJobCounter() *jobCounter {
	c := &jobCounter{jobs: make(chan func(), 16)}
	c.finished = sync.NewCond(&c.mu)
	go c.run()
	return c
}

func (c *jobCounter) Schedule(job func()) {
	c.mu.Lock()
	c.pending++ // ok: a new job only keeps WaitFinish waiting
	c.mu.Unlock()
	c.jobs <- job
}

func (c *jobCounter) run() {
	for job := range c.jobs {
		job()
		c.mu.Lock()
		c.pending--
		c.finished.Broadcast()
		c.mu.Unlock()
	}
}

func (c *jobCounter) WaitFinish() {
	c.mu.Lock()
	for c.pending != 0 {
		c.finished.Wait()
	}
	c.mu.Unlock()
}

// One waiter only: the flusher goroutine waits for the dirty flag, and the
// writer's Signal is enough to wake it.
type dirtyFlusher struct {
	mu    sync.Mutex
	cond  *sync.Cond
	dirty bool
	stop  bool
}

func newDirtyFlusher() *dirtyFlusher {
	f := &dirtyFlusher{}
	f.cond = sync.NewCond(&f.mu)
	go f.loop()
	return f
}

func (f *dirtyFlusher) MarkDirty() {
	f.mu.Lock()
	f.dirty = true
	f.mu.Unlock()
	f.cond.Signal() // ok: a single flusher goroutine waits
}

func (f *dirtyFlusher) Stop() {
	f.mu.Lock()
	f.stop = true
	f.mu.Unlock()
	f.cond.Signal() // ok: a single flusher goroutine waits
}

func (f *dirtyFlusher) loop() {
	for {
		f.mu.Lock()
		for !f.dirty && !f.stop {
			f.cond.Wait()
		}
		stop := f.stop
		f.dirty = false
		f.mu.Unlock()
		if stop {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// Stream flow control: writers wait for send quota, and leave the wait
// loop when the stream is reset. reset sets the flag the loop checks but
// wakes nobody: a writer already waiting for quota never sees it.
type streamQuota struct {
	mu    sync.Mutex
	cond  *sync.Cond
	avail int
	reset bool
}

func newStreamQuota(n int) *streamQuota {
	q := &streamQuota{avail: n}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *streamQuota) take(n int) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.avail < n {
		if q.reset {
			return false
		}
		q.cond.Wait()
	}
	q.avail -= n
	return true
}

func (q *streamQuota) grant(n int) {
	q.mu.Lock()
	q.avail += n
	q.mu.Unlock()
	q.cond.Broadcast()
}

func (q *streamQuota) abort() {
	q.mu.Lock()
	q.reset = true // want "abort changes q.reset, which take waits for in a q.cond.Wait loop"
	q.mu.Unlock()
}

// A container's output buffer followed by one goroutine per attach
// session. Closing it signals a single follower; the other sessions keep
// waiting for output that never comes.
type outputBuffer struct {
	mu     sync.Mutex
	cond   *sync.Cond
	lines  []string
	closed bool
}

func newOutputBuffer() *outputBuffer {
	b := &outputBuffer{}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *outputBuffer) Close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.cond.Signal() // want "b.cond.Signal wakes one waiter, but changing b.closed releases every goroutine waiting in next"
}

func (b *outputBuffer) next(pos int) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for pos >= len(b.lines) && !b.closed {
		b.cond.Wait()
	}
	if pos < len(b.lines) {
		return b.lines[pos], true
	}
	return "", false
}

func (b *outputBuffer) follow(out chan<- string) {
	defer close(out)
	for pos := 0; ; pos++ {
		line, ok := b.next(pos)
		if !ok {
			return
		}
		out <- line
	}
}

// Attach starts one follower per session.
func (b *outputBuffer) Attach(out chan<- string) {
	go b.follow(out)
}

// A writer lock built on a Cond: the waiter takes the flag for itself as
// soon as it wakes, so only one waiter can proceed and Signal is right.
type manifestWriter struct {
	mu      sync.Mutex
	cond    *sync.Cond
	writing bool
}

func newManifestWriter() *manifestWriter {
	w := &manifestWriter{}
	w.cond = sync.NewCond(&w.mu)
	return w
}

func (w *manifestWriter) lockForWrite() {
	for w.writing {
		w.cond.Wait()
	}
	w.writing = true
}

func (w *manifestWriter) unlockWrite() {
	w.writing = false
	w.cond.Signal() // ok: the one waiter that wakes takes the flag again
}

// Write is run by many goroutines, each waiting its turn.
func (w *manifestWriter) Write(edits []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lockForWrite()
	_ = edits
	w.unlockWrite()
}

func applyEdits(w *manifestWriter, batches [][]string) {
	for _, b := range batches {
		go w.Write(b)
	}
}

// One requester loop per object, started by the constructor: a stop flag
// with Signal wakes the only waiter.
type progressLoop struct {
	mu      sync.Mutex
	cond    *sync.Cond
	waiting int
	stopped bool
}

func NewProgressLoop(stop <-chan struct{}) *progressLoop {
	p := &progressLoop{}
	p.cond = sync.NewCond(&p.mu)
	go p.run(stop)
	return p
}

func (p *progressLoop) run(stop <-chan struct{}) {
	go func() {
		<-stop
		p.mu.Lock()
		p.stopped = true
		p.cond.Signal() // ok: the constructor starts a single waiting loop per object
		p.mu.Unlock()
	}()
	for {
		p.mu.Lock()
		for p.waiting == 0 && !p.stopped {
			p.cond.Wait()
		}
		stopped := p.stopped
		p.mu.Unlock()
		if stopped {
			return
		}
	}
}

func (p *progressLoop) Add() {
	p.mu.Lock()
	p.waiting++
	p.cond.Signal()
	p.mu.Unlock()
}

// A `for {}` wait with bail-outs in its body is woken by events the model
// does not see (the connection's reader broadcasts as it exits): setting
// one of the flags it checks is not reported.
type clientConnState struct {
	mu      sync.Mutex
	cond    *sync.Cond
	closed  bool
	streams map[uint32]bool
	window  int
}

func (cc *clientConnState) awaitWindow(n int) bool {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	for {
		if cc.closed {
			return false
		}
		if cc.window >= n {
			cc.window -= n
			return true
		}
		cc.cond.Wait()
	}
}

func (cc *clientConnState) closeIfIdle() {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if len(cc.streams) > 0 {
		return
	}
	cc.closed = true // ok: only when idle, and the reader broadcasts as it exits
}

func (cc *clientConnState) addWindow(n int) {
	cc.mu.Lock()
	cc.window += n
	cc.mu.Unlock()
	cc.cond.Broadcast()
}

// A connection pool whose Get waits in a `for {}` loop with bail-outs;
// Close sets the closed flag on every path and wakes nobody.
type backendPool struct {
	mu     sync.Mutex
	cond   *sync.Cond
	idle   []int
	closed bool
}

func newBackendPool() *backendPool {
	p := &backendPool{}
	p.cond = sync.NewCond(&p.mu)
	return p
}

func (p *backendPool) Get() (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		if p.closed {
			return 0, false
		}
		if n := len(p.idle); n > 0 {
			c := p.idle[n-1]
			p.idle = p.idle[:n-1]
			return c, true
		}
		p.cond.Wait()
	}
}

func (p *backendPool) Put(c int) {
	p.mu.Lock()
	p.idle = append(p.idle, c)
	p.mu.Unlock()
	p.cond.Signal()
}

func (p *backendPool) Close() {
	p.mu.Lock()
	p.closed = true // want `Close changes p.closed, which Get waits for in a p.cond.Wait loop, without p.cond.Signal or Broadcast`
	p.idle = nil
	p.mu.Unlock()
}

// A flow-control window: acquire bails out if the stream is closed before
// it starts waiting, but its wait loop checks only the window, so the
// Broadcast of close wakes waiters that go straight back to Wait.
type streamWindow struct {
	mu     sync.Mutex
	cond   *sync.Cond
	avail  int
	closed bool
}

func newStreamWindow(n int) *streamWindow {
	w := &streamWindow{avail: n}
	w.cond = sync.NewCond(&w.mu)
	return w
}

func (w *streamWindow) acquire(n int) (int, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, false
	}
	for w.avail == 0 {
		w.cond.Wait() // want `close sets w.closed and wakes w.cond, but this wait loop does not re-check w.closed`
	}
	if n > w.avail {
		n = w.avail
	}
	w.avail -= n
	return n, true
}

func (w *streamWindow) grant(n int) {
	w.mu.Lock()
	w.avail += n
	w.mu.Unlock()
	w.cond.Broadcast()
}

func (w *streamWindow) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.cond.Broadcast()
}

// Negative: the wait loop re-checks the closed flag.
type creditWindow struct {
	mu     sync.Mutex
	cond   *sync.Cond
	avail  int
	closed bool
}

func newCreditWindow(n int) *creditWindow {
	w := &creditWindow{avail: n}
	w.cond = sync.NewCond(&w.mu)
	return w
}

func (w *creditWindow) acquire(n int) (int, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, false
	}
	for w.avail == 0 && !w.closed {
		w.cond.Wait()
	}
	if w.closed {
		return 0, false
	}
	if n > w.avail {
		n = w.avail
	}
	w.avail -= n
	return n, true
}

func (w *creditWindow) grant(n int) {
	w.mu.Lock()
	w.avail += n
	w.mu.Unlock()
	w.cond.Broadcast()
}

func (w *creditWindow) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.cond.Broadcast()
}
