// Package gateway talks to the payment gateway: each connection starts
// with a handshake (the gateway greets, the client acknowledges) before
// charges flow.
package gateway

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrRejected is returned when the gateway refuses the handshake.
var ErrRejected = errors.New("gateway: handshake rejected")

// Conn is one gateway connection.
type Conn struct {
	rw      io.ReadWriter
	version string
}

// Handshake exchanges the greeting and the acknowledgement. A reader
// goroutine parses the gateway's greeting while the caller prepares its
// acknowledgement.
//
// BUG (GC207): the reader waits for the caller's ack before it hands over
// the greeting, while the caller waits for the greeting before it sends
// the ack: both block forever on the first connection. Receive the
// greeting first, then send the ack (or let the reader send first).
func Handshake(rw io.ReadWriter, clientID string) (*Conn, error) {
	greeting := make(chan string)
	ack := make(chan string)
	go func() {
		line, err := bufio.NewReader(rw).ReadString('\n')
		if err != nil {
			line = ""
		}
		reply := <-ack
		fmt.Fprintf(rw, "%s\n", reply)
		greeting <- strings.TrimSpace(line)
	}()
	hello := <-greeting
	ack <- "ACK " + clientID
	if !strings.HasPrefix(hello, "GATEWAY ") {
		return nil, ErrRejected
	}
	return &Conn{rw: rw, version: strings.TrimPrefix(hello, "GATEWAY ")}, nil
}
