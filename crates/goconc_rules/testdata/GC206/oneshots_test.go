package gc206

import (
	"context"
	"testing"
	"time"
)

// Tests of the wrapper itself wait once and then wake it.
func TestCtxCondReturnsOnCancel(t *testing.T) {
	q := newDispatchQueue()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	q.mu.Lock()
	q.cond.WaitCtx(ctx)
	q.mu.Unlock()
}
