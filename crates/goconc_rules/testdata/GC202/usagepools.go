package gc202

import "sync"

// A reference-counted pool of lazily constructed values. LoadOrNew locks a
// value it has just allocated while holding the pool lock, then publishes
// it: nobody else can hold that value's lock yet.
type pooledValue struct {
	sync.RWMutex
	refs  int
	value any
	err   error
}

type usagePool struct {
	sync.Mutex
	pool map[string]*pooledValue
}

func (up *usagePool) LoadOrNew(key string, construct func() (any, error)) (any, error) {
	up.Lock()
	pv, ok := up.pool[key]
	if ok {
		pv.refs++
		up.Unlock()
		pv.RLock()
		defer pv.RUnlock()
		return pv.value, pv.err
	}
	pv = &pooledValue{refs: 1}
	pv.Lock() // ok: pv was just allocated and is not in the pool yet
	up.pool[key] = pv
	up.Unlock()
	pv.value, pv.err = construct()
	pv.Unlock()
	return pv.value, pv.err
}

// Delete drops a reference while holding the value's lock and then takes
// the pool lock: the opposite order of the publishing path above, which
// is fine only because that path's value was fresh.
func (up *usagePool) Delete(key string) {
	up.Lock()
	pv, ok := up.pool[key]
	up.Unlock()
	if !ok {
		return
	}
	pv.Lock()
	defer pv.Unlock()
	pv.refs--
	if pv.refs == 0 {
		up.Lock()
		delete(up.pool, key)
		up.Unlock()
	}
}

// A second pool that also refreshes values in place: Refresh locks a
// value it looked up while still holding the pool lock, the same order as
// the publishing path but on a published value, which Delete may hold
// while it waits for the pool lock.
type refreshPool struct {
	sync.Mutex
	pool map[string]*pooledValue
}

func (rp *refreshPool) Refresh(key string, v any) {
	rp.Lock()
	defer rp.Unlock()
	pv, ok := rp.pool[key]
	if !ok {
		return
	}
	pv.Lock() // want "lock order inversion: acquires pv.RWMutex while holding rp.Mutex"
	pv.value = v
	pv.Unlock()
}

func (rp *refreshPool) Delete(key string) {
	rp.Lock()
	pv, ok := rp.pool[key]
	rp.Unlock()
	if !ok {
		return
	}
	pv.Lock()
	defer pv.Unlock()
	pv.refs--
	if pv.refs == 0 {
		rp.Lock()
		delete(rp.pool, key)
		rp.Unlock()
	}
}
