// Copyright comment group
// second line.

/* block */ package comments // after package

// Doc for T.
type T struct {
	// field doc
	F int // trailing
	/* inline */ G int
}

/*
multi-line
*/

func f() { /* in body */
	// alone

	// after blank
	x := 1 /* mid */ + 2 // end
	_ = x
} // after func
