package gc207

import (
	"bufio"
	"errors"
	"net"
	"strings"
)

// A function and the one goroutine it starts exchange values over two
// channels; each side insists on its own first step.

// Exchange is the smallest shape: the goroutine answers before it reads
// the request, the caller sends the request before it reads the answer.
func Exchange() int {
	req := make(chan int)
	resp := make(chan int)
	go func() { // related `goroutine started here`
		resp <- 1 // related `the goroutine blocks here first`
		<-req
	}()
	req <- 2 // want "`req <- 2` blocks forever: the goroutine started here is blocked sending on resp first, and this function receives from resp only after it"
	return <-resp
}

// ExchangeFixed receives the answer first, like the goroutine sends it.
func ExchangeFixed() int {
	req := make(chan int)
	resp := make(chan int)
	go func() {
		resp <- 1
		<-req
	}()
	v := <-resp // ok: the same order on both sides
	req <- 2
	return v
}

// ExchangeBuffered gives the goroutine's first send a slot.
func ExchangeBuffered() int {
	req := make(chan int)
	resp := make(chan int, 1) // ok: the answer waits in the buffer
	go func() {
		resp <- 1
		<-req
	}()
	req <- 2
	return <-resp
}

// session is one client connection of a line protocol server.
type session struct {
	conn net.Conn
	user string
}

// serve starts a reader goroutine that parses the client's HELLO line and
// hands it over, then waits for the handler to acknowledge it. The handler
// wants to acknowledge the connection before it looks at the greeting.
func (s *session) serve() error {
	greeting := make(chan string)
	ack := make(chan error)
	go func() {
		line, err := bufio.NewReader(s.conn).ReadString('\n')
		if err != nil {
			line = ""
		}
		greeting <- strings.TrimSpace(line)
		if err := <-ack; err != nil {
			s.conn.Close()
		}
	}()
	ack <- nil // want "`ack <- nil` blocks forever: the goroutine started here is blocked sending on greeting first"
	hello := <-greeting
	if !strings.HasPrefix(hello, "HELLO ") {
		return errors.New("bad greeting")
	}
	s.user = strings.TrimPrefix(hello, "HELLO ")
	return nil
}

// serveFixed reads the greeting, then acknowledges it.
func (s *session) serveFixed() error {
	greeting := make(chan string)
	ack := make(chan error)
	go func() {
		line, err := bufio.NewReader(s.conn).ReadString('\n')
		if err != nil {
			line = ""
		}
		greeting <- strings.TrimSpace(line)
		if err := <-ack; err != nil {
			s.conn.Close()
		}
	}()
	hello := <-greeting // ok: greeting first on both sides
	var err error
	if !strings.HasPrefix(hello, "HELLO ") {
		err = errors.New("bad greeting")
	}
	ack <- err
	if err != nil {
		return err
	}
	s.user = strings.TrimPrefix(hello, "HELLO ")
	return nil
}

// frame is one message of a framed protocol.
type frame struct {
	kind    string
	payload []byte
}

// pump is started with its channels as arguments: it greets the peer
// before it reads anything.
func pump(conn net.Conn, in <-chan frame, out chan<- frame) {
	out <- frame{kind: "greeting"}
	f := <-in
	conn.Write(f.payload)
}

// Dial sends its login frame first, while pump first greets.
func Dial(conn net.Conn, login []byte) frame {
	in := make(chan frame)
	out := make(chan frame)
	go pump(conn, in, out)
	in <- frame{kind: "login", payload: login} // want "blocks forever: the goroutine started here is blocked sending on out first, and this function receives from out only after it"
	return <-out
}

// DialFixed takes the greeting before it logs in.
func DialFixed(conn net.Conn, login []byte) frame {
	in := make(chan frame)
	out := make(chan frame)
	go pump(conn, in, out)
	g := <-out // ok: greeting first, like pump
	in <- frame{kind: "login", payload: login}
	return g
}
