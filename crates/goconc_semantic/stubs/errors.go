// Embedded model of package errors.
package errors

func New(text string) error                 { return nil }
func Is(err, target error) bool             { return false }
func As(err error, target any) bool         { return false }
func Unwrap(err error) error                { return nil }
func Join(errs ...error) error              { return nil }
