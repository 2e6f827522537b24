package gc207

import (
	"context"
	"errors"
	"io"
)

// Protocols that loop: two goroutines started together, or a function
// and its goroutine, each in a loop over channel fields of one struct.

type replFrame struct {
	index uint64
	ack   bool
	data  []byte
}

type replCodec interface {
	Read() (replFrame, error)
	Write(replFrame) error
}

// replStream pipelines log entries to a follower with a bounded window.
// sendLoop tells recvLoop which indexes are in flight; recvLoop tells
// sendLoop which ones were acknowledged.
type replStream struct {
	codec    replCodec
	entries  chan []byte
	inflight chan uint64
	acked    chan uint64
	frames   chan replFrame
	sendDone chan struct{}
	recvDone chan struct{}
}

func newReplStream(c replCodec) *replStream {
	return &replStream{
		codec:    c,
		entries:  make(chan []byte, 64),
		inflight: make(chan uint64),
		acked:    make(chan uint64),
		frames:   make(chan replFrame, 64),
		sendDone: make(chan struct{}),
		recvDone: make(chan struct{}),
	}
}

func (s *replStream) start() {
	go s.readFrames()
	go func() { // related `goroutine running sendLoop started here`
		defer close(s.sendDone)
		s.sendLoop()
	}()
	go func() { // related `goroutine running recvLoop started here`
		defer close(s.recvDone)
		s.recvLoop()
	}()
}

func (s *replStream) append(b []byte) bool {
	select {
	case s.entries <- b:
		return true
	case <-s.sendDone:
		return false
	}
}

func (s *replStream) readFrames() {
	defer close(s.frames)
	for {
		f, err := s.codec.Read()
		if err != nil {
			return
		}
		s.frames <- f
	}
}

// sendLoop hands every new index to recvLoop before writing the entry;
// while it waits for recvLoop to take it, it does not take acks.
func (s *replStream) sendLoop() {
	var index uint64
	window := 8
	for {
		in := s.entries
		if window == 0 {
			in = nil
		}
		select {
		case b := <-in:
			index++
			select { // want "the select on s.inflight, s.recvDone can block forever: the goroutine running recvLoop can be waiting at the select on s.acked, s.sendDone at the same time"
			case s.inflight <- index:
			case <-s.recvDone:
				return
			}
			if err := s.codec.Write(replFrame{index: index, data: b}); err != nil {
				return
			}
			window--
		case <-s.acked:
			window++
		case <-s.recvDone:
			return
		}
	}
}

// recvLoop matches acks against in-flight indexes and reports them back;
// while it reports, it does not take new in-flight indexes.
func (s *replStream) recvLoop() {
	pending := make(map[uint64]bool)
	for {
		select {
		case index := <-s.inflight:
			pending[index] = true
		case f, ok := <-s.frames:
			if !ok {
				return
			}
			if f.ack && pending[f.index] {
				delete(pending, f.index)
				select { // related `goroutine running recvLoop waits here`
				case s.acked <- f.index:
				case <-s.sendDone:
				}
			}
		}
	}
}

// replStreamFixed reports acks from recvLoop while still taking in-flight
// indexes: neither loop waits without serving the other.
type replStreamFixed struct {
	codec    replCodec
	entries  chan []byte
	inflight chan uint64
	acked    chan uint64
	frames   chan replFrame
	sendDone chan struct{}
	recvDone chan struct{}
}

func newReplStreamFixed(c replCodec) *replStreamFixed {
	return &replStreamFixed{
		codec:    c,
		entries:  make(chan []byte, 64),
		inflight: make(chan uint64),
		acked:    make(chan uint64),
		frames:   make(chan replFrame, 64),
		sendDone: make(chan struct{}),
		recvDone: make(chan struct{}),
	}
}

func (s *replStreamFixed) start() {
	go s.readFrames()
	go func() {
		defer close(s.sendDone)
		s.sendLoop()
	}()
	go func() {
		defer close(s.recvDone)
		s.recvLoop()
	}()
}

func (s *replStreamFixed) readFrames() {
	defer close(s.frames)
	for {
		f, err := s.codec.Read()
		if err != nil {
			return
		}
		s.frames <- f
	}
}

func (s *replStreamFixed) sendLoop() {
	var index uint64
	window := 8
	for {
		in := s.entries
		if window == 0 {
			in = nil
		}
		select {
		case b := <-in:
			index++
			select { // ok: recvLoop takes in-flight indexes while it reports acks
			case s.inflight <- index:
			case <-s.recvDone:
				return
			}
			if err := s.codec.Write(replFrame{index: index, data: b}); err != nil {
				return
			}
			window--
		case <-s.acked:
			window++
		case <-s.recvDone:
			return
		}
	}
}

func (s *replStreamFixed) recvLoop() {
	pending := make(map[uint64]bool)
	var toAck []uint64
	for {
		var ackc chan uint64
		var next uint64
		if len(toAck) > 0 {
			ackc, next = s.acked, toAck[0]
		}
		select {
		case index := <-s.inflight:
			pending[index] = true
		case ackc <- next:
			toAck = toAck[1:]
		case f, ok := <-s.frames:
			if !ok {
				return
			}
			if f.ack && pending[f.index] {
				delete(pending, f.index)
				toAck = append(toAck, f.index)
			}
		}
	}
}

// segmentShipper streams a WAL segment to a local follower in blocks and
// checks the follower's confirmations.
type segmentStream struct {
	blocks   chan []byte
	confirms chan int
}

type segmentFollower struct {
	received [][]byte
}

func (f *segmentFollower) follow(st *segmentStream) {
	defer close(st.confirms)
	n := 0
	for b := range st.blocks {
		f.received = append(f.received, b)
		st.confirms <- n // related `goroutine running follow waits here`
		n++
	}
}

// shipSegment sends every block before it reads a single confirmation;
// the follower confirms each block before it takes the next.
func shipSegment(segment []byte, blockSize int) ([][]byte, error) {
	st := &segmentStream{blocks: make(chan []byte), confirms: make(chan int)}
	f := &segmentFollower{}
	go f.follow(st)
	sent := 0
	for off := 0; off < len(segment); off += blockSize {
		end := min(off+blockSize, len(segment))
		st.blocks <- segment[off:end] // want "`st.blocks <- segment\\[off:end\\]` can block forever: the goroutine running follow can be waiting at `st.confirms <- n`"
		sent++
	}
	close(st.blocks)
	confirmed := 0
	for range st.confirms {
		confirmed++
	}
	if confirmed != sent {
		return nil, errors.New("follower lost blocks")
	}
	return f.received, nil
}

// shipSegmentFixed waits for each confirmation before the next block.
func shipSegmentFixed(segment []byte, blockSize int) ([][]byte, error) {
	st := &segmentStream{blocks: make(chan []byte), confirms: make(chan int)}
	f := &segmentFollower{}
	go f.follow(st)
	for off := 0; off < len(segment); off += blockSize {
		end := min(off+blockSize, len(segment))
		st.blocks <- segment[off:end] // ok: every block is confirmed before the next is sent
		if _, ok := <-st.confirms; !ok {
			return nil, errors.New("follower stopped")
		}
	}
	close(st.blocks)
	for range st.confirms {
	}
	return f.received, nil
}

// checksumJob counts a fixed number of blocks and then reports the sum:
// the counts on both sides agree, so the function's loop always ends
// before it waits for the sum.
type checksumJob struct {
	parts chan uint32
	sum   chan uint32
}

func (j *checksumJob) run(n int) {
	var total uint32
	for i := 0; i < n; i++ {
		total += <-j.parts
	}
	j.sum <- total
}

func checksum(parts []uint32) uint32 {
	j := &checksumJob{parts: make(chan uint32), sum: make(chan uint32)}
	go j.run(len(parts))
	for _, p := range parts {
		j.parts <- p // ok: the goroutine leaves its loop only after len(parts) receives
	}
	return <-j.sum
}

// echoSession alternates requests and replies on both sides.
type echoSession struct {
	requests chan string
	replies  chan string
}

func (e *echoSession) serve(ctx context.Context) {
	for {
		select {
		case r := <-e.requests:
			e.replies <- r // ok: the client receives a reply after every request
		case <-ctx.Done():
			return
		}
	}
}

func echoAll(ctx context.Context, msgs []string, w io.Writer) error {
	e := &echoSession{requests: make(chan string), replies: make(chan string)}
	go e.serve(ctx)
	for _, m := range msgs {
		e.requests <- m
		if _, err := io.WriteString(w, <-e.replies); err != nil {
			return err
		}
	}
	return nil
}

// transformPipeline feeds a worker whose results are collected by a third
// goroutine: the worker's sends never wait for the feeding loop.
type transformPipeline struct {
	in  chan int
	out chan int
}

func (p *transformPipeline) work() {
	defer close(p.out)
	for v := range p.in {
		p.out <- v * 2 // ok: the collector goroutine receives every result
	}
}

func (p *transformPipeline) collect(results *[]int, done chan<- struct{}) {
	for v := range p.out {
		*results = append(*results, v)
	}
	close(done)
}

func transformAll(values []int) []int {
	p := &transformPipeline{in: make(chan int), out: make(chan int)}
	var results []int
	done := make(chan struct{})
	go p.work()
	go p.collect(&results, done)
	for _, v := range values {
		p.in <- v
	}
	close(p.in)
	<-done
	return results
}

// fetchSubscription's goroutines report errors through errs, which the
// caller drains with next on the subscription startFetch returns.
type fetchSubscription struct {
	requests chan int
	errs     chan error
	done     chan struct{}
}

func startFetch(fetch func(int) error) *fetchSubscription {
	sub := &fetchSubscription{requests: make(chan int), errs: make(chan error), done: make(chan struct{})}
	go func() {
		for {
			select {
			case n := <-sub.requests:
				if err := fetch(n); err != nil {
					sub.errs <- err // ok: the caller receives errs through the returned subscription
				}
			case <-sub.done:
				return
			}
		}
	}()
	go func() {
		sub.errs <- errors.New("connected") // ok: received by next
	}()
	return sub
}

func (s *fetchSubscription) next() error { return <-s.errs }

func (s *fetchSubscription) fetch(n int) {
	select {
	case s.requests <- n:
	case <-s.done:
	}
}
