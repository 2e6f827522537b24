package gc203

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
)

// A mock chain API for tests: a malformed message panics with the lock
// held. The panic ends the test binary, so nobody carries on with mu
// locked.
type mockChainAPI struct {
	mu       sync.Mutex
	balances map[string]int64
	sent     map[string][]byte
}

func (m *mockChainAPI) completeMsg(id string) {
	m.mu.Lock()
	raw, ok := m.sent[id]
	if ok {
		var msg struct {
			To    string
			Value int64
		}
		if err := json.Unmarshal(raw, &msg); err != nil {
			panic(err) // ok: a panic in test code ends the test binary
		}
		if msg.Value < 0 {
			panic(fmt.Sprintf("negative value in %s", id)) // ok: as above
		}
		m.balances[msg.To] += msg.Value
		delete(m.sent, id)
	}
	m.mu.Unlock()
}

// An early return in a test double still leaves the lock held for the
// next call.
func (m *mockChainAPI) balance(addr string) (int64, error) {
	m.mu.Lock()
	b, ok := m.balances[addr]
	if !ok {
		return 0, fmt.Errorf("unknown address %s", addr) // want `m.mu is not unlocked on this path`
	}
	m.mu.Unlock()
	return b, nil
}

func TestMockChainAPI(t *testing.T) {
	m := &mockChainAPI{balances: map[string]int64{}, sent: map[string][]byte{"a": []byte(`{"To":"x","Value":1}`)}}
	m.completeMsg("a")
	if b, err := m.balance("x"); err != nil || b != 1 {
		t.Fatalf("balance = %d, %v", b, err)
	}
}
