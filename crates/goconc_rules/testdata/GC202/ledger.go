package gc202

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

var errInsufficientFunds = errors.New("ledger: insufficient funds")

// Account is one balance in a Bank.
type Account struct {
	mu      sync.Mutex
	id      int64
	balance int64
}

// Bank models the classic account-transfer deadlock: transfer locks the
// source account and then the destination, and the service runs payments
// and refunds concurrently, so a payment A->B and a refund B->A each hold
// one account lock and wait for the other.
type Bank struct {
	accounts map[int64]*Account
}

func transfer(from, to *Account, amount int64) error {
	from.mu.Lock()
	defer from.mu.Unlock()
	to.mu.Lock() // want "lock order inversion: acquires to.mu while holding from.mu"
	defer to.mu.Unlock()
	if from.balance < amount {
		return errInsufficientFunds
	}
	from.balance -= amount
	to.balance += amount
	return nil
}

// Pay moves amount from payer to payee.
func (b *Bank) Pay(payer, payee, amount int64) error {
	return transfer(b.accounts[payer], b.accounts[payee], amount)
}

// Refund moves amount back from payee to payer.
func (b *Bank) Refund(payer, payee, amount int64) error {
	return transfer(b.accounts[payee], b.accounts[payer], amount)
}

// Wallet is one balance in an EscrowBank.
type Wallet struct {
	mu      sync.Mutex
	id      int64
	balance int64
}

// EscrowBank is the fixed bank: a transfer debits the source under its own
// lock, releases it, and only then credits the destination, so no goroutine
// ever holds two wallet locks at once.
type EscrowBank struct {
	wallets map[int64]*Wallet
}

func escrowTransfer(from, to *Wallet, amount int64) error {
	from.mu.Lock()
	if from.balance < amount {
		from.mu.Unlock()
		return errInsufficientFunds
	}
	from.balance -= amount
	from.mu.Unlock()

	to.mu.Lock() // ok: from.mu was released above; wallet locks are never nested
	to.balance += amount
	to.mu.Unlock()
	return nil
}

// Pay moves amount from payer to payee.
func (b *EscrowBank) Pay(payer, payee, amount int64) error {
	return escrowTransfer(b.wallets[payer], b.wallets[payee], amount)
}

// Refund moves amount back from payee to payer.
func (b *EscrowBank) Refund(payer, payee, amount int64) error {
	return escrowTransfer(b.wallets[payee], b.wallets[payer], amount)
}

type segment struct {
	mu      sync.Mutex
	records []string
}

// Migrator models a live data migration between two distinct segments of the
// same type. Every method locks m.src before m.dst, so the nested locking of
// two segment mutexes has one consistent order.
type Migrator struct {
	src *segment
	dst *segment
}

// Step moves one record from src to dst.
func (m *Migrator) Step() bool {
	m.src.mu.Lock()
	defer m.src.mu.Unlock()
	if len(m.src.records) == 0 {
		return false
	}
	m.dst.mu.Lock() // ok: always src then dst; src and dst are distinct fields locked in one order
	m.dst.records = append(m.dst.records, m.src.records[0])
	m.dst.mu.Unlock()
	m.src.records = m.src.records[1:]
	return true
}

// Verify compares the segment sizes.
func (m *Migrator) Verify(total int) error {
	m.src.mu.Lock()
	defer m.src.mu.Unlock()
	m.dst.mu.Lock() // ok: same src-then-dst order as Step
	defer m.dst.mu.Unlock()
	if got := len(m.src.records) + len(m.dst.records); got != total {
		return fmt.Errorf("migration lost records: %d != %d", got, total)
	}
	return nil
}

type liveSession struct {
	last time.Time
}

// SessionManager models a session service with a second mutex for metrics:
// Touch takes the metrics lock while holding the session lock, and Report
// takes the session lock while holding the metrics lock.
type SessionManager struct {
	mu       sync.Mutex // guards sessions
	statsMu  sync.Mutex // guards stats
	sessions map[string]*liveSession
	stats    map[string]int
}

// Touch refreshes a session and counts the hit.
func (m *SessionManager) Touch(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.sessions[id]; ok {
		s.last = time.Now()
		m.statsMu.Lock() // want "lock order inversion: acquires m.statsMu while holding m.mu"
		m.stats["touch"]++
		m.statsMu.Unlock()
	}
}

// Report returns the counters plus the number of live sessions.
func (m *SessionManager) Report() map[string]int {
	m.statsMu.Lock()
	defer m.statsMu.Unlock()
	out := make(map[string]int, len(m.stats)+1)
	for k, v := range m.stats {
		out[k] = v
	}
	m.mu.Lock() // related "acquires m.mu while holding m.statsMu"
	out["live"] = len(m.sessions)
	m.mu.Unlock()
	return out
}

// SafeSessionManager is the fixed service: Report reads the session count
// before taking the metrics lock, so sessions -> stats is the only order.
type SafeSessionManager struct {
	mu       sync.Mutex
	statsMu  sync.Mutex
	sessions map[string]*liveSession
	stats    map[string]int
}

// Touch refreshes a session and counts the hit.
func (m *SafeSessionManager) Touch(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.sessions[id]; ok {
		s.last = time.Now()
		m.statsMu.Lock() // ok: Report no longer takes m.mu while holding m.statsMu
		m.stats["touch"]++
		m.statsMu.Unlock()
	}
}

// Report returns the counters plus the number of live sessions.
func (m *SafeSessionManager) Report() map[string]int {
	m.mu.Lock()
	live := len(m.sessions)
	m.mu.Unlock()

	m.statsMu.Lock()
	defer m.statsMu.Unlock()
	out := make(map[string]int, len(m.stats)+1)
	for k, v := range m.stats {
		out[k] = v
	}
	out["live"] = live
	return out
}

// Driver opens connections for one database kind.
type Driver interface{ Open(dsn string) error }

var (
	driversMu  sync.Mutex
	drivers    = map[string]Driver{}
	defaultsMu sync.Mutex
	defaults   = map[string]string{}
)

// RegisterDriver models a package-level registry that records the first
// driver as the default: driversMu -> defaultsMu.
func RegisterDriver(name string, d Driver) {
	driversMu.Lock()
	defer driversMu.Unlock()
	drivers[name] = d
	defaultsMu.Lock() // want "lock order inversion: acquires defaultsMu while holding driversMu"
	if _, ok := defaults["driver"]; !ok {
		defaults["driver"] = name
	}
	defaultsMu.Unlock()
}

// SetDefault validates a default driver under the defaults lock:
// defaultsMu -> driversMu.
func SetDefault(key, value string) error {
	defaultsMu.Lock()
	defer defaultsMu.Unlock()
	if key == "driver" {
		driversMu.Lock() // related "acquires driversMu while holding defaultsMu"
		_, ok := drivers[value]
		driversMu.Unlock()
		if !ok {
			return fmt.Errorf("unknown driver %q", value)
		}
	}
	defaults[key] = value
	return nil
}
