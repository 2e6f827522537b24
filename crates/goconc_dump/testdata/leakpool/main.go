// leakpool is a small service with deliberate goroutine leaks, used by goconc's
// tests to produce real goroutine dumps (debug=0/1/2, goroutineleak, SIGQUIT).
//
// It listens on 127.0.0.1 only, prints "listening http://ADDR" on stdout and
// exits by itself after -lifetime (default 60s) or when stdin is closed.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime/pprof"
	"strconv"
	"sync"
	"time"
)

type result struct{ id int }

// startWorkers leaks every worker: nobody reads results.
func startWorkers(n int, results chan<- result) {
	for i := 0; i < n; i++ {
		go worker(i, results)
	}
}

func worker(id int, results chan<- result) {
	results <- result{id: id}
}

// waitForever blocks on a channel nobody closes.
func waitForever(done <-chan struct{}) {
	<-done
}

// lockedStore holds a mutex forever, so lockers pile up.
type lockedStore struct {
	mu   sync.Mutex
	data map[string]int
}

func (s *lockedStore) put(k string, v int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data[k] = v
}

func selectLeak(a, b chan int) {
	select {
	case <-a:
	case b <- 1:
	}
}

func waitGroupLeak(wg *sync.WaitGroup) {
	wg.Wait()
}

func condLeak(c *sync.Cond) {
	c.L.Lock()
	c.Wait()
	c.L.Unlock()
}

// leakGeneric is instantiated twice (from one go statement in
// spawnGeneric); both instantiations form one group.
func leakGeneric[T any](ch chan T) {
	<-ch
}

func spawnGeneric[T any]() {
	go leakGeneric(make(chan T))
}

func main() {
	lifetime := flag.Duration("lifetime", 60*time.Second, "exit after this long")
	workers := flag.Int("workers", 40, "leaked workers blocked on chan send")
	flag.Parse()

	results := make(chan result)
	pprof.Do(context.Background(), pprof.Labels("pool", "ingest"), func(context.Context) {
		startWorkers(*workers, results)
	})

	done := make(chan struct{})
	for i := 0; i < 7; i++ {
		go waitForever(done)
	}

	store := &lockedStore{data: map[string]int{}}
	store.mu.Lock() // never unlocked: every put blocks
	for i := 0; i < 5; i++ {
		go store.put("k", i)
	}

	a, b := make(chan int), make(chan int)
	for i := 0; i < 3; i++ {
		go selectLeak(a, b)
	}

	var wg sync.WaitGroup
	wg.Add(1)
	for i := 0; i < 2; i++ {
		go waitGroupLeak(&wg)
	}

	cond := sync.NewCond(&sync.Mutex{})
	go condLeak(cond)

	spawnGeneric[int]()
	spawnGeneric[string]()

	// /leak?n=N starts N more leaking workers, for baseline diffs.
	http.HandleFunc("/leak", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		pprof.Do(context.Background(), pprof.Labels("pool", "ingest"), func(context.Context) {
			startWorkers(n, results)
		})
		fmt.Fprintln(w, "started", n)
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Printf("listening http://%s\n", ln.Addr())
	go func() { _ = http.Serve(ln, nil) }()

	// Exit when stdin closes (the test harness went away) or after lifetime.
	stdinClosed := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(stdinClosed)
	}()
	select {
	case <-stdinClosed:
	case <-time.After(*lifetime):
	}
}
