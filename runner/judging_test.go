package runner_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// The fleet both pipelines know: one RUNNING instance and one STOPPED.
const (
	runningID = "ins-aaaa0001"
	stoppedID = "ins-aaaa0002"
)

// judgingCred signs the exchanges the tests judge, as the run's main
// account.
var (
	judgingCred = tcapi.Credential{SecretID: "AKIDjudging", SecretKey: "judging-key"}
	judgingKeys = tcapi.KeyMap{judgingCred.SecretID: {SecretKey: judgingCred.SecretKey, Account: runner.AccountMain}}
	judgingT0   = time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
)

// judgeable is a request for call, decoded as the target reads it, sent
// at judgingT0, and answered with body.
func judgeable(t *testing.T, call tcapi.Call, body string) runner.Judgeable {
	t.Helper()
	call.Version, call.Region, call.Timestamp = model.APIVersion, region, judgingT0
	r, err := tcapi.NewRequest(context.Background(), "https://cvm.tencentcloudapi.com", call, judgingCred)
	require.NoError(t, err)
	var sent []byte
	if r.GetBody != nil {
		rc, err := r.GetBody()
		require.NoError(t, err)
		sent, err = io.ReadAll(rc)
		require.NoError(t, err)
	}
	in := runner.Judgeable{Request: tcapi.Decode(r, sent, judgingKeys, tcapi.DefaultLimits()), Account: runner.AccountMain,
		Sent: judgingT0.Add(time.Second)}
	resp, err := tcapi.ParseResponse([]byte(body))
	if err != nil {
		in.NotEnvelope, in.Outcome = body, model.Outcome{Unknown: true}
		return in
	}
	in.Response, in.Outcome = resp, model.Outcome{RequestID: resp.RequestID}
	if resp.Error != nil {
		in.Outcome.Code = resp.Error.Code
	}
	return in
}

func stopOf(ids ...string) tcapi.Call {
	return tcapi.Call{Action: model.ActionStop, Params: []tcapi.Param{{Name: "InstanceIds", Value: model.Strs(ids...)}}}
}

func describeAll() tcapi.Call { return tcapi.Call{Action: model.ActionDescribe} }

// listing is a DescribeInstances answer listing the instances, each
// "ID STATE LATESTOPERATION OPERATIONSTATE".
func listing(rid string, total int, instances ...string) string {
	var set []string
	for _, s := range instances {
		f := strings.Fields(s)
		set = append(set, fmt.Sprintf(`{"InstanceId":%q,"InstanceState":%q,"InstanceChargeType":"POSTPAID_BY_HOUR","Placement":{"Zone":"ap-guangzhou-3"},`+
			`"SystemDisk":{"DiskType":"CLOUD_PREMIUM"},"StopChargingMode":"NOT_APPLICABLE","LatestOperation":%q,"LatestOperationState":%q,"LatestOperationRequestId":"r-0"}`,
			f[0], f[1], f[2], f[3]))
	}
	return fmt.Sprintf(`{"Response":{"TotalCount":%d,"InstanceSet":[%s],"RequestId":%q}}`, total, strings.Join(set, ","), rid)
}

func refusal(code string) string {
	return fmt.Sprintf(`{"Response":{"Error":{"Code":%q,"Message":"refused"},"RequestId":"r-9"}}`, code)
}

// fleetListing is the DescribeInstances answer that shows both pipelines
// the fleet.
var fleetListing = listing("r-1", 2, runningID+" RUNNING StartInstances SUCCESS", stoppedID+" STOPPED StopInstances SUCCESS")

// A run and the passive judge (judge, proxy, call) judge an exchange by
// the same pipeline: when both know the same fleet, the same exchange
// gives the same findings and the same expectation, whether judged with
// the run's full knowledge or with the partial knowledge of traffic the
// suite did not send.
func TestRunAndPassiveJudgingAgree(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// then are the exchanges judged after the fleet's listing; the
		// last one's findings are compared.
		then        []runner.Judgeable
		wantFinding bool
		// mayChange: the last exchange may have changed the instances it
		// acts on.
		mayChange bool
		reason    string
	}{
		{name: "stop accepted", then: []runner.Judgeable{judgeable(t, stopOf(runningID), `{"Response":{"RequestId":"r-2"}}`)},
			mayChange: true, reason: "seed §1: a valid stop of a RUNNING instance succeeds"},
		{name: "stop refused as not found", then: []runner.Judgeable{judgeable(t, stopOf(runningID), refusal("InvalidInstanceId.NotFound"))},
			wantFinding: true, reason: "the instance exists: both know it from the listing"},
		{name: "stop of a STOPPED instance accepted", then: []runner.Judgeable{judgeable(t, stopOf(stoppedID), `{"Response":{"RequestId":"r-2"}}`)},
			wantFinding: true, mayChange: true, reason: "facts §8: a STOPPED instance cannot be stopped; the target says it did"},
		{name: "RUNNING after a stop", then: []runner.Judgeable{
			judgeable(t, stopOf(runningID), `{"Response":{"RequestId":"r-2"}}`),
			judgeable(t, describeAll(), listing("r-3", 2, runningID+" RUNNING StartInstances SUCCESS", stoppedID+" STOPPED StopInstances SUCCESS")),
		}, wantFinding: true, reason: "seed §1: a stopped instance goes STOPPING, then STOPPED, never straight back to RUNNING with its old operation"},
		{name: "listing leaves one out", then: []runner.Judgeable{judgeable(t, describeAll(), listing("r-2", 1, runningID+" RUNNING StartInstances SUCCESS"))},
			wantFinding: true, reason: "facts §9: every instance that certainly matches is listed"},
		{name: "not an envelope", then: []runner.Judgeable{judgeable(t, stopOf(runningID), "<html>502</html>")},
			wantFinding: true, mayChange: true, reason: "facts §5: every answer is an envelope; what the target did is unknown"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			obs := model.NewObserver(runner.AccountMain, region, model.Lenient)
			res, err := runner.ParseDescribe(judgeable(t, describeAll(), fleetListing).Response)
			require.NoError(t, err)
			for _, v := range res.Instances {
				obs.Discover(v)
			}
			run := runner.NewJudging(runner.JudgingConfig{Clock: runner.SendTime}, obs)
			passive := runner.NewPartialJudging(runner.JudgingConfig{Clock: runner.AnswerDate,
				Actions: []string{model.ActionStop, model.ActionStart, model.ActionDescribe}})
			var fromRun, fromPassive runner.Judged
			for _, in := range append([]runner.Judgeable{judgeable(t, describeAll(), fleetListing)}, c.then...) {
				fromRun, fromPassive = run.Judge(in), passive.Judge(in)
			}
			require.Equal(t, c.wantFinding, len(fromRun.Findings) > 0, "%s: %v", c.reason, fromRun.Findings)
			require.Equal(t, fromRun.Findings, fromPassive.Findings, c.reason)
			require.Equal(t, fromRun.Expected, fromPassive.Expected, c.reason)
			require.Equal(t, c.mayChange, fromRun.MayChange, c.reason)
			require.Equal(t, fromRun.MayChange, fromPassive.MayChange, c.reason)
		})
	}
}
