package gc102

// An event loop that installs subscriptions. subscribe hands the
// subscription to the loop and waits until it is installed; the loop
// closes installed in the very case that receives the request, so the
// wait ends as soon as the hand-off completes, even though the loop can
// also return (on a stop) without closing anything.
type loopSubscription struct {
	id        int
	installed chan struct{}
	deliveries    chan string
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
