// leaky-service is a small quote service with a classic goroutine leak, used
// in goconc's runtime-triage walk-through (docs/runtime-triage.md).
//
// Every request asks a slow backend for a quote in a goroutine and waits at
// most 80ms. When the backend is slower, the handler returns — and the
// backend goroutine blocks forever sending its result on an unbuffered
// channel nobody reads any more.
//
//	go run . -addr 127.0.0.1:8080 -selfload 20
//	curl 'http://127.0.0.1:8080/debug/pprof/goroutine?debug=2'
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand"
	"net"
	"net/http"
	_ "net/http/pprof"
	"time"
)

func slowBackend(symbol string) string {
	time.Sleep(time.Duration(40+rand.Intn(80)) * time.Millisecond)
	return symbol + ": 42.00"
}

func fetchQuote(ctx context.Context, symbol string) (string, error) {
	result := make(chan string) // unbuffered: the sender can outlive the receiver
	go func() {
		result <- slowBackend(symbol)
	}()
	select {
	case quote := <-result:
		return quote, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func quoteHandler(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 80*time.Millisecond)
	defer cancel()
	quote, err := fetchQuote(ctx, r.URL.Query().Get("symbol"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusGatewayTimeout)
		return
	}
	fmt.Fprintln(w, quote)
}

// selfLoad plays the clients: n requests per second against the service.
func selfLoad(base string, perSecond int) {
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(time.Second / time.Duration(perSecond))
	defer tick.Stop()
	for range tick.C {
		go func() {
			resp, err := client.Get(base + "/quote?symbol=GO")
			if err == nil {
				resp.Body.Close()
			}
		}()
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (keep it on localhost)")
	load := flag.Int("selfload", 0, "requests per second the service sends itself")
	lifetime := flag.Duration("lifetime", 30*time.Minute, "exit after this long")
	flag.Parse()

	http.HandleFunc("/quote", quoteHandler)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening http://%s\n", ln.Addr())
	if *load > 0 {
		go selfLoad("http://"+ln.Addr().String(), *load)
	}
	go func() { log.Fatal(http.Serve(ln, nil)) }()
	time.Sleep(*lifetime)
}
