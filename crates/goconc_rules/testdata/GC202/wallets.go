package gc202

import (
	"errors"
	"sync"
)

// CashWallet.Send keeps the source locked while it credits the destination
// through the destination's own method: a.Send(b) and b.Send(a) at the
// same time lock the two wallets in opposite orders.
type CashWallet struct {
	ID      int
	mu      sync.Mutex
	balance int64
}

func (w *CashWallet) credit(amount int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.balance += amount
}

func (w *CashWallet) Send(dst *CashWallet, amount int64) error {
	if w == dst {
		return errors.New("cannot send to self")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.balance < amount {
		return errors.New("insufficient balance")
	}
	w.balance -= amount
	dst.credit(amount) // want "lock order inversion: acquires dst.mu while holding w.mu"
	return nil
}

// Purse debits under its own lock, releases it, and only then credits the
// destination: never two purse locks at once.
type Purse struct {
	mu      sync.Mutex
	balance int64
}

func (p *Purse) deposit(amount int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.balance += amount
}

func (p *Purse) Pay(dst *Purse, amount int64) error {
	p.mu.Lock()
	if p.balance < amount {
		p.mu.Unlock()
		return errors.New("insufficient balance")
	}
	p.balance -= amount
	p.mu.Unlock()
	dst.deposit(amount) // ok: the source lock is released first
	return nil
}
