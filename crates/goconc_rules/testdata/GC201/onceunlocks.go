package gc201

import (
	"errors"
	"sync"
)

// unlockOnce runs its callback the first time only: code that must drop
// a lock before slow work and also on every early return defers it.
type unlockOnce bool

func (o *unlockOnce) Do(cb func()) {
	if !*o {
		*o = true
		cb()
	}
}

var errBadWeight = errors.New("weight must be positive")

// weightedUsage records per-key usage. Update holds mut while it folds
// the new sample in and releases it (once) before emitting metrics.
type weightedUsage struct {
	mut     sync.Mutex
	usage   map[string]float64
	emitted int
	emit    func(map[string]float64)
}

func (w *weightedUsage) Update(key string, weight float64) error {
	if weight <= 0 {
		return errBadWeight
	}
	w.mut.Lock()
	once := new(unlockOnce)
	defer once.Do(w.mut.Unlock)
	w.usage[key] += weight
	snapshot := make(map[string]float64, len(w.usage))
	for k, v := range w.usage {
		snapshot[k] = v
	}
	once.Do(w.mut.Unlock)
	w.emit(snapshot)
	return nil
}

// Flush uses sync.Once for the same shape.
func (w *weightedUsage) Flush() {
	w.mut.Lock()
	var once sync.Once
	defer once.Do(w.mut.Unlock)
	w.emitted++
}

func (w *weightedUsage) UpdateAll(keys []string) error {
	for _, k := range keys {
		if err := w.Update(k, 1); err != nil { // ok: Update releases w.mut through once.Do
			return err
		}
	}
	w.Flush() // ok: so does Flush
	w.Flush() // ok
	return nil
}

// decayUsage forgets to release: it returns holding w.mut.
func (w *weightedUsage) decayUsage(factor float64) {
	w.mut.Lock()
	for k := range w.usage {
		w.usage[k] *= factor
	}
}

func (w *weightedUsage) DecayTwice() {
	w.decayUsage(0.5)
	w.decayUsage(0.5) // want `w.mut is already locked`
}
