package gc102

import (
	"runtime"
	"sync"
)

// A stackless call wrapper: a fixed set of workers, started once, serves
// calls from a channel that is never closed. The caller hands a call over
// and waits for that call's done signal; the worker signals every call it
// takes, and its range never runs out because nothing closes the channel:
// the caller's wait is fine, but every wrapper built leaves its workers
// behind for good.
type stacklessCall struct {
	arg  any
	done chan struct{}
}

func newStacklessFunc(f func(arg any)) func(arg any) bool {
	calls := make(chan *stacklessCall, runtime.GOMAXPROCS(-1)*64)
	var once sync.Once
	return func(arg any) bool {
		once.Do(func() {
			for i := 0; i < runtime.GOMAXPROCS(-1); i++ {
				go stacklessWorker(calls, f)
			}
		})
		call := &stacklessCall{arg: arg, done: make(chan struct{}, 1)}
		select {
		case calls <- call:
		default:
			return false
		}
		<-call.done // ok: the worker signals every call it takes
		return true
	}
}

func stacklessWorker(calls <-chan *stacklessCall, f func(arg any)) {
	for call := range calls { // want `range over calls never ends: calls is never closed`
		f(call.arg)
		call.done <- struct{}{}
	}
}
