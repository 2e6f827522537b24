// Package unsafe as seen by goconc.
package unsafe

type ArbitraryType int
type Pointer *ArbitraryType

func Sizeof(x ArbitraryType) uintptr  { return 0 }
func Offsetof(x ArbitraryType) uintptr { return 0 }
func Alignof(x ArbitraryType) uintptr  { return 0 }
