package gc102

import (
	"errors"
	"time"
)

// uploadFuture is the pending result of an asynchronous upload.
type uploadResult struct {
	etag string
	err  error
}

type uploadFuture struct {
	ch chan uploadResult
}

func newUploadFuture() *uploadFuture { return &uploadFuture{ch: make(chan uploadResult, 1)} }

func (f *uploadFuture) resolve(r uploadResult) { f.ch <- r }

func (f *uploadFuture) Wait() uploadResult {
	return <-f.ch // want "this waits forever when the goroutine returns without signalling fut.ch: upload signals it on some exits only"
}

type blobStore interface {
	Put(key string, data []byte) (string, error)
}

var errThrottled = errors.New("throttled")

// uploader retries throttled puts, but when every attempt is throttled
// the loop runs out and upload returns without resolving the future.
type uploader struct {
	store    blobStore
	attempts int
	backoff  time.Duration
}

func (u *uploader) Upload(key string, data []byte) *uploadFuture {
	fut := newUploadFuture()
	go u.upload(key, data, fut)
	return fut
}

func (u *uploader) upload(key string, data []byte, fut *uploadFuture) {
	for i := 0; i < u.attempts; i++ {
		etag, err := u.store.Put(key, data)
		if err == nil {
			fut.resolve(uploadResult{etag: etag})
			return
		}
		if !errors.Is(err, errThrottled) {
			fut.resolve(uploadResult{err: err})
			return
		}
		time.Sleep(u.backoff)
	}
}

// copyFuture is resolved on every way out of its copier, the exhausted
// retries included.
type copyFuture struct {
	ch chan uploadResult
}

func (f *copyFuture) resolve(r uploadResult) { f.ch <- r }

func (f *copyFuture) Wait() uploadResult {
	return <-f.ch // ok: copy resolves the future after the loop too
}

type copier struct {
	store    blobStore
	attempts int
}

func (c *copier) Copy(key string, data []byte) *copyFuture {
	fut := &copyFuture{ch: make(chan uploadResult, 1)}
	go c.copy(key, data, fut)
	return fut
}

func (c *copier) copy(key string, data []byte, fut *copyFuture) {
	for i := 0; i < c.attempts; i++ {
		etag, err := c.store.Put(key, data)
		if err == nil {
			fut.resolve(uploadResult{etag: etag})
			return
		}
	}
	fut.resolve(uploadResult{err: errThrottled})
}
