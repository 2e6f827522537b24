// Embedded model of golang.org/x/time/rate.
package rate

import (
	"context"
	"time"
)

type Limit float64

const Inf = Limit(1.7976931348623157e308)

func Every(interval time.Duration) Limit { return 0 }

type Limiter struct{ limit Limit }

func NewLimiter(r Limit, b int) *Limiter                   { return nil }
func (lim *Limiter) Wait(ctx context.Context) (err error)  { return nil }
func (lim *Limiter) Allow() bool                          { return false }
func (lim *Limiter) Reserve() *Reservation                { return nil }

type Reservation struct{ ok bool }

func (r *Reservation) Delay() time.Duration { return 0 }
func (r *Reservation) Cancel()              {}
