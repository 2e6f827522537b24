package gc101

import (
	"context"
	"errors"
	"strconv"
	"time"
)

// A goroutine that sends in a loop to a receiving loop that can stop
// early. The stage watches ctx while it waits for input, but its send is
// plain: once the receiver has returned it parks there forever.

func double(ctx context.Context, in <-chan int, out chan<- int) {
	for {
		select {
		case <-ctx.Done():
			return
		case v, ok := <-in:
			if !ok {
				return
			}
			out <- v * 2 // want `goroutine blocks forever sending to out: the loop receiving it can stop early while values are still coming`
		}
	}
}

// SumDoubled stops collecting on cancellation.
func SumDoubled(ctx context.Context, in <-chan int, n int) int {
	out := make(chan int)
	go double(ctx, in, out)
	sum := 0
	for i := 0; i < n; i++ {
		select {
		case v := <-out:
			sum += v
		case <-ctx.Done():
			return sum
		}
	}
	return sum
}

func doubleGuarded(ctx context.Context, in <-chan int, out chan<- int) {
	for {
		select {
		case <-ctx.Done():
			return
		case v, ok := <-in:
			if !ok {
				return
			}
			select {
			case out <- v * 2:
			case <-ctx.Done():
				return
			}
		}
	}
}

// SumDoubledGuarded: the stage's send also watches ctx.
func SumDoubledGuarded(ctx context.Context, in <-chan int, n int) int {
	out := make(chan int)
	go doubleGuarded(ctx, in, out)
	sum := 0
	for i := 0; i < n; i++ {
		select {
		case v := <-out:
			sum += v
		case <-ctx.Done():
			return sum
		}
	}
	return sum
}

var errBadID = errors.New("bad id")

// parseIDs generates values until done; the consumer returns on the first
// bad one, leaving the generator blocked.
func parseIDs(raw []string) ([]int, error) {
	ids := make(chan string)
	go func() {
		defer close(ids)
		for _, r := range raw {
			ids <- r // want `goroutine blocks forever sending to ids`
		}
	}()
	var out []int
	for r := range ids {
		n, err := strconv.Atoi(r)
		if err != nil {
			return nil, errBadID
		}
		out = append(out, n)
	}
	return out, nil
}

// parseIDsDrained keeps draining after the first error.
func parseIDsDrained(raw []string) ([]int, error) {
	ids := make(chan string)
	go func() {
		defer close(ids)
		for _, r := range raw {
			ids <- r
		}
	}()
	var out []int
	var firstErr error
	for r := range ids {
		n, err := strconv.Atoi(r)
		if err != nil {
			if firstErr == nil {
				firstErr = errBadID
			}
			continue
		}
		out = append(out, n)
	}
	return out, firstErr
}

// pollStatus receives from a ticker-driven producer but only for as long
// as the deadline; the producer is left blocked.
func pollStatus(check func() bool, deadline time.Duration) bool {
	results := make(chan bool)
	go func() {
		for {
			results <- check() // want `goroutine blocks forever sending to results`
			time.Sleep(10 * time.Millisecond)
		}
	}()
	timeout := time.After(deadline)
	for {
		select {
		case ok := <-results:
			if ok {
				return true
			}
		case <-timeout:
			return false
		}
	}
}

// retryAccept: each round makes its own channel and drains it until the
// accepting goroutine closes it.
func retryAccept(accept func() (string, error), rounds int) []string {
	var got []string
	for i := 0; i < rounds; i++ {
		conns := make(chan string)
		go func() {
			for {
				c, err := accept()
				if err != nil {
					close(conns)
					return
				}
				conns <- c
			}
		}()
		for c := range conns {
			got = append(got, c)
		}
	}
	return got
}
