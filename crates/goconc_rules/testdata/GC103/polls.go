package gc103

import (
	"context"
	"errors"
	"time"
)

var errNotArchived = errors.New("history not archived in time")

type archiveReader interface {
	Archived(ctx context.Context, workflowID string) (bool, error)
}

// waitArchived polls until the history shows up or its own deadline
// passes: the sleep in each round is bounded, and so is the loop.
func waitArchived(ctx context.Context, r archiveReader, workflowID string, limit time.Duration) error {
	expire := time.Now().Add(limit)
	for {
		<-time.After(5 * time.Second) // ok: the loop ends at its own deadline
		if time.Now().After(expire) {
			return errNotArchived
		}
		pollCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		done, err := r.Archived(pollCtx, workflowID)
		cancel()
		if err == nil && done {
			return nil
		}
	}
}

// watchArchived polls forever and ignores its caller's cancellation.
func watchArchived(ctx context.Context, r archiveReader, workflowID string, found func()) {
	for {
		<-time.After(5 * time.Second) // want `receive from time.After\(5 \* time.Second\) in a loop has no case <-ctx.Done\(\)`
		pollCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		done, err := r.Archived(pollCtx, workflowID)
		cancel()
		if err == nil && done {
			found()
		}
	}
}
