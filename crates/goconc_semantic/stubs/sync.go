// Embedded model of package sync (used when no Go installation is found).
package sync

type Locker interface {
	Lock()
	Unlock()
}

type Mutex struct{ state int32 }

func (m *Mutex) Lock()         {}
func (m *Mutex) Unlock()       {}
func (m *Mutex) TryLock() bool { return false }

type RWMutex struct{ w Mutex }

func (rw *RWMutex) Lock()          {}
func (rw *RWMutex) Unlock()        {}
func (rw *RWMutex) RLock()         {}
func (rw *RWMutex) RUnlock()       {}
func (rw *RWMutex) TryLock() bool  { return false }
func (rw *RWMutex) TryRLock() bool { return false }
func (rw *RWMutex) RLocker() Locker { return nil }

type WaitGroup struct{ n int64 }

func (wg *WaitGroup) Add(delta int) {}
func (wg *WaitGroup) Done()         {}
func (wg *WaitGroup) Wait()         {}
func (wg *WaitGroup) Go(f func())   {}

type Cond struct {
	L Locker
}

func NewCond(l Locker) *Cond  { return nil }
func (c *Cond) Wait()         {}
func (c *Cond) Signal()       {}
func (c *Cond) Broadcast()    {}

type Once struct{ done uint32 }

func (o *Once) Do(f func()) {}

func OnceFunc(f func()) func() { return nil }

type Map struct{ m map[any]any }

func (m *Map) Load(key any) (value any, ok bool)                  { return nil, false }
func (m *Map) Store(key, value any)                                {}
func (m *Map) LoadOrStore(key, value any) (actual any, loaded bool) { return nil, false }
func (m *Map) LoadAndDelete(key any) (value any, loaded bool)      { return nil, false }
func (m *Map) Delete(key any)                                      {}
func (m *Map) Range(f func(key, value any) bool)                   {}

type Pool struct {
	New func() any
}

func (p *Pool) Get() any  { return nil }
func (p *Pool) Put(x any) {}
