package gc207

import (
	"context"
	"errors"

	"golang.org/x/sync/errgroup"
)

// Multi-step protocols between a coordinator and the one goroutine it
// starts.

type txn struct {
	id   int64
	keys []string
}

type decision int

const (
	abort decision = iota
	commit
)

// participant votes on a prepared transaction, applies the decision and
// reports back.
type participant struct {
	canApply func(txn) bool
	apply    func(txn, decision)
}

// commitOne runs two-phase commit with a single participant. The
// coordinator announces its decision before it has collected the vote:
// the participant is still trying to hand the vote over.
func (p *participant) commitOne(t txn) error {
	prepare := make(chan txn)
	vote := make(chan bool)
	outcome := make(chan decision)
	done := make(chan struct{})
	go func() {
		tx := <-prepare
		vote <- p.canApply(tx) // related `the goroutine blocks here first`
		d := <-outcome
		p.apply(tx, d)
		close(done)
	}()
	prepare <- t
	outcome <- commit // want "`outcome <- commit` blocks forever: the goroutine started here is blocked sending on vote first, and this function receives from vote only after it"
	if !<-vote {
		return errors.New("participant refused")
	}
	<-done
	return nil
}

// commitOneFixed collects the vote before it decides.
func (p *participant) commitOneFixed(t txn) error {
	prepare := make(chan txn)
	vote := make(chan bool)
	outcome := make(chan decision)
	done := make(chan struct{})
	go func() {
		tx := <-prepare
		vote <- p.canApply(tx)
		d := <-outcome
		p.apply(tx, d)
		close(done)
	}()
	prepare <- t
	yes := <-vote // ok: the vote is taken before the decision is sent
	d := abort
	if yes {
		d = commit
	}
	outcome <- d
	<-done
	if !yes {
		return errors.New("participant refused")
	}
	return nil
}

type record struct {
	key   string
	value []byte
}

// uploader batches records for a remote store.
type uploader struct {
	put func(ctx context.Context, rs []record) error
}

// uploadPair queues two records, but the queue holds one: the second send
// waits for the flusher, which first reports that it is connected and
// waits for that report to be read.
func (u *uploader) uploadPair(ctx context.Context, a, b record) error {
	queue := make(chan record, 1)
	connected := make(chan error)
	go func() {
		connected <- nil
		first := <-queue
		second := <-queue
		u.put(ctx, []record{first, second})
	}()
	queue <- a
	queue <- b // want "`queue <- b` blocks forever: the goroutine started here is blocked sending on connected first, and this function receives from connected only after it"
	return <-connected
}

// uploadPairFixed has room for both records.
func (u *uploader) uploadPairFixed(ctx context.Context, a, b record) error {
	queue := make(chan record, 2) // ok: both sends fit before the report is read
	connected := make(chan error)
	go func() {
		connected <- nil
		first := <-queue
		second := <-queue
		u.put(ctx, []record{first, second})
	}()
	queue <- a
	queue <- b
	return <-connected
}

// shardMover copies one shard to a new owner in an errgroup.
type shardMover struct {
	copyShard func(ctx context.Context, id int) (int64, error)
}

// move waits for the copier's byte count before it tells the copier to
// start; the copier waits for the start signal before it copies anything.
func (m *shardMover) move(ctx context.Context, id int) (int64, error) {
	g, gctx := errgroup.WithContext(ctx)
	start := make(chan struct{})
	copied := make(chan int64)
	g.Go(func() error {
		<-start
		n, err := m.copyShard(gctx, id)
		copied <- n
		return err
	})
	n := <-copied // want "`<-copied` blocks forever: the goroutine started here is blocked receiving from start first, and this function sends on start only after it"
	close(start)
	return n, g.Wait()
}

// moveFixed starts the copier first.
func (m *shardMover) moveFixed(ctx context.Context, id int) (int64, error) {
	g, gctx := errgroup.WithContext(ctx)
	start := make(chan struct{})
	copied := make(chan int64)
	g.Go(func() error {
		<-start
		n, err := m.copyShard(gctx, id)
		copied <- n
		return err
	})
	close(start) // ok: start is closed before the count is awaited
	n := <-copied
	return n, g.Wait()
}

// segmentWriter writes log segments from a background goroutine that
// writes only when asked to flush.
type segmentWriter struct {
	write func([]byte)
}

// closeWith hands over the last segment and waits for the writer to
// finish, but never asks it to flush.
func (w *segmentWriter) closeWith(last []byte) {
	data := make(chan []byte)
	flush := make(chan struct{})
	closed := make(chan struct{})
	go func() {
		buf := <-data
		<-flush
		w.write(buf)
		close(closed)
	}()
	data <- last
	<-closed // want "`<-closed` blocks forever: the goroutine started here is blocked receiving from flush first, and this function never sends on flush after it"
}

// closeWithFixed requests the flush before it waits.
func (w *segmentWriter) closeWithFixed(last []byte) {
	data := make(chan []byte)
	flush := make(chan struct{})
	closed := make(chan struct{})
	go func() {
		buf := <-data
		<-flush
		w.write(buf)
		close(closed)
	}()
	data <- last
	close(flush) // ok: the flush is requested before the wait
	<-closed
}
