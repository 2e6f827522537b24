package gc207

import (
	"context"
	"fmt"
)

// Shapes the rule must leave alone: the order cannot be decided from
// straight-line code, or somebody else may complete the exchange.

type job struct {
	id   int
	name string
}

type worker struct {
	run func(job) string
}

// progress expects a "finished" event that the goroutine never sends.
func (w *worker) progress(j job) string {
	start := make(chan job)
	events := make(chan string)
	go func() {
		next := <-start
		events <- "started " + w.run(next)
	}()
	start <- j
	first := <-events
	last := <-events // want "`<-events` blocks forever: the goroutine started here finishes its exchanges without a matching send or close on events"
	return first + last
}

// progressFixed reads the one event the goroutine sends.
func (w *worker) progressFixed(j job) string {
	start := make(chan job)
	events := make(chan string)
	go func() {
		next := <-start
		events <- "started " + w.run(next)
	}()
	start <- j
	return <-events // ok: one event sent, one received
}

// cancellable answers in a select: whether it blocks depends on ctx.
func (w *worker) cancellable(ctx context.Context, j job) string {
	req := make(chan job)
	resp := make(chan string)
	go func() {
		select {
		case resp <- "hello":
		case <-ctx.Done():
			return
		}
		<-req
	}()
	req <- j // ok: the goroutine's first op is in a select
	return <-resp
}

// batch exchanges in a loop: iterations are not modelled.
func (w *worker) batch(jobs []job) []string {
	req := make(chan job)
	resp := make(chan string)
	go func() {
		for {
			resp <- "ready"
			j := <-req
			w.run(j)
		}
	}()
	var out []string
	for _, j := range jobs {
		req <- j // ok: ops in loops are not modelled
		out = append(out, <-resp)
	}
	return out
}

// relay hands the request channel to a helper that may serve it.
func relay(req chan job) {
	go func() {
		for j := range req {
			fmt.Println(j.name)
		}
	}()
}

// withRelay crosses its sends, but another function also gets req.
func (w *worker) withRelay(j job) string {
	req := make(chan job)
	resp := make(chan string)
	relay(req)
	go func() {
		resp <- "hello"
		<-req
	}()
	req <- j // ok: req escapes to relay, whose goroutine may receive it
	return <-resp
}

// pool starts its goroutine in a loop: several goroutines share the
// channels.
func (w *worker) pool(j job) string {
	req := make(chan job)
	resp := make(chan string)
	for i := 0; i < 2; i++ {
		go func() {
			resp <- fmt.Sprint("worker ", i)
			<-req
		}()
	}
	req <- j // ok: goroutines started in a loop are not modelled
	return <-resp
}

// pair starts two goroutines on the same channels.
func (w *worker) pair(j job) string {
	req := make(chan job)
	resp := make(chan string)
	go func() {
		resp <- "first"
	}()
	go func() {
		<-req
		resp <- "second"
	}()
	req <- j // ok: two goroutines share the channels
	return <-resp + <-resp
}

// branchy answers first only on one path.
func (w *worker) branchy(j job, eager bool) string {
	req := make(chan job)
	resp := make(chan string)
	go func() {
		if eager {
			resp <- "eager"
			<-req
			return
		}
		w.run(<-req)
		resp <- "lazy"
	}()
	req <- j // ok: the goroutine's order depends on a branch
	return <-resp
}

// deferredClose closes done on exit: deferred ops are not modelled.
func (w *worker) deferredClose(j job) string {
	req := make(chan job)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.run(<-req)
	}()
	<-done // ok: deferred close, not modelled (and the goroutine waits for req)
	req <- j
	return j.name
}

// primed sends before the goroutine exists.
func (w *worker) primed(j job) string {
	req := make(chan job, 1)
	resp := make(chan string)
	req <- j
	go func() {
		w.run(<-req)
		resp <- "done"
		<-req
	}()
	req <- j // ok: f uses the channels before the spawn
	return <-resp
}

// mailbox publishes a request channel to whoever holds it.
type mailbox struct {
	in chan job
}

// published crosses its sends, but req is stored where others can reach it.
func (w *worker) published(j job) (*mailbox, string) {
	req := make(chan job)
	resp := make(chan string)
	m := &mailbox{in: req}
	go func() {
		resp <- "hello"
		<-req
	}()
	req <- j // ok: req escapes into the mailbox
	return m, <-resp
}
