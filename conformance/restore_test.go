package conformance

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/report"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// A run leaves the fleet as it found it, wherever it is cut: during
// discovery, in the middle of checks that stop instances, while the state
// machine shrinks a counterexample. A second interrupt during the restore
// leaves instances changed, and the report names every one of them.
//
// The cuts are made on events, not after a time: a proxy in front of the
// emulator cancels the run when a given request arrives, and the run's
// progress cancels it when the shrinking, or the restore's first stop or
// start, is announced (before that stop or start is sent).
func TestRunLeavesTheFleetAsFound(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fault string
		only  []string
		// cutAt cancels the run when it returns true for a request (its
		// X-TC-RequestClient and action), as it arrives and again once it
		// is answered, in the order they come.
		cutAt func(client, action string, answered bool) bool
		// cutOn cancels the run when it returns true for a progress line.
		cutOn func(line string) bool
		// haltOn cancels the restore (a second SIGINT) on a progress line.
		haltOn func(line string) bool
		reason string
	}{
		{name: "discovery", cutAt: nth(3, func(client, _ string, answered bool) bool {
			return !answered && strings.HasSuffix(client, " discovery")
		}),
			reason: "nothing was moved yet; the restore has nothing to do"},
		{name: "mid-check", cutAt: nth(40, func(client, action string, answered bool) bool {
			return !answered && action == model.ActionStop && !strings.HasSuffix(client, " restore")
		}), reason: "the lanes' checks are cut with instances stopped or stopping"},
		{name: "mid-shrink", fault: emulator.FaultStopAnyState, only: []string{"SI-PROP-01"},
			cutOn:  func(line string) bool { return strings.Contains(line, "shrinking it") },
			reason: "the state machine is cut while it replays sequences"},
		// Cut once the seed's example has stopped two RUNNING instances,
		// before its reset: the restore has two to start again.
		{name: "mid-restore", cutAt: nth(1, func(client, action string, answered bool) bool {
			return answered && action == model.ActionStop && strings.HasSuffix(client, " SI-STATE-01")
		}), haltOn: func(line string) bool {
			return strings.Contains(line, "restore: StartInstances") || strings.Contains(line, "restore: StopInstances")
		},
			reason: "a second interrupt skips the rest of the restore: what is left is listed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := emulator.EmbeddedOptions{Latency: testLatency}
			if tc.fault != "" {
				opts.Faults = []string{tc.fault}
			}
			cfg := withEmulator(t, opts)
			direct := cfg // the fleet is read from the emulator itself, never through the cutter
			before := fleetOf(t, direct)

			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			halt, stopRestore := context.WithCancelCause(context.Background())
			defer stopRestore(nil)
			if tc.cutAt != nil {
				cfg.Endpoint = cutter(t, cfg.Endpoint, func(client, action string, answered bool) {
					if tc.cutAt(client, action, answered) {
						cancel(errTestCause("cut by the test"))
					}
				})
			}
			progress := &onLine{f: func(line string) {
				if tc.cutOn != nil && tc.cutOn(line) {
					cancel(errTestCause("cut by the test"))
				}
				if tc.haltOn != nil && tc.haltOn(line) {
					stopRestore(errTestCause("halted by the test"))
				}
			}}
			res, err := Run(ctx, Config{Target: cfg, Seed: 5, Sequences: 20, Only: tc.only, Progress: progress, Halt: halt})
			require.ErrorIs(t, err, ErrCutShort, "the run was cut: %s", tc.reason)
			require.Len(t, res.Checks, len(selected(t, tc.only)))

			after := fleetOf(t, direct)
			listed := map[string]report.LeftInstance{}
			for _, l := range res.LeftChanged {
				listed[l.Account+" "+l.Instance] = l
			}
			var differ []string
			for key, found := range before {
				if after[key] != found {
					differ = append(differ, fmt.Sprintf("%s found %s, now %s", key, found, after[key]))
					_, ok := listed[key]
					require.True(t, ok, "%s found %s is %s after the run, and the report does not say so (%s)", key, found, after[key], tc.reason)
				}
			}
			if tc.haltOn == nil {
				require.Empty(t, differ, "the fleet is as it was found: %s", tc.reason)
				require.Empty(t, res.LeftChanged, "nothing is left changed: %s", tc.reason)
				return
			}
			require.NotEmpty(t, differ, "the restore was halted before a stop or start was sent: %s", tc.reason)
			for _, l := range res.LeftChanged {
				require.Equal(t, before[l.Account+" "+l.Instance], model.InstanceState(l.Found), "%s: the state it was found in", l.Instance)
			}
		})
	}
}

// selected is the catalog's checks whose ID starts with one of only.
func selected(t *testing.T, only []string) []*Check {
	t.Helper()
	cs, err := Select(Catalog(), only)
	require.NoError(t, err)
	return cs
}

// nth returns a predicate true the nth time match is.
func nth(n int64, match func(client, action string, answered bool) bool) func(client, action string, answered bool) bool {
	var seen atomic.Int64
	return func(client, action string, answered bool) bool {
		return match(client, action, answered) && seen.Add(1) == n
	}
}

// cutter starts a proxy to endpoint that tells seen of each request, by
// its X-TC-RequestClient and action, before passing it on and once it is
// answered, and returns the proxy's URL.
func cutter(t *testing.T, endpoint string, seen func(client, action string, answered bool)) string {
	t.Helper()
	u, err := url.Parse(endpoint)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client, action := r.Header.Get("X-TC-RequestClient"), r.Header.Get("X-TC-Action")
		seen(client, action, false)
		proxy.ServeHTTP(w, r)
		seen(client, action, true)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// fleetOf lists, through the public API, every RUNNING or STOPPED
// instance of every account of the target (the states the suite moves
// instances between; the fleet's odd states stay as they are, or move on
// their own), keyed "account instance", once every one has settled.
func fleetOf(t *testing.T, cfg runner.TargetConfig) map[string]model.InstanceState {
	t.Helper()
	ctx := context.Background()
	out := map[string]model.InstanceState{}
	creds := append([]tcapi.Credential{cfg.Cred}, cfg.Lanes...)
	for i, cred := range creds {
		account := runner.AccountMain
		if i > 0 {
			account = fmt.Sprintf("lane-%d", i)
		}
		tc := cfg
		tc.Cred, tc.Cred2, tc.Lanes, tc.Transcript = cred, tcapi.Credential{}, nil, nil
		target, err := runner.NewTarget(tc)
		require.NoError(t, err)
		views, err := target.Discover(ctx, "test")
		require.NoError(t, err)
		var ids []string
		for _, v := range views {
			if v.State == model.Running || v.State == model.Stopped {
				ids = append(ids, v.ID)
			}
		}
		settled, err := target.Settle(ctx, "test", nil, ids, runner.SettleTimeout(cfg.Endpoint))
		require.NoError(t, err)
		require.Empty(t, settled.Unsettled)
		for _, id := range ids {
			out[account+" "+id] = settled.Last[id].State
		}
	}
	return out
}

// onLine is a Progress that hands each note to f.
type onLine struct {
	mu sync.Mutex
	f  func(line string)
}

func (p *onLine) Start(string, string) {}
func (p *onLine) Done(report.Check)    {}
func (p *onLine) Note(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.f(fmt.Sprintf(format, args...))
}
