// Embedded model of the non-returning functions of package log.
package log

func Print(v ...any)                  {}
func Printf(format string, v ...any)  {}
func Println(v ...any)                {}
func Fatal(v ...any)                  {}
func Fatalf(format string, v ...any)  {}
func Fatalln(v ...any)                {}
func Panic(v ...any)                  {}
func Panicf(format string, v ...any)  {}
func Panicln(v ...any)                {}

type Logger struct{ prefix string }

func (l *Logger) Printf(format string, v ...any) {}
func (l *Logger) Println(v ...any)               {}
func (l *Logger) Fatal(v ...any)                 {}
func (l *Logger) Fatalf(format string, v ...any) {}
func (l *Logger) Fatalln(v ...any)               {}
func (l *Logger) Panic(v ...any)                 {}
func (l *Logger) Panicf(format string, v ...any) {}
