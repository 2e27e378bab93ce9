package conformance

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/report"
)

// A run leaves the fleet as it found it (DESIGN "Verdicts one can trust"),
// also when it ends early. Each lane resets what a check moved before its
// next (runState.reset); a run cut short (SIGINT or SIGTERM, --timeout,
// --fail-fast, a check that panicked) cuts those resets short too. So at
// the end of every run, restoreFleet brings every allow-listed instance
// that any request of the run stopped or started back to the state it was
// discovered in, with the mechanism snapshot uses (runner.Target.Restore),
// under its own bound (Config.RestoreTimeout), and the report names each
// instance it could not put back (report.Run.LeftChanged). After a clean
// run the run's own last listings show every instance back, and the
// restore sends nothing.

// restoreFleet restores the instances the run moved, each account's at
// once, and lists in out.LeftChanged those left in another state. ctx is
// the run's: when it has ended, the restore says so as it goes.
func restoreFleet(ctx context.Context, lanes []*runState, shared *runShared, out *report.Run) {
	cfg := shared.cfg
	out.LeftChanged = []report.LeftInstance{}
	xs := shared.log.Since(0)
	moved := runner.Moved(xs)
	type account struct {
		name   string
		target *runner.Target
		want   map[string]model.InstanceState
		left   []runner.Left
		err    error
	}
	var accounts []*account
	all := map[string]model.InstanceState{}
	for _, s := range lanes {
		if len(accounts) > 0 && accounts[len(accounts)-1].name == s.account {
			continue // the account's other lanes share its fleet
		}
		a := &account{name: s.account, target: s.target, want: map[string]model.InstanceState{}}
		for id := range moved {
			// Only the instances the run may move, in the states it can
			// put them back in: the allow-list guards the restore too.
			if v, ok := s.views[id]; ok && s.target.Allowed(id) && (v.State == model.Running || v.State == model.Stopped) {
				a.want[id], all[id] = v.State, v.State
			}
		}
		accounts = append(accounts, a)
	}
	// What the run's own listings show back as found needs nothing more:
	// after a clean run, that is every instance, and the restore sends
	// nothing. The others' accounts are restored.
	pending := map[string]bool{}
	for _, l := range runner.LeftChanged(xs, all) {
		pending[l.ID] = true
	}
	accounts = slices.DeleteFunc(accounts, func(a *account) bool {
		for id := range a.want {
			if pending[id] {
				return false
			}
		}
		return true
	})
	if len(accounts) == 0 {
		return
	}
	total := len(pending)
	halt, bound := cfg.halt, cfg.restore
	rctx, cancel := context.WithTimeoutCause(halt, bound, fmt.Errorf("the --restore-timeout of %s ran out", bound))
	defer cancel()
	early := ctx.Err() != nil
	start := time.Now()
	if early && halt.Err() == nil {
		cfg.progress.Note("restore: %d instance(s) the run stopped or started are not known to be as found; putting them back, at most %s (interrupt again to skip)", total, bound)
	}
	var wg sync.WaitGroup
	for _, a := range accounts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.left, a.err = a.target.Restore(rctx, runner.Restore{Check: "restore", Want: a.want, Settle: cfg.settle,
				Note: func(format string, args ...any) { cfg.progress.Note(a.name+" "+format, args...) }})
		}()
	}
	wg.Wait()
	left := 0
	for _, a := range accounts {
		switch {
		case a.err == nil || halt.Err() != nil:
		case rctx.Err() != nil:
			cfg.progress.Note("restore of %s ended early: %v", a.name, context.Cause(rctx))
		default:
			cfg.progress.Note("restore of %s ended early: %v", a.name, a.err)
		}
		for _, l := range a.left {
			state := string(l.Left)
			if state == "" {
				state = "unknown"
			}
			out.LeftChanged = append(out.LeftChanged, report.LeftInstance{Account: a.name, Region: cfg.target.Region,
				Instance: l.ID, Found: string(l.Found), Left: state})
			left++
		}
	}
	switch {
	case halt.Err() != nil && early:
		cfg.progress.Note("restore stopped (%v): %d instance(s) left in another state than found (listed in the report)", context.Cause(halt), left)
	case left > 0:
		cfg.progress.Note("restore: %d instance(s) left in another state than found (listed in the report)", left)
	case early:
		cfg.progress.Note("restore: every instance back as found, in %s", time.Since(start).Round(100*time.Millisecond))
	}
}
