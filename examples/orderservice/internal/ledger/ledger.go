// Package ledger keeps customer balances and publishes balance changes to
// an auditor goroutine.
package ledger

import (
	"errors"
	"fmt"
	"sync"
)

// ErrInsufficientFunds is returned when a debit would overdraw an account.
var ErrInsufficientFunds = errors.New("ledger: insufficient funds")

// Account is one customer balance.
type Account struct {
	mu      sync.Mutex
	id      string
	balance int64
}

// Change is one balance movement seen by the auditor.
type Change struct {
	Account string
	Delta   int64
	Balance int64
}

// Ledger holds the accounts and streams every change to the auditor.
type Ledger struct {
	mu       sync.Mutex
	accounts map[string]*Account
	audited  int
	changes  chan Change
}

// New returns a ledger whose auditor calls record for every change.
func New(record func(Change)) *Ledger {
	l := &Ledger{accounts: map[string]*Account{}, changes: make(chan Change)}
	go l.audit(record)
	return l
}

// audit consumes changes; it counts them under the ledger lock before
// waiting for the next one.
func (l *Ledger) audit(record func(Change)) {
	for c := range l.changes {
		record(c)
		l.mu.Lock()
		l.audited++
		l.mu.Unlock()
	}
}

// Open creates an account with an initial balance.
func (l *Ledger) Open(id string, balance int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.accounts[id] = &Account{id: id, balance: balance}
}

// Deposit credits an account and reports the change to the auditor.
//
// BUG (GC204): the change is sent on the unbuffered audit channel while
// l.mu is held, and the auditor needs l.mu after each change before it
// receives the next one: two deposits in a row deadlock the ledger.
func (l *Ledger) Deposit(id string, amount int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, ok := l.accounts[id]
	if !ok {
		return fmt.Errorf("ledger: unknown account %q", id)
	}
	a.mu.Lock()
	a.balance += amount
	bal := a.balance
	a.mu.Unlock()
	l.changes <- Change{Account: id, Delta: amount, Balance: bal}
	return nil
}

// Transfer moves amount between two accounts.
//
// BUG (GC202): the source account is locked before the destination, so a
// transfer A->B running together with a transfer B->A deadlocks. Lock the
// two accounts in a fixed order (e.g. by id) instead.
func (l *Ledger) Transfer(fromID, toID string, amount int64) error {
	l.mu.Lock()
	from, to := l.accounts[fromID], l.accounts[toID]
	l.mu.Unlock()
	if from == nil || to == nil || from == to {
		return fmt.Errorf("ledger: bad transfer %q -> %q", fromID, toID)
	}
	return move(from, to, amount)
}

func move(from, to *Account, amount int64) error {
	from.mu.Lock()
	defer from.mu.Unlock()
	to.mu.Lock()
	defer to.mu.Unlock()
	if from.balance < amount {
		return ErrInsufficientFunds
	}
	from.balance -= amount
	to.balance += amount
	return nil
}

// Balance returns the current balance of id.
func (l *Ledger) Balance(id string) (int64, bool) {
	l.mu.Lock()
	a, ok := l.accounts[id]
	l.mu.Unlock()
	if !ok {
		return 0, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.balance, true
}

// Close stops the auditor.
func (l *Ledger) Close() {
	close(l.changes)
}
