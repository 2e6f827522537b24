package gc102

import "log"

// Endless receive loops in goroutines: `for { v := <-ch; ... }` ends only
// if something else stops it. When nothing closes the channel and the loop
// has no way out, the goroutine outlives its senders.

type indexUpdate struct {
	doc   string
	terms []string
}

func applyUpdates(updates chan indexUpdate) {
	for {
		u := <-updates // want `receive loop on updates never ends: updates is never closed and the loop has no other way out`
		log.Printf("indexing %s (%d terms)", u.doc, len(u.terms))
	}
}

// reindex starts a fresh applier per call and never stops it.
func reindex(docs map[string][]string) {
	updates := make(chan indexUpdate)
	go applyUpdates(updates)
	for doc, terms := range docs {
		updates <- indexUpdate{doc: doc, terms: terms}
	}
}

func applyUpdatesUntilClosed(updates chan indexUpdate) {
	for {
		u, ok := <-updates // ok: leaves the loop when the channel is closed
		if !ok {
			return
		}
		log.Printf("indexing %s", u.doc)
	}
}

func reindexClosing(docs map[string][]string) {
	updates := make(chan indexUpdate)
	go applyUpdatesUntilClosed(updates)
	defer close(updates)
	for doc, terms := range docs {
		updates <- indexUpdate{doc: doc, terms: terms}
	}
}

func applyUntilSentinel(updates chan indexUpdate) {
	for {
		u := <-updates // ok: an empty document ends the loop
		if u.doc == "" {
			return
		}
		log.Printf("indexing %s", u.doc)
	}
}

func reindexWithSentinel(docs map[string][]string) {
	updates := make(chan indexUpdate)
	go applyUntilSentinel(updates)
	for doc, terms := range docs {
		updates <- indexUpdate{doc: doc, terms: terms}
	}
	updates <- indexUpdate{}
}

// A process-wide queue served by one daemon for the life of the process.
var auditQueue = make(chan string)

func auditDaemon() {
	for {
		entry := <-auditQueue // ok: a package-level channel served for the whole process
		log.Print(entry)
	}
}

func startAuditDaemon() { go auditDaemon() }

func enqueueAudit(entry string) { auditQueue <- entry }
