package gc201

import (
	"sync"
	"time"
)

// A replica's lease check reads the liveness epoch through a helper that
// read-locks again, but only for epoch-based leases. Under the read lock
// of leaseStatus that is a recursive RLock whenever the lease is
// epoch-based: a setLease writer queued in between blocks both.
type replicaLease struct {
	holder   int32
	epoch    int64
	start    time.Time
	duration time.Duration
}

type leaseReplica struct {
	mu        sync.RWMutex
	storeID   int32
	lease     replicaLease
	liveEpoch int64
}

func (r *leaseReplica) currentEpoch() int64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.liveEpoch
}

func (r *leaseReplica) ownsValidLease(now time.Time) bool {
	if r.lease.holder != r.storeID {
		return false
	}
	if r.lease.epoch != 0 {
		return r.lease.epoch == r.currentEpoch()
	}
	return now.Before(r.lease.start.Add(r.lease.duration))
}

func (r *leaseReplica) leaseStatus(now time.Time) (replicaLease, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.lease, r.ownsValidLease(now) // want "recursive RLock of r.mu: a writer arriving in between blocks both: ownsValidLease acquires it"
}

func (r *leaseReplica) setLease(l replicaLease) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lease = l
	if l.epoch > r.liveEpoch {
		r.liveEpoch = l.epoch
	}
}

// The fixed replica reads the epoch through a helper that expects the
// caller's lock.
type fixedLeaseReplica struct {
	mu        sync.RWMutex
	lease     replicaLease
	liveEpoch int64
}

func (r *fixedLeaseReplica) currentEpochLocked() int64 { return r.liveEpoch }

func (r *fixedLeaseReplica) ownsValidLease() bool {
	if r.lease.epoch != 0 {
		return r.lease.epoch == r.currentEpochLocked()
	}
	return false
}

func (r *fixedLeaseReplica) leaseStatus() (replicaLease, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.lease, r.ownsValidLease() // ok: the helper does not lock
}

func (r *fixedLeaseReplica) setLease(l replicaLease) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lease = l
}
