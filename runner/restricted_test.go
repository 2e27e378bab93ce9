package runner_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// A restricted instance end to end (ledger L-28): the emulator's fleet
// holds it, DescribeInstances shows its RestrictState, the model reads it
// and accepts the refusal of its stop with
// UnsupportedOperation.InstanceStateIsolating, which it would not accept
// of the same instance shown NORMAL.
func TestRestrictedInstanceEndToEnd(t *testing.T) {
	t.Parallel()
	fleet := emulator.DefaultFleet()
	var id string
	for i, fi := range fleet.Accounts[0].Instances {
		if fi.State == "RUNNING" && model.RegionOfZone(fi.Zone) == region {
			fleet.Accounts[0].Instances[i].RestrictState = "PROTECTIVELY_ISOLATED"
			id = fi.ID
			break
		}
	}
	tg := target(t, embedded(t, emulator.EmbeddedOptions{Fleet: fleet, Lanes: -1}))
	views, err := tg.Discover(context.Background(), "discovery")
	require.NoError(t, err)
	restricted, normal := model.NewObserver(runner.AccountMain, region, model.Lenient), model.NewObserver(runner.AccountMain, region, model.Lenient)
	for _, v := range views {
		restricted.Discover(v)
		if v.ID == id {
			require.Equal(t, "PROTECTIVELY_ISOLATED", v.RestrictState)
			v.RestrictState = "NORMAL"
		}
		normal.Discover(v)
	}
	x := do(t, tg, runner.Send{Check: "SI-TEST-01", Call: tcapi.Call{Action: model.ActionStop,
		Params: []tcapi.Param{{Name: "InstanceIds", Value: model.Strs(id)}, {Name: "StopType", Value: model.Str("HARD")}}}})
	require.Equal(t, "UnsupportedOperation.InstanceStateIsolating", x.Outcome.Code)
	env := model.Env{Now: x.Sent, Limited: model.Maybe}
	_, f := restricted.Exchange(x.Request, env, x.Outcome)
	require.Nil(t, f, "the model, having read RestrictState, accepts the refusal")
	_, f = normal.Exchange(x.Request, env, x.Outcome)
	require.NotNil(t, f, "of an instance shown NORMAL, the refusal is a finding")
}
