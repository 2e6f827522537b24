// Package fanout asks several shipping carriers for a delivery quote and
// keeps the best answer that arrives within the caller's deadline.
package fanout

import (
	"context"
	"errors"
	"sort"
	"time"
)

// Quote is one carrier's offer for a parcel.
type Quote struct {
	Carrier string
	Cents   int64
	ETA     time.Duration
}

// Carrier prices a parcel; implementations call a remote API.
type Carrier interface {
	Name() string
	Quote(ctx context.Context, weightGrams int) (Quote, error)
}

// ErrNoQuote is returned when no carrier answered in time.
var ErrNoQuote = errors.New("fanout: no carrier quote before the deadline")

// Quoter asks every carrier in parallel.
type Quoter struct {
	carriers []Carrier
}

// NewQuoter returns a Quoter over the given carriers.
func NewQuoter(carriers ...Carrier) *Quoter {
	return &Quoter{carriers: carriers}
}

// quoteResult carries one carrier's answer back to the collector.
type quoteResult struct {
	quote Quote
	err   error
}

// ask runs one carrier query and reports on results.
func (q *Quoter) ask(ctx context.Context, c Carrier, weightGrams int, results chan<- quoteResult) {
	qt, err := c.Quote(ctx, weightGrams)
	results <- quoteResult{quote: qt, err: err}
}

// Cheapest returns the cheapest quote received before ctx ends.
//
// BUG (GC101): results is unbuffered; when ctx ends first, Cheapest
// returns and every carrier that has not answered yet blocks forever on
// its send in ask.
func (q *Quoter) Cheapest(ctx context.Context, weightGrams int) (Quote, error) {
	results := make(chan quoteResult)
	for _, c := range q.carriers {
		go q.ask(ctx, c, weightGrams, results)
	}
	var quotes []Quote
	for range q.carriers {
		select {
		case r := <-results:
			if r.err == nil {
				quotes = append(quotes, r.quote)
			}
		case <-ctx.Done():
			return best(quotes)
		}
	}
	return best(quotes)
}

func best(quotes []Quote) (Quote, error) {
	if len(quotes) == 0 {
		return Quote{}, ErrNoQuote
	}
	sort.Slice(quotes, func(i, j int) bool { return quotes[i].Cents < quotes[j].Cents })
	return quotes[0], nil
}
