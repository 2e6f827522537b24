package gc207

import "errors"

// leaseActor serialises lease operations through one goroutine. Renewing
// an expired lease re-grants it through the public Grant, which sends to
// the actor's own request channel: the actor waits for itself.
type leaseRequest struct {
	op    string
	id    string
	ttl   int
	reply chan leaseReply
}

type leaseReply struct {
	ttl int
	err error
}

var errUnknownLease = errors.New("unknown lease")

type leaseActor struct {
	requests chan leaseRequest
	quit     chan struct{}
	leases   map[string]int
}

func newLeaseActor() *leaseActor {
	a := &leaseActor{requests: make(chan leaseRequest), quit: make(chan struct{}), leases: map[string]int{}}
	go a.run()
	return a
}

func (a *leaseActor) run() {
	for {
		select {
		case r := <-a.requests:
			r.reply <- a.handle(r) // want `handle can send on a.requests, and only this goroutine \(run\) receives from it`
		case <-a.quit:
			return
		}
	}
}

func (a *leaseActor) handle(r leaseRequest) leaseReply {
	switch r.op {
	case "grant":
		a.leases[r.id] = r.ttl
		return leaseReply{ttl: r.ttl}
	case "renew":
		ttl, ok := a.leases[r.id]
		if !ok {
			return leaseReply{err: errUnknownLease}
		}
		if ttl <= 0 {
			return leaseReply{ttl: a.Grant(r.id, r.ttl)}
		}
		return leaseReply{ttl: ttl}
	}
	return leaseReply{err: errors.New("bad op")}
}

func (a *leaseActor) call(r leaseRequest) leaseReply {
	r.reply = make(chan leaseReply, 1)
	a.requests <- r
	return <-r.reply
}

func (a *leaseActor) Grant(id string, ttl int) int {
	return a.call(leaseRequest{op: "grant", id: id, ttl: ttl}).ttl
}

func (a *leaseActor) Renew(id string, ttl int) (int, error) {
	rep := a.call(leaseRequest{op: "renew", id: id, ttl: ttl})
	return rep.ttl, rep.err
}

func (a *leaseActor) Close() { close(a.quit) }

// quotaActor handles nested work inline and forwards follow-ups from a new
// goroutine: neither waits for the actor itself.
type quotaRequest struct {
	tenant string
	delta  int
	reply  chan int
}

type quotaActor struct {
	requests chan quotaRequest
	quit     chan struct{}
	used     map[string]int
}

func newQuotaActor() *quotaActor {
	q := &quotaActor{requests: make(chan quotaRequest), quit: make(chan struct{}), used: map[string]int{}}
	go q.run()
	return q
}

func (q *quotaActor) run() {
	for {
		select {
		case r := <-q.requests:
			r.reply <- q.apply(r) // ok: apply changes state inline, it never sends to q.requests
			if q.used[r.tenant] > 100 {
				go q.Charge(r.tenant, -10) // ok: sent from a new goroutine
			}
		case <-q.quit:
			return
		}
	}
}

func (q *quotaActor) apply(r quotaRequest) int {
	q.used[r.tenant] += r.delta
	if q.used[r.tenant] < 0 {
		q.reset(r.tenant)
	}
	return q.used[r.tenant]
}

func (q *quotaActor) reset(tenant string) { q.used[tenant] = 0 }

func (q *quotaActor) Charge(tenant string, delta int) int {
	reply := make(chan int, 1)
	q.requests <- quotaRequest{tenant: tenant, delta: delta, reply: reply}
	return <-reply
}

func (q *quotaActor) Close() { close(q.quit) }
