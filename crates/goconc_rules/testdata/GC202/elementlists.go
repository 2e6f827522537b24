package gc202

import "sync"

// A mutex wrapper, as deadlock-detecting builds swap in their own type.
type rwMutex struct {
	sync.RWMutex
}

// A concurrent list whose Remove takes the list's lock and then the
// element's: the list and its elements are two kinds of objects, always
// locked list first, so no caller can pass them in the other order.
type ListElement struct {
	mtx     rwMutex
	value   any
	next    *ListElement
	prev    *ListElement
	removed bool
}

func (e *ListElement) Next() *ListElement {
	e.mtx.RLock()
	defer e.mtx.RUnlock()
	return e.next
}

func (e *ListElement) markRemoved() {
	e.mtx.Lock()
	e.removed = true
	e.mtx.Unlock()
}

type WaitList struct {
	mtx  rwMutex
	head *ListElement
	len  int
}

func (l *WaitList) Remove(e *ListElement) any {
	l.mtx.Lock()
	defer l.mtx.Unlock()
	next := e.Next() // ok: list lock, then element lock, everywhere
	if e == l.head {
		l.head = next
	}
	e.markRemoved()
	l.len--
	return e.value
}

// Two values of one kind locked in argument order: a.Merge(b) and
// b.Merge(a) at once deadlock, wrapper or not.
type VoteSet struct {
	mtx   rwMutex
	votes map[string]bool
}

func (v *VoteSet) Merge(o *VoteSet) {
	v.mtx.Lock()
	defer v.mtx.Unlock()
	o.mtx.Lock() // want "lock order inversion: acquires o.mtx.RWMutex while holding v.mtx.RWMutex"
	defer o.mtx.Unlock()
	for k := range o.votes {
		v.votes[k] = true
	}
}
