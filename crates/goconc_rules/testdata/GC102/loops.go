package gc102

import (
	"context"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"
)

// metricsExporter models a library that starts its HTTP listener in a
// goroutine and then parks that goroutine with an empty select.
type metricsExporter struct {
	addr string
}

// Start leaves a goroutine that can never exit.
func (e *metricsExporter) Start() {
	go func() {
		srv := &http.Server{Addr: e.addr, ReadHeaderTimeout: time.Second}
		go func() {
			if err := srv.ListenAndServe(); err != nil {
				log.Print(err)
			}
		}()
		select {} // want "goroutine never exits"
	}()
}

// StartFixed returns the server so the owner can shut it down, instead of
// parking a goroutine.
func (e *metricsExporter) StartFixed() *http.Server {
	srv := &http.Server{Addr: e.addr, ReadHeaderTimeout: time.Second}
	go func() {
		if err := srv.ListenAndServe(); err != nil { // ok: returns http.ErrServerClosed after Shutdown
			log.Print(err)
		}
	}()
	return srv
}

// statsFlusher models a background flusher with neither a context nor a
// stop channel: the loop has no way out.
type statsFlusher struct {
	interval time.Duration
	flush    func()
}

// Run spawns a flusher that can never be stopped.
func (f *statsFlusher) Run() {
	go func() {
		for { // want "goroutine never exits"
			f.flush()
			time.Sleep(f.interval)
		}
	}()
}

// RunContext is the fixed flusher: a ticker that is stopped on exit and a
// ctx.Done case that ends the loop.
func (f *statsFlusher) RunContext(ctx context.Context) {
	go func() {
		t := time.NewTicker(f.interval)
		defer t.Stop()
		for { // ok: returns on ctx.Done()
			select {
			case <-t.C:
				f.flush()
			case <-ctx.Done():
				return
			}
		}
	}()
}

// heartbeat models a sender started as a named method whose loop has no
// exit condition.
type heartbeat struct {
	conn net.Conn
}

func (h *heartbeat) loop() {
	for { // want "goroutine never exits"
		_, _ = h.conn.Write([]byte("ping\n"))
		time.Sleep(5 * time.Second)
	}
}

// Start launches the heartbeat loop.
func (h *heartbeat) Start() {
	go h.loop()
}

// janitor models a cleaner that ends when its quit channel is closed
// rather than through a context.
type janitor struct {
	quit  chan struct{}
	sweep func()
}

func newJanitor(sweep func()) *janitor {
	return &janitor{quit: make(chan struct{}), sweep: sweep}
}

func (j *janitor) loop() {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for { // ok: ends when quit is closed
		select {
		case <-t.C:
			j.sweep()
		case <-j.quit:
			return
		}
	}
}

// Start launches the janitor.
func (j *janitor) Start() { go j.loop() }

// Stop closes quit.
func (j *janitor) Stop() { close(j.quit) }

// acceptor models a TCP accept loop: the loop is endless on purpose and
// ends when the listener is closed and Accept returns an error.
type acceptor struct {
	ln     net.Listener
	handle func(net.Conn)
}

// Serve accepts until the listener is closed.
func (a *acceptor) Serve() {
	go func() {
		for { // ok: Accept fails once the listener is closed, and the loop returns
			conn, err := a.ln.Accept()
			if err != nil {
				return
			}
			go a.handle(conn)
		}
	}()
}

// Close stops Serve.
func (a *acceptor) Close() error { return a.ln.Close() }

// main models a daemon entry point: blocking forever in the top-level
// main is the intended behaviour, the process exits on a signal.
func main() {
	exp := &metricsExporter{addr: ":9100"}
	srv := exp.StartFixed()
	_ = srv
	select {} // ok: top-level main blocks forever on purpose
}

// runDaemon models the signal-aware variant of a main loop.
func runDaemon(j *janitor) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	j.Start()
	<-ctx.Done() // ok: signal.NotifyContext closes it on SIGINT
	j.Stop()
}
