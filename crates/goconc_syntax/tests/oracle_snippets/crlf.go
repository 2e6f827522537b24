package crlf

// comment
var s = `a
b`

/* c
 */
func f() {
}
