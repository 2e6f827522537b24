package gc102

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// A method that parks in select {} although its type can be shut down:
// it never returns, not even after the shutdown.

type meshAgent struct {
	every time.Duration
	stop  chan struct{}
	wg    sync.WaitGroup
	syncs int
	mu    sync.Mutex
}

// Run starts the refresh loop and serves until the agent is stopped.
func (a *meshAgent) Run() error {
	a.wg.Add(1)
	go a.refresh()
	select {} // want `Run never returns: select \{\} blocks forever, even after Stop shuts the component down`
}

func (a *meshAgent) refresh() {
	defer a.wg.Done()
	t := time.NewTicker(a.every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			a.mu.Lock()
			a.syncs++
			a.mu.Unlock()
		case <-a.stop:
			return
		}
	}
}

func (a *meshAgent) Stop() { // related `Stop cannot end Run`
	close(a.stop)
	a.wg.Wait()
}

type statsExporter struct {
	srv *http.Server
}

func (e *statsExporter) Serve() {
	go func() { _ = e.srv.ListenAndServe() }()
	select {} // want `Serve never returns: select \{\} blocks forever, even after Close shuts the component down`
}

func (e *statsExporter) Close() error {
	return e.srv.Close()
}

// ok: Run returns when the stop channel is closed.
type pullAgent struct {
	stop chan struct{}
	done chan struct{}
}

func (a *pullAgent) Run() error {
	defer close(a.done)
	<-a.stop
	return nil
}

func (a *pullAgent) Stop() {
	close(a.stop)
	<-a.done
}

// ok: a daemon with no shutdown path blocks forever by design.
type debugDaemon struct {
	addr string
}

func (d *debugDaemon) serveForever() {
	go func() { _ = http.ListenAndServe(d.addr, nil) }()
	select {}
}

// ok: the serve loop returns on the context.
type tickAgent struct {
	tick func()
}

func (a *tickAgent) Run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
			a.tick()
		}
	}
}

func (a *tickAgent) Close() error { return nil }

// ok: parking only behind a debug flag.
type debugServer struct {
	serveFlag string
	srv       *http.Server
}

func (d *debugServer) Start() {
	go func() { _ = d.srv.ListenAndServe() }()
	if d.serveFlag != "" {
		select {}
	}
}

func (d *debugServer) Close() error { return d.srv.Close() }
