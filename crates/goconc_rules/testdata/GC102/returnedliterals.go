package gc102

// A notification recorder built by returning the literal directly: its
// channels are buffered for the expected events, so a notification the
// test does not read still fits.
type peerAddr string

type listenRecorder struct {
	listen      chan peerAddr
	listenClose chan peerAddr
}

func newListenRecorder(buffer int) *listenRecorder {
	return &listenRecorder{
		listen:      make(chan peerAddr, buffer),
		listenClose: make(chan peerAddr, buffer),
	}
}

func (r *listenRecorder) Listen(a peerAddr) {
	r.listen <- a // ok: buffered in the returned literal
}

func (r *listenRecorder) ListenClose(a peerAddr) {
	r.listenClose <- a // ok
}

// The same recorder with unbuffered channels that nothing reads.
type dialRecorder struct {
	dialed chan peerAddr
}

func newDialRecorder() *dialRecorder {
	return &dialRecorder{dialed: make(chan peerAddr)}
}

func (r *dialRecorder) Dialed(a peerAddr) {
	r.dialed <- a // want `send on r.dialed is never received`
}
