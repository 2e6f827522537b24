// Embedded model of package sync/atomic.
package atomic

func AddInt32(addr *int32, delta int32) (new int32)                 { return 0 }
func AddInt64(addr *int64, delta int64) (new int64)                 { return 0 }
func LoadInt32(addr *int32) (val int32)                             { return 0 }
func LoadInt64(addr *int64) (val int64)                             { return 0 }
func StoreInt32(addr *int32, val int32)                             {}
func StoreInt64(addr *int64, val int64)                             {}
func CompareAndSwapInt32(addr *int32, old, new int32) (swapped bool) { return false }
func CompareAndSwapInt64(addr *int64, old, new int64) (swapped bool) { return false }

type Bool struct{ v uint32 }

func (x *Bool) Load() bool                          { return false }
func (x *Bool) Store(val bool)                      {}
func (x *Bool) CompareAndSwap(old, new bool) bool   { return false }
func (x *Bool) Swap(new bool) (old bool)            { return false }

type Int32 struct{ v int32 }

func (x *Int32) Load() int32           { return 0 }
func (x *Int32) Store(val int32)       {}
func (x *Int32) Add(delta int32) int32 { return 0 }

type Int64 struct{ v int64 }

func (x *Int64) Load() int64                           { return 0 }
func (x *Int64) Store(val int64)                       {}
func (x *Int64) Add(delta int64) int64                 { return 0 }
func (x *Int64) CompareAndSwap(old, new int64) bool    { return false }

type Uint64 struct{ v uint64 }

func (x *Uint64) Load() uint64            { return 0 }
func (x *Uint64) Store(val uint64)        {}
func (x *Uint64) Add(delta uint64) uint64 { return 0 }

type Value struct{ v any }

func (v *Value) Load() (val any)  { return nil }
func (v *Value) Store(val any)    {}

type Pointer[T any] struct{ v *T }

func (x *Pointer[T]) Load() *T     { return nil }
func (x *Pointer[T]) Store(val *T) {}
