// Package gc205 holds fixtures for GC205 waitgroup-misuse.
package gc205

import (
	"log"
	"net"
	"sync"
)

// segmentUploader models an uploader that registers each goroutine with
// the WaitGroup from inside the goroutine: Wait can run before the Add and
// return while uploads are still in flight.
type segmentUploader struct {
	put func(string) error
}

// UploadAll races Add against Wait.
func (u *segmentUploader) UploadAll(segments []string) {
	var wg sync.WaitGroup
	for _, s := range segments {
		go func() {
			log.Printf("uploading %s", s)
			wg.Add(1) // want "wg\\.Add inside the goroutine"
			defer wg.Done()
			if err := u.put(s); err != nil {
				log.Print(err)
			}
		}()
	}
	wg.Wait()
}

// UploadAllFixed adds before spawning and defers Done on the first line.
func (u *segmentUploader) UploadAllFixed(segments []string) {
	var wg sync.WaitGroup
	for _, s := range segments {
		wg.Add(1) // ok: Add before the go statement
		go func() {
			defer wg.Done() // ok: deferred on the first line, runs on every path
			log.Printf("uploading %s", s)
			if err := u.put(s); err != nil {
				log.Print(err)
			}
		}()
	}
	wg.Wait()
}

// UploadAllGo uses the Go 1.25 WaitGroup.Go helper, which does the Add and
// Done itself.
func (u *segmentUploader) UploadAllGo(segments []string) {
	var wg sync.WaitGroup
	for _, s := range segments {
		wg.Go(func() { // ok: WaitGroup.Go adds before starting the goroutine
			if err := u.put(s); err != nil {
				log.Print(err)
			}
		})
	}
	wg.Wait()
}

// tcpServer models a server whose connection handlers register with the
// shutdown WaitGroup themselves, inside the spawned method.
type tcpServer struct {
	ln     net.Listener
	wg     sync.WaitGroup
	handle func(net.Conn)
}

func (s *tcpServer) serveConn(c net.Conn) {
	s.wg.Add(1) // want "wg\\.Add inside the goroutine"
	defer s.wg.Done()
	defer c.Close()
	s.handle(c)
}

// Serve spawns handlers; Shutdown's Wait may miss the newest ones.
func (s *tcpServer) Serve() error {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return err
		}
		go s.serveConn(c)
	}
}

// Shutdown closes the listener and waits for handlers.
func (s *tcpServer) Shutdown() {
	_ = s.ln.Close()
	s.wg.Wait()
}

// tlsServer is the fixed server: Serve adds before spawning the handler.
type tlsServer struct {
	ln     net.Listener
	wg     sync.WaitGroup
	handle func(net.Conn)
}

func (s *tlsServer) serveConn(c net.Conn) {
	defer s.wg.Done() // ok: Add happened in Serve before go
	defer c.Close()
	s.handle(c)
}

// Serve registers each handler before it starts.
func (s *tlsServer) Serve() error {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return err
		}
		s.wg.Add(1) // ok: Add before go
		go s.serveConn(c)
	}
}

// Shutdown waits for every registered handler.
func (s *tlsServer) Shutdown() {
	_ = s.ln.Close()
	s.wg.Wait()
}

// partitionScanner models a two-level fan-out: each partition goroutine
// starts its own sub-workers with its own WaitGroup. The inner Add runs
// inside a goroutine, but before the inner go statement and with the inner
// Wait in the same goroutine, which is correct.
type partitionScanner struct {
	scan func(part, chunk int)
}

// ScanAll waits for partitions, each of which waits for its chunks.
func (p *partitionScanner) ScanAll(parts, chunks int) {
	var outer sync.WaitGroup
	for part := 0; part < parts; part++ {
		outer.Add(1)
		go func() {
			defer outer.Done()
			var inner sync.WaitGroup
			for chunk := 0; chunk < chunks; chunk++ {
				inner.Add(1) // ok: inner WaitGroup, Add before its own go and Wait in this goroutine
				go func() {
					defer inner.Done()
					p.scan(part, chunk)
				}()
			}
			inner.Wait() // ok: this goroutine waits on its own inner group, not on outer
		}()
	}
	outer.Wait()
}
