// Embedded model of package time.
package time

type Duration int64

const (
	Nanosecond  Duration = 1
	Microsecond          = 1000 * Nanosecond
	Millisecond          = 1000 * Microsecond
	Second               = 1000 * Millisecond
	Minute               = 60 * Second
	Hour                 = 60 * Minute
)

func (d Duration) Seconds() float64 { return 0 }
func (d Duration) String() string   { return "" }

type Month int
type Weekday int

type Location struct{ name string }

var UTC *Location
var Local *Location

type Time struct{ wall uint64 }

func Now() Time                              { return Time{} }
func Unix(sec int64, nsec int64) Time        { return Time{} }
func Since(t Time) Duration                  { return 0 }
func Until(t Time) Duration                  { return 0 }
func (t Time) Add(d Duration) Time           { return t }
func (t Time) Sub(u Time) Duration           { return 0 }
func (t Time) Before(u Time) bool            { return false }
func (t Time) After(u Time) bool             { return false }
func (t Time) IsZero() bool                  { return false }
func (t Time) Unix() int64                   { return 0 }
func (t Time) UnixNano() int64               { return 0 }
func (t Time) Format(layout string) string   { return "" }

func Sleep(d Duration)                       {}
func After(d Duration) <-chan Time           { return nil }
func Tick(d Duration) <-chan Time            { return nil }

type Timer struct {
	C <-chan Time
}

func NewTimer(d Duration) *Timer             { return nil }
func AfterFunc(d Duration, f func()) *Timer  { return nil }
func (t *Timer) Stop() bool                  { return false }
func (t *Timer) Reset(d Duration) bool       { return false }

type Ticker struct {
	C <-chan Time
}

func NewTicker(d Duration) *Ticker           { return nil }
func (t *Ticker) Stop()                      {}
func (t *Ticker) Reset(d Duration)           {}
