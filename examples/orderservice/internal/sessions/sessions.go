// Package sessions keeps the authenticated customer sessions of the order
// service: a token table with sliding expiry and per-customer limits.
package sessions

import (
	"errors"
	"sync"
	"time"
)

// ErrTooManySessions is returned when a customer already has the maximum
// number of live sessions.
var ErrTooManySessions = errors.New("sessions: too many sessions for customer")

// ErrUnknownSession is returned for tokens that are not in the table.
var ErrUnknownSession = errors.New("sessions: unknown session")

// Session is one authenticated customer session.
type Session struct {
	Token      string
	CustomerID string
	Expires    time.Time
}

// Store is the session table.
type Store struct {
	mu          sync.Mutex
	byToken     map[string]*Session
	perCustomer map[string]int
	maxPer      int
	ttl         time.Duration
	now         func() time.Time
}

// NewStore returns an empty store allowing maxPerCustomer live sessions per
// customer, each valid for ttl after its last use.
func NewStore(maxPerCustomer int, ttl time.Duration) *Store {
	return &Store{
		byToken:     make(map[string]*Session),
		perCustomer: make(map[string]int),
		maxPer:      maxPerCustomer,
		ttl:         ttl,
		now:         time.Now,
	}
}

// Len returns the number of live sessions.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byToken)
}

// Open registers a new session for customer.
//
// BUG (GC203): the limit check returns with s.mu still locked; the first
// customer that hits the limit wedges every later Open, Touch and Len.
func (s *Store) Open(token, customer string) (*Session, error) {
	s.mu.Lock()
	if s.perCustomer[customer] >= s.maxPer {
		return nil, ErrTooManySessions
	}
	sess := &Session{Token: token, CustomerID: customer, Expires: s.now().Add(s.ttl)}
	s.byToken[token] = sess
	s.perCustomer[customer]++
	s.mu.Unlock()
	return sess, nil
}

// Touch extends the session's expiry and returns the number of live
// sessions, for the metrics gauge.
//
// BUG (GC201): Len locks s.mu, which Touch already holds: the first Touch
// blocks on itself forever.
func (s *Store) Touch(token string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.byToken[token]
	if !ok {
		return 0, ErrUnknownSession
	}
	sess.Expires = s.now().Add(s.ttl)
	return s.Len(), nil
}

// Close ends the session token.
func (s *Store) Close(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sess, ok := s.byToken[token]; ok {
		delete(s.byToken, token)
		s.perCustomer[sess.CustomerID]--
	}
}
