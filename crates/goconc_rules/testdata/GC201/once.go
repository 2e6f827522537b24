package gc201

import (
	"os"
	"strings"
	"sync"
)

// sync.Once holds its mutex while the function runs: reaching Do on the
// same Once from inside that function waits for itself.

// settings loads lazily, and the loader reads a default through the lazy
// getter: the first Get never returns.
type settings struct {
	once   sync.Once
	values map[string]string
}

func (s *settings) load() {
	s.values = map[string]string{}
	for _, kv := range strings.Split(os.Getenv("APP_SETTINGS"), ",") {
		k, v, _ := strings.Cut(kv, "=")
		s.values[k] = v
	}
	if s.Get("region") == "" {
		s.values["region"] = "eu-west-1"
	}
}

func (s *settings) Get(key string) string {
	s.once.Do(s.load) // want `s.once.Do never returns: the function it runs reaches s.once.Do again`
	return s.values[key]
}

// settingsFixed reads the map directly inside the loader.
type settingsFixed struct {
	once   sync.Once
	values map[string]string
}

func (s *settingsFixed) load() {
	s.values = map[string]string{}
	if s.values["region"] == "" {
		s.values["region"] = "eu-west-1"
	}
}

func (s *settingsFixed) Get(key string) string {
	s.once.Do(s.load)
	return s.values[key]
}

// registry initialises in a closure that calls a helper, which calls
// Lookup, which goes through the same Once.
type registry struct {
	initOnce sync.Once
	drivers  map[string]func() error
}

func (r *registry) Lookup(name string) func() error {
	r.initOnce.Do(func() { // want `r.initOnce.Do never returns`
		r.drivers = map[string]func() error{}
		r.registerBuiltins()
	})
	return r.drivers[name]
}

func (r *registry) registerBuiltins() {
	if r.Lookup("noop") == nil {
		r.drivers["noop"] = func() error { return nil }
	}
}

// twoOnces: the initializer of one Once goes through another Once: fine.
type twoOnces struct {
	configOnce sync.Once
	clientOnce sync.Once
	config     string
	client     string
}

func (t *twoOnces) Config() string {
	t.configOnce.Do(func() { t.config = "cfg" })
	return t.config
}

func (t *twoOnces) Client() string {
	t.clientOnce.Do(func() { t.client = "client for " + t.Config() })
	return t.client
}

// dialer connects once; the connect function waits for a goroutine that
// reads the address through the same lazy getter.
type dialer struct {
	once sync.Once
	addr string
	conn string
}

func (d *dialer) Addr() string {
	d.once.Do(func() { d.addr = os.Getenv("DIAL_ADDR") })
	return d.addr
}

func (d *dialer) Conn() string {
	d.once.Do(func() { // want `d.once.Do never returns: the function it runs reaches d.once.Do again`
		done := make(chan struct{})
		go func() {
			d.conn = "tcp://" + d.Addr()
			close(done)
		}()
		<-done
	})
	return d.conn
}

// dialerAsync starts the goroutine without waiting for it.
type dialerAsync struct {
	once  sync.Once
	addr  string
	ready chan string
}

func (d *dialerAsync) Addr() string {
	d.once.Do(func() { d.addr = os.Getenv("DIAL_ADDR") })
	return d.addr
}

func (d *dialerAsync) Start() {
	d.once.Do(func() { // ok: the goroutine's Do waits until this one returns, which it does
		d.ready = make(chan string, 1)
		go func() { d.ready <- d.Addr() }()
	})
}
