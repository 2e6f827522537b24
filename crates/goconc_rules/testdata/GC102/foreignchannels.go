package gc102

import (
	"context"
	"net/http"
)

// Channels made by code the analysis cannot see (a library, an
// interface's implementation) are fed and closed there: receiving from
// them or ranging over them is not a leak the package can show.
type supervisorAPI interface {
	ServeBackground(ctx context.Context) <-chan error
	Events() (<-chan string, error)
}

type appRunner struct {
	sup supervisorAPI
}

func (a *appRunner) Start(ctx context.Context) {
	errc := a.sup.ServeBackground(ctx)
	go a.waitFor(errc)
}

func (a *appRunner) waitFor(errc <-chan error) {
	if err := <-errc; err != nil {
		panic(err)
	}
}

func (a *appRunner) Follow(log func(string)) error {
	events, err := a.sup.Events()
	if err != nil {
		return err
	}
	for ev := range events {
		log(ev)
	}
	return nil
}

//lint:ignore SA1019 the deprecated CloseNotifier is what this handler wraps.
func waitForClientGone(w http.ResponseWriter) {
	if cn, ok := w.(http.CloseNotifier); ok {
		<-cn.CloseNotify()
	}
}
