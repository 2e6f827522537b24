package gc103

import (
	"context"
	"log"
	"os"
	"os/signal"
	"time"
)

// daemonConfig is a configuration reloaded at runtime.
type daemonConfig struct {
	path string
}

// runDaemon is a daemon's main: it installs the signal handler and blocks
// until the handler says the process is stopping.
func runDaemon(path string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	signals := make(chan os.Signal, 16)
	reloads := make(chan *daemonConfig)
	done := handleDaemonSignals(ctx, signals, reloads, cancel)
	signal.Notify(signals, os.Interrupt)
	reloads <- &daemonConfig{path: path}
	<-done
}

// handleDaemonSignals is the process's root signal handler: it lives as long
// as the process and is what cancels everything else.
func handleDaemonSignals(ctx context.Context, signals chan os.Signal, reloads chan *daemonConfig, cancel func()) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		var current *daemonConfig
		for {
			select { // ok: receives os.Signal, the process's root signal handler
			case cfg := <-reloads:
				current = cfg
			case s := <-signals:
				log.Printf("%v: received %v (config %v)", ctx.Value("daemon"), s, current)
				cancel()
				close(done)
				return
			}
		}
	}()
	return done
}

// signalQueue is a named channel type of OS signals.
type signalQueue chan os.Signal

// supervisor restarts its child on every signal until it is told to stop.
type supervisor struct {
	signals signalQueue
	restart func(context.Context) error
}

func (s *supervisor) Run(ctx context.Context) {
	signal.Notify(s.signals, os.Interrupt)
	for {
		sig := <-s.signals // ok: a chan os.Signal through a named type: the process's signal loop
		if sig == os.Interrupt {
			return
		}
		if err := s.restart(ctx); err != nil {
			log.Printf("restart: %v", err)
		}
	}
}

// Signal is an application event that merely shares the name with os.Signal.
type Signal int

// reloadWatcher waits for application signals and periodic ticks; nothing
// ends it when ctx is cancelled.
type reloadWatcher struct {
	events chan Signal
	ticks  <-chan time.Time
	apply  func(context.Context, Signal)
}

func (w *reloadWatcher) Watch(ctx context.Context) {
	for {
		select { // want "select in a loop has no case <-ctx.Done\\(\\)"
		case ev := <-w.events:
			w.apply(ctx, ev)
		case <-w.ticks:
			w.apply(ctx, 0)
		}
	}
}

func (w *reloadWatcher) Drain(ctx context.Context) {
	for {
		ev := <-w.events // want "receive from w.events in a loop has no case <-ctx.Done\\(\\)"
		w.apply(ctx, ev)
	}
}
