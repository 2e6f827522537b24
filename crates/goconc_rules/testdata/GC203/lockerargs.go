package gc203

import (
	"context"
	"sync"
)

// A prepared-statement cache: the caller holds the cache's write lock while
// it prepares a statement, and hands the lock to the store, which releases
// it as soon as the statement is cached, before the slow prepare.

type preparedStmt struct {
	sql   string
	ready chan struct{}
}

type stmtStore interface {
	New(ctx context.Context, sql string, locker sync.Locker) (*preparedStmt, error)
	Get(sql string) (*preparedStmt, bool)
}

type preparedDB struct {
	mux   *sync.RWMutex
	stmts stmtStore
}

// ok: the store unlocks db.mux once the statement is registered.
func (db *preparedDB) prepare(ctx context.Context, sql string) (*preparedStmt, error) {
	db.mux.RLock()
	if stmt, ok := db.stmts.Get(sql); ok {
		db.mux.RUnlock()
		<-stmt.ready
		return stmt, nil
	}
	db.mux.RUnlock()

	db.mux.Lock()
	if stmt, ok := db.stmts.Get(sql); ok {
		db.mux.Unlock()
		<-stmt.ready
		return stmt, nil
	}
	return db.stmts.New(ctx, sql, db.mux)
}

// The same cache where the store is not given the lock: the caller keeps
// it on the way out.
type unpreparedDB struct {
	mux   sync.Mutex
	stmts stmtStore
}

func (db *unpreparedDB) prepare(ctx context.Context, sql string) (*preparedStmt, error) {
	db.mux.Lock()
	if stmt, ok := db.stmts.Get(sql); ok {
		db.mux.Unlock()
		return stmt, nil
	}
	return db.stmts.New(ctx, sql, nil) // want `db.mux is not unlocked on this path`
}
