// Package generics exercises type parameters and instantiation.
package generics

import (
	. "fmt"
	_ "unsafe"
	str "strings"
)

type Number interface {
	~int | ~int64 | float64
	comparable
}

type Pair[K comparable, V any] struct {
	Key   K `json:"key"`
	Value V
	*str.Builder
}

type Alias = Pair[string, int]

type Ptr[T any, PT interface{ *T }] struct{}

type A[P *int,] struct{}

func Map[S ~[]E, E, R any](s S, f func(E) R) (out []R) {
	for _, v := range s {
		out = append(out, f(v))
	}
	return
}

func (p *Pair[K, V]) Swap() Pair[K, V] { return Pair[K, V]{p.Key, p.Value, nil} }

var _ = Map[[]int, int, string]
var _ = Println
