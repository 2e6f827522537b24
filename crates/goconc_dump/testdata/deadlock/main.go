// deadlock transfers between two accounts in opposite lock order; with the
// handshake below both transfers always hold their first lock, so the runtime
// reports "all goroutines are asleep - deadlock!".
package main

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
)

type account struct {
	mu      sync.Mutex
	balance int
}

func transfer(from, to *account, amount int, holding *sync.WaitGroup) {
	from.mu.Lock()
	holding.Done()
	holding.Wait() // both goroutines now hold their first lock
	to.mu.Lock()
	from.balance -= amount
	to.balance += amount
	to.mu.Unlock()
	from.mu.Unlock()
}

func chanDeadlock() {
	ch := make(chan int)
	ch <- 1 // nobody receives
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "chan" {
		chanDeadlock()
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "notify" {
		// With a signal handler installed the runtime cannot tell that the
		// program is stuck: it hangs until SIGQUIT, the dump shows every
		// goroutine blocked. The test sends SIGQUIT after a moment.
		signal.Notify(make(chan os.Signal, 1), syscall.SIGUSR1)
	}
	a, b := &account{balance: 100}, &account{balance: 100}
	var holding, finished sync.WaitGroup
	holding.Add(2)
	finished.Add(2)
	go func() { defer finished.Done(); transfer(a, b, 10, &holding) }()
	go func() { defer finished.Done(); transfer(b, a, 20, &holding) }()
	finished.Wait()
}
