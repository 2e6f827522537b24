// Embedded model of the concurrency-relevant parts of package net/http.
package http

import (
	"context"
	"time"
)

type Header map[string][]string

func (h Header) Get(key string) string { return "" }
func (h Header) Set(key, value string) {}

type Request struct {
	Method string
	Header Header
	Body   ReadCloser
}

type ReadCloser interface {
	Read(p []byte) (n int, err error)
	Close() error
}

func (r *Request) Context() context.Context                 { return nil }
func (r *Request) WithContext(ctx context.Context) *Request { return r }
func NewRequest(method, url string, body any) (*Request, error) { return nil, nil }
func NewRequestWithContext(ctx context.Context, method, url string, body any) (*Request, error) {
	return nil, nil
}

type Response struct {
	StatusCode int
	Header     Header
	Body       ReadCloser
}

type ResponseWriter interface {
	Header() Header
	Write([]byte) (int, error)
	WriteHeader(statusCode int)
}

type Flusher interface {
	Flush()
}

type Handler interface {
	ServeHTTP(ResponseWriter, *Request)
}

type HandlerFunc func(ResponseWriter, *Request)

func (f HandlerFunc) ServeHTTP(w ResponseWriter, r *Request) {}

type ServeMux struct{ m map[string]Handler }

func NewServeMux() *ServeMux                                                    { return nil }
func (mux *ServeMux) Handle(pattern string, handler Handler)                    {}
func (mux *ServeMux) HandleFunc(pattern string, handler func(ResponseWriter, *Request)) {}

func Handle(pattern string, handler Handler)                                    {}
func HandleFunc(pattern string, handler func(ResponseWriter, *Request))         {}
func ListenAndServe(addr string, handler Handler) error                        { return nil }

type Server struct {
	Addr         string
	Handler      Handler
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
}

func (srv *Server) ListenAndServe() error                 { return nil }
func (srv *Server) Shutdown(ctx context.Context) error    { return nil }
func (srv *Server) Close() error                          { return nil }

type Client struct {
	Timeout time.Duration
}

var DefaultClient *Client

func (c *Client) Do(req *Request) (*Response, error)     { return nil, nil }
func (c *Client) Get(url string) (*Response, error)      { return nil, nil }
func Get(url string) (*Response, error)                  { return nil, nil }

var ErrServerClosed error
