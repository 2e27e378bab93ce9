package runner_test

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/report"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// ActivityOf turns a transcript into the report's activity: one event per
// exchange, with its account, instances and outcome, and the listings'
// states where they changed — what the HTML report's timelines draw.
func TestActivityOfTheTranscript(t *testing.T) {
	t.Parallel()
	// Operations long enough that the listing right after the stop
	// surely shows it STOPPING.
	e := embedded(t, emulator.EmbeddedOptions{Latency: 10 * time.Second})
	tg := target(t, e)
	list := do(t, tg, runner.Send{Check: "SI-TEST-01", Call: describe()})
	res, err := runner.ParseDescribe(list.Response)
	require.NoError(t, err)
	var id string
	for _, v := range res.Instances {
		if v.State == model.Running {
			id = v.ID
			break
		}
	}
	require.NotEmpty(t, id, "a RUNNING instance to stop")
	do(t, tg, runner.Send{Check: "SI-TEST-02", Call: stop(id)})
	do(t, tg, runner.Send{Check: "SI-TEST-02", Call: describe(tcapi.Param{Name: "InstanceIds", Value: model.Strs(id)})})
	do(t, tg, runner.Send{Check: "SI-TEST-03", Call: stop("ins-1122")})
	do(t, tg, runner.Send{Call: describe(), Second: true})
	do(t, tg.ForLane("lane-1/2"), runner.Send{Call: describe(tcapi.Param{Name: "Limit", Value: model.Num(1)})})

	a := runner.ActivityOf(tg.Transcript().Since(0), 7)
	require.Equal(t, map[string]int{model.ActionStop: 7, model.ActionStart: 10, model.ActionDescribe: 40}, a.Limits, "--rate-limit replaces StopInstances' limit")
	require.Equal(t, 6, a.Len())
	ev := a.Events
	require.Equal(t, "SI-TEST-01", ev[0].Check)
	require.Len(t, ev[0].Shown, len(res.Instances), "the first listing shows every instance")
	require.Equal(t, []string{id}, ev[1].Instances)
	require.Equal(t, "", ev[1].Code, "the stop succeeded")
	require.Equal(t, "main", ev[1].Account)
	require.Contains(t, ev[1].Summary, id, "the tooltip names the request")
	require.Equal(t, []report.Shown{{Instance: id, State: string(model.Stopping)}}, ev[2].Shown,
		"the second listing keeps only what changed")
	require.Equal(t, model.CodeMalformed, ev[3].Code)
	require.Equal(t, "second", ev[4].Account, "the account that signed, not the lane")
	require.False(t, slices.ContainsFunc(ev[4].Shown, func(s report.Shown) bool { return s.Instance == id }),
		"the second account's listing does not show the main one's instance")
	require.Equal(t, "lane-1", ev[5].Account, "a lane's own account is named by the lane: the model reads every lane's key as main")
}
