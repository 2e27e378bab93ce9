package snapshot

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/runner/report"
)

// A verification's report has a check per scenario, played or only
// recorded, named as the scenario: a drift fails it, with where in one
// line, the drift lines as counterexample and a replay of it alone.
func TestVerifyReport(t *testing.T) {
	t.Parallel()
	played := []*Scenario{
		{Name: "seed-errors", Title: "errors", Source: "seed §6", Steps: []Step{{Name: "a"}, {Name: "b"}}},
		{Name: "rate-burst", Title: "burst", Steps: []Step{{Name: "15 at once", Burst: 15}}},
	}
	drifts := []Drift{
		{Scenario: "seed-errors", Step: 2, Name: "b", Changes: []Change{{Path: "Response.Error.Code", Was: `"A"`, Now: `"B"`}, {Path: "Response.Error.Message", Was: `"m"`, Now: `"n"`}}},
		{Scenario: "gone", Changes: []Change{{Path: "(scenario)", Was: "recorded", Now: Absent}}},
	}
	run := VerifyReport(VerifyInfo{Target: "t", Region: "ap-guangzhou", Record: "rec", Replay: "cvmconform snapshot verify --against rec"}, played, drifts)
	require.Equal(t, report.KindSnapshot, run.Kind)
	require.Equal(t, "rec", run.Fleet)
	require.Equal(t, 17, run.Requests, "2 steps and a burst of 15")
	var ids []string
	for _, c := range run.Checks {
		ids = append(ids, c.ID+" "+string(c.Status))
	}
	require.Equal(t, []string{"gone fail", "rate-burst pass", "seed-errors fail"}, ids, "sorted; a scenario recorded only is a failure too")
	c := run.Checks[2]
	require.Equal(t, "seed §6", c.Spec)
	require.Equal(t, "drifted from the record: step 2 (b): Response.Error.Code, Response.Error.Message", c.Reason)
	require.Equal(t, "seed-errors / step 2 (b): Response.Error.Code: was \"A\", now \"B\"\nseed-errors / step 2 (b): Response.Error.Message: was \"m\", now \"n\"\n", c.Counterexample)
	require.Equal(t, "cvmconform snapshot verify --against rec --only seed-errors", c.Replay)
	require.Equal(t, "drifted from the record: the scenario: (scenario)", run.Checks[0].Reason)
	require.Empty(t, run.Checks[1].Reason+run.Checks[1].Replay, "a pass has nothing to replay")
}

func TestPaths(t *testing.T) {
	t.Parallel()
	recs := []*Record{{Steps: []StepRecord{{Response: map[string]any{"Response": map[string]any{
		"Error": map[string]any{"Code": "X"}, "InstanceSet": []any{map[string]any{"InstanceId": "$r"}}}}}}}}
	require.Equal(t, []string{"(request)", "(scenario)", "(step)", "Response", "Response.Error", "Response.Error.Code",
		"Response.InstanceSet", "Response.InstanceSet.0", "Response.InstanceSet.0.InstanceId"}, Paths(recs))
}
