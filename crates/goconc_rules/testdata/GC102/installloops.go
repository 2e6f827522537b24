package gc102

// An event loop that installs subscriptions. subscribe hands the
// subscription to the loop and waits until it is installed; the loop
// closes installed in the very case that receives the request, so the
// wait ends as soon as the hand-off completes, even though the loop can
// also return (on a stop) without closing anything.
type loopSubscription struct {
	id         int
	installed  chan struct{}
	deliveries chan string
}

type eventLoopSystem struct {
	install chan *loopSubscription
	feed    chan string
	stop    chan struct{}
}

func newEventLoopSystem() *eventLoopSystem {
	es := &eventLoopSystem{
		install: make(chan *loopSubscription),
		feed:    make(chan string),
		stop:    make(chan struct{}),
	}
	go es.loop()
	return es
}

func (es *eventLoopSystem) loop() {
	subs := make(map[int]*loopSubscription)
	for {
		select {
		case s := <-es.install:
			subs[s.id] = s
			close(s.installed)
		case ev := <-es.feed:
			for _, s := range subs {
				select {
				case s.deliveries <- ev:
				default:
				}
			}
		case <-es.stop:
			return
		}
	}
}

func (es *eventLoopSystem) subscribe(id int) *loopSubscription {
	s := &loopSubscription{id: id, installed: make(chan struct{}), deliveries: make(chan string, 16)}
	es.install <- s
	<-s.installed
	return s
}

// The same loop with a subscription kind: the close comes after the
// branch that files the subscription, still in the case that took the
// request.
type kindedSubscription struct {
	id        int
	installed chan struct{}
}

type kindedLoop struct {
	install chan *kindedSubscription
	stop    chan struct{}
	byKind  map[bool]map[int]*kindedSubscription
}

func (k *kindedLoop) run() {
	for {
		select {
		case s := <-k.install:
			if s.id%2 == 0 {
				k.byKind[true][s.id] = s
			} else {
				k.byKind[false][s.id] = s
			}
			close(s.installed)
		case <-k.stop:
			return
		}
	}
}

func (k *kindedLoop) subscribe(id int) *kindedSubscription {
	s := &kindedSubscription{id: id, installed: make(chan struct{})}
	k.install <- s
	<-s.installed
	return s
}

func startKindedLoop() *kindedLoop {
	k := &kindedLoop{install: make(chan *kindedSubscription), stop: make(chan struct{})}
	go k.run()
	return k
}

// A loop that installs only even ids: an odd subscriber's hand-off
// completes, and then it waits for a close that never comes.
type evenSubscription struct {
	id        int
	installed chan struct{}
}

type evenLoop struct {
	install chan *evenSubscription
	stop    chan struct{}
}

func (e *evenLoop) run() {
	for {
		select {
		case s := <-e.install:
			if s.id%2 == 0 {
				close(s.installed)
			}
		case <-e.stop:
			return
		}
	}
}

func (e *evenLoop) subscribe(id int) *evenSubscription {
	s := &evenSubscription{id: id, installed: make(chan struct{})}
	e.install <- s
	<-s.installed // want `this waits forever when the goroutine returns without closing s.installed`
	return s
}

func startEvenLoop() *evenLoop {
	e := &evenLoop{install: make(chan *evenSubscription), stop: make(chan struct{})}
	go e.run()
	return e
}
