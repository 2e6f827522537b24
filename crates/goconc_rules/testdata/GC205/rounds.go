package gc205

import (
	"errors"
	"sync"
)

// A stress loop that runs two concurrent config updates per round. Each
// round waits for both and then checks the error channel, so the channel
// never holds more than one round's errors.

type configMaps interface {
	Update(name, value string) error
}

// ok: the round drains errCh before the next one starts.
func stressUpdates(cms configMaps, rounds int) error {
	errCh := make(chan error, 2)
	for i := 0; i < 100; i++ {
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := cms.Update("extra", "v"); err != nil {
				errCh <- err
			}
		}()
		go func() {
			defer wg.Done()
			if err := cms.Update("mesh", "v"); err != nil {
				errCh <- err
			}
		}()
		wg.Wait()
		select {
		case err := <-errCh:
			return err
		default:
		}
	}
	return nil
}

// The same loop checking errors only at the end: after two failing rounds
// the third round's workers find errCh full and Wait never returns.
func stressUpdatesLate(cms configMaps) error {
	errCh := make(chan error, 2)
	for i := 0; i < 100; i++ {
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := cms.Update("extra", "v"); err != nil {
				errCh <- err
			}
		}()
		go func() {
			defer wg.Done()
			if err := cms.Update("mesh", "v"); err != nil {
				errCh <- err
			}
		}()
		wg.Wait() // want `wg.Wait can block forever: errCh has 2 slots but more workers may send to it`
	}
	close(errCh)
	var errs []error
	for err := range errCh {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
