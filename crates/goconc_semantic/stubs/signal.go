// Embedded model of package os/signal.
package signal

import (
	"context"
	"os"
)

func Notify(c chan<- os.Signal, sig ...os.Signal)  {}
func Stop(c chan<- os.Signal)                      {}
func Ignore(sig ...os.Signal)                      {}
func Reset(sig ...os.Signal)                       {}
func NotifyContext(parent context.Context, signals ...os.Signal) (ctx context.Context, stop context.CancelFunc) {
	return nil, nil
}
