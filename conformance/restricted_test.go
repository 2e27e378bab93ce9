package conformance

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/report"
)

// restrictedFleet is the default fleet with its first RUNNING and first
// STOPPED instances of the main account under a restriction (ledger
// L-28).
func restrictedFleet(t *testing.T) (*emulator.FleetFile, []string) {
	t.Helper()
	f := emulator.DefaultFleet()
	var ids []string
	for _, st := range []string{"RUNNING", "STOPPED"} {
		for i, fi := range f.Accounts[0].Instances {
			if fi.State == st && fi.RestrictState == "" {
				f.Accounts[0].Instances[i].RestrictState = map[string]string{"RUNNING": "PROTECTIVELY_ISOLATED", "STOPPED": "EXPIRED"}[st]
				ids = append(ids, fi.ID)
				break
			}
		}
	}
	require.Len(t, ids, 2)
	return f, ids
}

// A target holding restricted instances, which refuses every stop and
// start of them with UnsupportedOperation.InstanceStateIsolating, draws no
// false finding: the state machine names them among the others, and the
// checks that need an instance to change state never pick them
// (runner's TestRestrictedInstanceEndToEnd shows the model accepting the
// refusal itself).
func TestRestrictedInstancesDrawNoFinding(t *testing.T) {
	t.Parallel()
	fleet, ids := restrictedFleet(t)
	cfg := withEmulator(t, emulator.EmbeddedOptions{Latency: testLatency, Fleet: fleet, Lanes: -1})
	cfg.Transcript = &runner.Transcript{}
	res, err := Run(context.Background(), Config{Target: cfg, Only: []string{"SI-PROP-01", "SI-STATE-01", "SI-STATE-02", "SI-STATE-04", "SI-ASYNC-03"},
		Sequences: 30, Seed: 1})
	require.NoError(t, err)
	for _, c := range res.Checks {
		require.Equal(t, report.Pass, c.Status, "%s: %s\n%s", c.ID, c.Reason, c.Counterexample)
	}
	// The state machine named the restricted instances.
	named := 0
	for _, x := range cfg.Transcript.Since(0) {
		if (x.Call.Action == model.ActionStop || x.Call.Action == model.ActionStart) &&
			slices.ContainsFunc(ids, func(id string) bool { return strings.Contains(x.Summary(), id) }) {
			named++
		}
	}
	require.Positive(t, named, "no stop or start named a restricted instance: the test proves nothing")
}

// An account that requires MFA for StopInstances answers every stop with
// UnauthorizedOperation.MFANotFound, which no rule accepts but which is
// not the target departing from the sources (ledger L-29): the checks
// that stop are reported as errors, naming the situation, never as
// failures.
func TestMFAAccountIsAnErrorNotAFailure(t *testing.T) {
	t.Parallel()
	fleet := emulator.DefaultFleet()
	fleet.Accounts[0].RequiresMFA = true
	cfg := withEmulator(t, emulator.EmbeddedOptions{Latency: testLatency, Fleet: fleet, Lanes: -1})
	res, err := Run(context.Background(), Config{Target: cfg, Only: []string{"SI-STATE-01", "SI-STATE-04"}, Seed: 1})
	require.NoError(t, err)
	c := checkByID(t, res, "SI-STATE-01")
	require.Equal(t, report.Error, c.Status, "%s\n%s", c.Reason, c.Counterexample)
	require.Contains(t, c.Reason, "UnauthorizedOperation.MFANotFound, so the check could not be carried out")
	require.Equal(t, report.Pass, checkByID(t, res, "SI-STATE-04").Status, "a start needs no MFA")
}
