package gc101

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// thumbnail is one rendered image.
type thumbnail struct {
	id   string
	size int
}

// thumbnailer models an image pipeline built on errgroup.WithContext: the
// renderers send on an unbuffered channel and the consumer stops reading
// as soon as the group's context is cancelled by the first failure, so the
// other renderers block on their sends (and g.Wait never returns).
type thumbnailer struct {
	render func(ctx context.Context, id string) (thumbnail, error)
}

// RenderAll abandons the renderers when the group context ends.
func (t *thumbnailer) RenderAll(ctx context.Context, ids []string) ([]thumbnail, error) {
	g, gctx := errgroup.WithContext(ctx)
	results := make(chan thumbnail)
	for _, id := range ids {
		g.Go(func() error {
			th, err := t.render(gctx, id)
			if err != nil {
				return err
			}
			results <- th // want "blocks forever sending to results"
			return nil
		})
	}
	var out []thumbnail
	for len(out) < len(ids) {
		select {
		case th := <-results:
			out = append(out, th)
		case <-gctx.Done():
			return nil, g.Wait()
		}
	}
	return out, g.Wait()
}

// RenderAllFixed lets each renderer give up on the group context and
// bounds the concurrency with SetLimit.
func (t *thumbnailer) RenderAllFixed(ctx context.Context, ids []string) ([]thumbnail, error) {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	results := make(chan thumbnail)
	for _, id := range ids {
		g.Go(func() error { // ok: errgroup goroutine, SetLimit only bounds concurrency
			th, err := t.render(gctx, id)
			if err != nil {
				return err
			}
			select {
			case results <- th: // ok: the sender selects on gctx.Done() too
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		})
	}
	go func() {
		_ = g.Wait()
		close(results)
	}()
	var out []thumbnail
	for th := range results { // ok: closed once g.Wait returns
		out = append(out, th)
	}
	return out, g.Wait()
}

// checksumAll models a plain errgroup whose goroutines write into their own
// slice slot; there is no channel to abandon at all.
func checksumAll(blobs [][]byte) ([]int, error) {
	var g errgroup.Group
	sums := make([]int, len(blobs))
	for i, b := range blobs {
		g.Go(func() error { // ok: results go to a slice slot, g.Wait joins everyone
			for _, c := range b {
				sums[i] += int(c)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return sums, nil
}
