package gc102

import (
	"log"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// Subcommand handlers of a CLI built like cobra: the process runs one
// handler and exits when it returns, so a loop the handler starts for the
// life of the command (a signal handler, a file monitor) lives exactly as
// long as the process.

type Command struct {
	Use  string
	RunE func(cmd *Command, args []string) error
}

type cmdDaemon struct {
	stopping bool
	mu       sync.Mutex
	stopped  chan error
}

func (c *cmdDaemon) stop(sig os.Signal) {
	c.mu.Lock()
	c.stopping = true
	c.mu.Unlock()
	log.Printf("received %v, shutting down", sig)
	c.stopped <- nil
}

// ok: the daemon subcommand's signal loop ends with the process.
func (c *cmdDaemon) Run(cmd *Command, args []string) error {
	sigCh := make(chan os.Signal, 1)
	signal.Notify(sigCh, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		for {
			sig := <-sigCh
			c.mu.Lock()
			stopping := c.stopping
			c.mu.Unlock()
			if stopping {
				log.Printf("ignoring %v, shutdown already in progress", sig)
				continue
			}
			go c.stop(sig)
		}
	}()
	return <-c.stopped
}

type cmdForkDNS struct {
	servers []string
	mu      sync.Mutex
}

// ok: the forkdns subprocess watches its servers file for as long as it runs.
func (c *cmdForkDNS) Run(cmd *Command, args []string) error {
	go func() {
		for {
			time.Sleep(10 * time.Second)
			data, err := os.ReadFile(args[0])
			if err != nil {
				continue
			}
			c.mu.Lock()
			c.servers = []string{string(data)}
			c.mu.Unlock()
		}
	}()
	return nil
}

func newDaemonCommand() *Command {
	d := &cmdDaemon{stopped: make(chan error)}
	return &Command{Use: "daemon", RunE: d.Run}
}

// A resolver that the daemon builds for every network it manages: its
// refresh loop outlives the network it was built for.
type netResolver struct {
	mu      sync.Mutex
	servers []string
	path    string
}

func (r *netResolver) Start() {
	go func() {
		for { // want `goroutine never exits: this loop has no exit`
			time.Sleep(10 * time.Second)
			data, err := os.ReadFile(r.path)
			if err != nil {
				continue
			}
			r.mu.Lock()
			r.servers = []string{string(data)}
			r.mu.Unlock()
		}
	}()
}

// A process-wide token store: one package-level value, initialised once.
type tokenStore struct {
	mu     sync.Mutex
	tokens map[string]time.Time
}

var tokens = tokenStore{}

var tokensOnce sync.Once

// ok: the cleanup loop belongs to the one package-level store.
func (t *tokenStore) init() {
	t.tokens = make(map[string]time.Time)
	go func() {
		for {
			time.Sleep(10 * time.Minute)
			t.mu.Lock()
			for k, exp := range t.tokens {
				if time.Now().After(exp) {
					delete(t.tokens, k)
				}
			}
			t.mu.Unlock()
		}
	}()
}

func authenticate(user string) bool {
	tokensOnce.Do(func() { tokens.init() })
	tokens.mu.Lock()
	defer tokens.mu.Unlock()
	_, ok := tokens.tokens[user]
	return ok
}

// A store that every mount builds for itself: each mount leaks its loop.
type mountTokens struct {
	mu     sync.Mutex
	tokens map[string]time.Time
}

func NewMountTokens() *mountTokens {
	m := &mountTokens{tokens: make(map[string]time.Time)}
	m.startCleanup()
	return m
}

func (m *mountTokens) startCleanup() {
	go func() {
		for { // want `goroutine never exits: this loop has no exit`
			time.Sleep(10 * time.Minute)
			m.mu.Lock()
			for k, exp := range m.tokens {
				if time.Now().After(exp) {
					delete(m.tokens, k)
				}
			}
			m.mu.Unlock()
		}
	}()
}
