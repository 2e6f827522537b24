package rejected

func f() {
	x := [
}
