// Embedded model of package context.
package context

import "time"

type Context interface {
	Deadline() (deadline time.Time, ok bool)
	Done() <-chan struct{}
	Err() error
	Value(key any) any
}

type CancelFunc func()
type CancelCauseFunc func(cause error)

var Canceled error
var DeadlineExceeded error

func Background() Context                                          { return nil }
func TODO() Context                                                { return nil }
func WithCancel(parent Context) (ctx Context, cancel CancelFunc)   { return nil, nil }
func WithCancelCause(parent Context) (ctx Context, cancel CancelCauseFunc) { return nil, nil }
func WithTimeout(parent Context, timeout time.Duration) (Context, CancelFunc) { return nil, nil }
func WithDeadline(parent Context, d time.Time) (Context, CancelFunc)         { return nil, nil }
func WithValue(parent Context, key, val any) Context               { return nil }
func WithoutCancel(parent Context) Context                         { return nil }
func Cause(c Context) error                                        { return nil }
func AfterFunc(ctx Context, f func()) (stop func() bool)           { return nil }
