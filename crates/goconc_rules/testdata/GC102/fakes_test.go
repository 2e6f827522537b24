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

// The sink interface the recorder writes through; it also has an Update
// that the recorder never calls.
type sinkEvent struct {
	Reason string
	Count  int
}

type auditSink interface {
	Create(e *sinkEvent) error
	Update(e *sinkEvent) error
}

type auditRecorder struct {
	sink auditSink
}

func (r *auditRecorder) Record(reason string) error {
	return r.sink.Create(&sinkEvent{Reason: reason, Count: 1})
}

// An unrelated store whose Update takes other arguments.
type auditStore struct{}

func (auditStore) Update(key string, e *sinkEvent, force bool) error { return nil }

// A test double with a hook per method: OnUpdate runs only from Update,
// which nothing calls, so the closure's send never happens.
type testAuditSink struct {
	OnCreate func(e *sinkEvent) error
	OnUpdate func(e *sinkEvent) error
}

func (s *testAuditSink) Create(e *sinkEvent) error {
	if s.OnCreate != nil {
		return s.OnCreate(e)
	}
	return nil
}

func (s *testAuditSink) Update(e *sinkEvent) error {
	if s.OnUpdate != nil {
		return s.OnUpdate(e)
	}
	return nil
}

func TestAuditRecorderCreates(t *testing.T) {
	created := make(chan *sinkEvent, 1)
	updated := make(chan *sinkEvent)
	sink := &testAuditSink{
		OnCreate: func(e *sinkEvent) error {
			created <- e
			return nil
		},
		OnUpdate: func(e *sinkEvent) error {
			updated <- e // ok: nothing calls Update, so this hook never runs
			return nil
		},
	}
	r := &auditRecorder{sink: sink}
	if err := r.Record("started"); err != nil {
		t.Fatal(err)
	}
	if e := <-created; e.Reason != "started" {
		t.Fatalf("reason %q", e.Reason)
	}
	_ = auditStore{}.Update("k", nil, true)
}

// A double whose hook does run: the test calls Flush, and nothing reads
// the flushed channel, so the test hangs.
type testFlushSink struct {
	OnFlush func(n int)
}

func (s *testFlushSink) Flush(n int) {
	if s.OnFlush != nil {
		s.OnFlush(n)
	}
}

func TestFlushSinkHook(t *testing.T) {
	flushed := make(chan int)
	sink := &testFlushSink{
		OnFlush: func(n int) {
			flushed <- n // want `send on flushed is never received`
		},
	}
	sink.Flush(3)
}
