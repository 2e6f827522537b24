// Command orderd serves the order API: it accepts orders over HTTP, reserves
// stock, and notifies downstream systems in batches.
package main

import (
	"context"
	"errors"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"example.com/orderservice/internal/inventory"
	"example.com/orderservice/internal/notify"
	"example.com/orderservice/internal/orders"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	stock := inventory.NewStore(map[string]int{"sku-1": 10, "sku-2": 3})
	batcher := notify.NewBatcher(50, 2*time.Second, func(batch []notify.Event) error {
		log.Printf("notify: flushed %d events", len(batch))
		return nil
	})
	go batcher.Run(ctx)

	svc := orders.NewService(stock, batcher, 8)
	srv := &http.Server{
		Addr:              "127.0.0.1:8080",
		Handler:           svc.Routes(),
		ReadHeaderTimeout: 5 * time.Second,
	}

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.ListenAndServe() }()

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			log.Printf("server: %v", err)
		}
	}

	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Printf("shutdown: %v", err)
	}
	svc.Close()
	batcher.Close()
}
