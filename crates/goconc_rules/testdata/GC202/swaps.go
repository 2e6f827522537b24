package gc202

import "sync"

// latencyWindow is a mergeable histogram guarded by its own mutex.
type latencyWindow struct {
	mu      sync.Mutex
	samples []float64
}

// mergeFrom locks the receiver, then the other window: two calls with the
// windows swapped deadlock, if any caller can make them.
func (w *latencyWindow) mergeFrom(other *latencyWindow) {
	w.mu.Lock()
	defer w.mu.Unlock()
	other.mu.Lock() // ok: every caller merges into a window it has just built
	w.samples = append(w.samples, other.samples...)
	other.mu.Unlock()
}

type topicStats struct {
	channels []*latencyWindow
}

// aggregate merges every channel's window into a fresh one: no other
// goroutine can hold the fresh window, so no call can mirror this one.
func (t *topicStats) aggregate() *latencyWindow {
	var total *latencyWindow
	for _, c := range t.channels {
		if total == nil {
			total = &latencyWindow{}
		}
		total.mergeFrom(c)
	}
	return total
}

// shardPair merges two long-lived shards into each other, in an order the
// callers choose.
type shardPair struct {
	left, right *latencyWindow
}

func (w *latencyWindow) absorb(other *latencyWindow) {
	w.mu.Lock()
	defer w.mu.Unlock()
	other.mu.Lock() // want "acquires other.mu while holding w.mu"
	w.samples = append(w.samples, other.samples...)
	other.samples = nil
	other.mu.Unlock()
}

// rebalance may run concurrently with rebalanceBack: left into right here,
// right into left there.
func (p *shardPair) rebalance() {
	p.right.absorb(p.left)
}

func (p *shardPair) rebalanceBack() {
	p.left.absorb(p.right)
}

// wallet pairs come out of the bank's map: Transfer(a, b) and Transfer(b, a)
// hand the same two wallets to settle in opposite orders.
type wallet struct {
	mu      sync.Mutex
	balance int64
}

type bank struct {
	mu      sync.Mutex
	wallets map[string]*wallet
}

func settle(from, to *wallet, amount int64) {
	from.mu.Lock()
	defer from.mu.Unlock()
	to.mu.Lock() // want "acquires to.mu while holding from.mu"
	defer to.mu.Unlock()
	from.balance -= amount
	to.balance += amount
}

func (b *bank) Transfer(fromID, toID string, amount int64) {
	b.mu.Lock()
	from, to := b.wallets[fromID], b.wallets[toID]
	b.mu.Unlock()
	if from == nil || to == nil || from == to {
		return
	}
	settle(from, to, amount)
}

// seedWallets settles between two wallets it has just built: nobody else can
// hold them in the other order.
func seedWallets(amount int64) (*wallet, *wallet) {
	a := &wallet{balance: amount}
	b := new(wallet)
	fund(a, b, amount)
	return a, b
}

func fund(src, dst *wallet, amount int64) {
	src.mu.Lock()
	defer src.mu.Unlock()
	dst.mu.Lock() // ok: the only caller passes two wallets it has just built
	defer dst.mu.Unlock()
	src.balance -= amount
	dst.balance += amount
}

// account transfers order the pair by id before locking, so Move(a, b) and
// Move(b, a) both lock the lower id first.
type account struct {
	mu      sync.Mutex
	id      uint64
	balance int64
}

func lockOrdered(first, second *account) (unlock func()) {
	if second.id < first.id {
		first, second = second, first
	}
	first.mu.Lock()
	second.mu.Lock() // ok: the pair is sorted by id before either lock
	return func() {
		second.mu.Unlock()
		first.mu.Unlock()
	}
}

// Move is exported, so callers can pass the accounts either way round.
func Move(from, to *account, amount int64) bool {
	if from == to {
		return false
	}
	unlock := lockOrdered(from, to)
	defer unlock()
	if from.balance < amount {
		return false
	}
	from.balance -= amount
	to.balance += amount
	return true
}

// Inventory moves stock between bins looked up by the caller's ids: the
// caller decides the order of the pair, as with two parameters.
type stockBin struct {
	sync.Mutex
	sku   string
	units int
}

type Inventory struct {
	mu   sync.Mutex
	bins map[string]*stockBin
}

func (inv *Inventory) bin(id string) *stockBin {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return inv.bins[id]
}

func (inv *Inventory) Move(fromID, toID string, n int) bool {
	from, to := inv.bin(fromID), inv.bin(toID)
	if from == nil || to == nil {
		return false
	}
	from.Lock()
	defer from.Unlock()
	to.Lock() // want `lock order inversion: acquires to.Mutex while holding from.Mutex`
	defer to.Unlock()
	if from.units < n {
		return false
	}
	from.units -= n
	to.units += n
	return true
}

// Negative: the bins are ordered by id before locking.
func (inv *Inventory) MoveOrdered(fromID, toID string, n int) bool {
	first, second := inv.bin(fromID), inv.bin(toID)
	if first == nil || second == nil || first == second {
		return false
	}
	if fromID > toID {
		first, second = second, first
	}
	first.Lock()
	defer first.Unlock()
	second.Lock()
	defer second.Unlock()
	return true
}

// Negative: a bin and its overflow bin, looked up from one id, are always
// locked in the same order.
func (inv *Inventory) Spill(id string) {
	main, spill := inv.bin(id), inv.bin(id+"-overflow")
	if main == nil || spill == nil {
		return
	}
	main.Lock()
	defer main.Unlock()
	spill.Lock()
	defer spill.Unlock()
	spill.units += main.units
	main.units = 0
}
