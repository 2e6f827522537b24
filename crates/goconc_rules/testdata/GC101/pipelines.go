package gc101

import (
	"context"
	"errors"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
)

// Two-stage pipelines: a producer goroutine feeds a consumer goroutine
// over an unbuffered channel. When the consumer returns early, nothing
// drains the channel and the producer blocks forever on its next send.

type record struct {
	key, value string
}

var errBadRecord = errors.New("bad record")

func parseLine(line string) (record, error) {
	k, v, ok := strings.Cut(line, "=")
	if !ok {
		return record{}, errBadRecord
	}
	return record{k, v}, nil
}

type importer struct {
	mu    sync.Mutex
	store map[string]string
}

func (im *importer) put(r record) {
	im.mu.Lock()
	im.store[r.key] = r.value
	im.mu.Unlock()
}

// Import stops consuming on the first bad record; the reader goroutine is
// left blocked and g.Wait never returns.
func (im *importer) Import(ctx context.Context, lines []string) error {
	g, _ := errgroup.WithContext(ctx)
	records := make(chan string)
	g.Go(func() error {
		defer close(records)
		for _, l := range lines {
			records <- l // want `goroutine blocks forever sending to records: its only consumer can return before draining it`
		}
		return nil
	})
	g.Go(func() error {
		for l := range records {
			r, err := parseLine(l)
			if err != nil {
				return err
			}
			im.put(r)
		}
		return nil
	})
	return g.Wait()
}

// ImportFixed lets the reader give up when the group's context is
// cancelled by the consumer's error.
func (im *importer) ImportFixed(ctx context.Context, lines []string) error {
	g, gctx := errgroup.WithContext(ctx)
	records := make(chan string)
	g.Go(func() error {
		defer close(records)
		for _, l := range lines {
			select {
			case records <- l:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	g.Go(func() error {
		for l := range records {
			r, err := parseLine(l)
			if err != nil {
				return err
			}
			im.put(r)
		}
		return nil
	})
	return g.Wait()
}

// ImportAll drains instead of returning: the consumer never stops early.
func (im *importer) ImportAll(lines []string) error {
	var wg sync.WaitGroup
	records := make(chan string)
	var firstErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer close(records)
		for _, l := range lines {
			records <- l
		}
	}()
	go func() {
		defer wg.Done()
		for l := range records {
			r, err := parseLine(l)
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			im.put(r)
		}
	}()
	wg.Wait()
	return firstErr
}

// ImportWG is Import with a WaitGroup: the same leak, and Wait hangs.
func (im *importer) ImportWG(lines []string) error {
	var wg sync.WaitGroup
	records := make(chan string)
	var firstErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer close(records)
		for _, l := range lines {
			records <- l // want `its only consumer can return before draining it`
		}
	}()
	go func() {
		defer wg.Done()
		for l := range records {
			r, err := parseLine(l)
			if err != nil {
				firstErr = err
				return
			}
			im.put(r)
		}
	}()
	wg.Wait()
	return firstErr
}

// ImportBuffered sizes the channel for every line: the producer never
// blocks (a buffer beyond one slot is taken as sized for the items).
func (im *importer) ImportBuffered(lines []string) error {
	var wg sync.WaitGroup
	records := make(chan string, 64)
	var firstErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer close(records)
		for _, l := range lines {
			records <- l
		}
	}()
	go func() {
		defer wg.Done()
		for l := range records {
			if _, err := parseLine(l); err != nil {
				firstErr = err
				return
			}
		}
	}()
	wg.Wait()
	return firstErr
}
