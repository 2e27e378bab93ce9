package model_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/fixtures/realcloud"
	"github.com/cvmconform/cvmconform/model"
)

// Replays of histories of the real cloud (facts §16, fixtures/realcloud):
// the model must accept everything the real cloud did. One thin test per
// history, as porcupine's test_data; the departures show the replay can
// fail.

// realAccount is the recorded account.
const realAccount = "recorded-account"

// realFinding is a finding and the step that raised it.
type realFinding struct {
	step int
	f    *model.Finding
}

func (r realFinding) String() string { return fmt.Sprintf("step %d: %s", r.step, r.f.Error()) }

// replay judges every step of h with a fresh lenient observer: a stop or
// start through Exchange; a DescribeInstances as runner.Settle does (Judge,
// then ObserveDescribe), and its outcome against the judgement. It returns
// every finding, in order.
func replay(t *testing.T, h realcloud.History) []realFinding {
	t.Helper()
	obs := model.NewObserver(realAccount, realcloud.Region, model.Lenient)
	var out []realFinding
	for i, s := range h.Steps {
		require.Equal(t, 200, s.Status, "step %d", i)
		at := s.Time()
		r := model.Request{Action: s.Action, Version: model.APIVersion, Region: realcloud.Region, Host: h.Host,
			Timestamp: at, Transport: model.Transport{Method: "POST", ContentType: "application/json", Signature: model.SigTC3},
			Auth: model.AuthOK, Account: realAccount, Encoding: model.EncJSON, Params: realParams(t, s.Request)}
		env := model.Env{Now: at, Limited: model.Maybe, Home: realcloud.Region}
		a := realAnswer(t, s.Response)
		if s.Action != model.ActionDescribe {
			if _, f := obs.Exchange(r, env, model.Outcome{Code: a.code, RequestID: a.requestID}); f != nil {
				out = append(out, realFinding{i, f})
			}
			continue
		}
		j := model.Judge(obs, r, env)
		if !j.Accepts(a.code, model.Lenient) {
			out = append(out, realFinding{i, &model.Finding{Rule: "DESCRIBE-OUTCOME", Clause: "the model's verdict",
				Expected: j.Outcomes(model.Lenient).Describe(), Actual: model.Outcome{Code: a.code}.String()}})
		}
		if a.code == "" {
			for _, f := range obs.ObserveDescribe(j, r, a.describe) {
				out = append(out, realFinding{i, f})
			}
		}
	}
	return out
}

// realParams reads a JSON request body into parameters, keeping each
// value's JSON type.
func realParams(t *testing.T, body json.RawMessage) map[string]model.Value {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	require.NoError(t, dec.Decode(&m))
	out := make(map[string]model.Value, len(m))
	for k, v := range m {
		out[k] = realValue(v)
	}
	return out
}

func realValue(x any) model.Value {
	switch v := x.(type) {
	case nil:
		return model.Null()
	case bool:
		return model.Bool(v)
	case json.Number:
		return model.Value{Kind: model.KindNumber, Text: v.String()}
	case string:
		return model.Str(v)
	case []any:
		items := make([]model.Value, len(v))
		for i, it := range v {
			items[i] = realValue(it)
		}
		return model.Arr(items...)
	case map[string]any:
		fields := make(map[string]model.Value, len(v))
		for k, it := range v {
			fields[k] = realValue(it)
		}
		return model.Obj(fields)
	}
	panic(fmt.Sprintf("JSON value %T", x))
}

type answer struct {
	code, requestID string
	describe        model.DescribeResult
}

// wireView is the part of an Instance the model reads (facts §9); null
// operation fields read as "".
type wireView struct {
	InstanceID         string `json:"InstanceId"`
	InstanceState      string
	InstanceChargeType string
	Placement          struct{ Zone string }
	SystemDisk         struct{ DiskType string }
	DataDisks          []struct{ DiskType string }
	StopChargingMode   string
	LatestOperation    *string
	LatestOpState      *string `json:"LatestOperationState"`
	LatestOpRequestID  *string `json:"LatestOperationRequestId"`
}

// realAnswer reads a response body, independently of the runner's parser.
func realAnswer(t *testing.T, body json.RawMessage) answer {
	t.Helper()
	var env struct {
		Response struct {
			Error       *struct{ Code, Message string }
			RequestID   string `json:"RequestId"`
			TotalCount  *int
			InstanceSet []wireView
		}
	}
	require.NoError(t, json.Unmarshal(body, &env))
	r := env.Response
	require.NotEmpty(t, r.RequestID, "every answer has a RequestId")
	a := answer{requestID: r.RequestID}
	if r.Error != nil {
		a.code = r.Error.Code
		return a
	}
	if r.TotalCount != nil {
		a.describe.TotalCount = *r.TotalCount
	}
	for _, w := range r.InstanceSet {
		v := model.View{ID: w.InstanceID, Zone: w.Placement.Zone, State: model.InstanceState(w.InstanceState),
			ChargeType: model.ChargeType(w.InstanceChargeType), SystemDisk: model.DiskType(w.SystemDisk.DiskType),
			StopChargingMode: model.ChargingMode(w.StopChargingMode), LatestOperation: orEmpty(w.LatestOperation),
			LatestOperationState:     model.OperationState(orEmpty(w.LatestOpState)),
			LatestOperationRequestID: orEmpty(w.LatestOpRequestID)}
		for _, d := range w.DataDisks {
			v.LocalDataDisk = v.LocalDataDisk || model.DiskType(d.DiskType).Local()
		}
		a.describe.Instances = append(a.describe.Instances, v)
	}
	return a
}

func orEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// replayReal replays the recorded history name and requires no finding.
func replayReal(t *testing.T, name string) realcloud.History {
	t.Helper()
	i := slices.IndexFunc(realcloud.Histories(), func(h realcloud.History) bool { return h.History == name })
	require.GreaterOrEqual(t, i, 0, "no recorded history %s", name)
	h := realcloud.Histories()[i]
	require.False(t, h.Departure, "a recorded history is no departure")
	fs := replay(t, h)
	require.Empty(t, fs, "the real cloud did this (%s); the model must accept it:\n%s", h.Fact, joinFindings(fs))
	return h
}

func joinFindings(fs []realFinding) string {
	var lines []string
	for _, f := range fs {
		lines = append(lines, f.String())
	}
	return strings.Join(lines, "\n")
}

// shows requires step i of h to list instance id in state s with operation
// state op ("" = null), so that a history keeps showing what its test is
// named for.
func shows(t *testing.T, h realcloud.History, i int, id string, s model.InstanceState, op model.OperationState) model.View {
	t.Helper()
	for _, v := range realAnswer(t, h.Steps[i].Response).describe.Instances {
		if v.ID == id {
			require.Equal(t, s, v.State, "step %d", i)
			require.Equal(t, op, v.LatestOperationState, "step %d", i)
			return v
		}
	}
	require.Failf(t, "not listed", "step %d does not list %s", i, id)
	return model.View{}
}

// The recorded histories, one test each; TestRealCloudEveryHistoryReplayed
// keeps this list and the directory the same.
var realHistories = []string{"stop-ran-ahead", "stop-operating", "start", "stop-mistyped-ids", "listing-paging"}

func TestRealCloudStopRanAhead(t *testing.T) {
	t.Parallel()
	h := replayReal(t, "stop-ran-ahead")
	v := shows(t, h, 2, "ins-00lycyy6", model.Stopping, model.OpSuccess)
	require.Equal(t, model.ActionStop, v.LatestOperation)
	require.Equal(t, model.NotApplicable, v.StopChargingMode)
	require.Equal(t, 11.0, h.Steps[2].At-h.Steps[1].At)
	require.Equal(t, model.StopCharging, shows(t, h, 3, "ins-00lycyy6", model.Stopped, model.OpSuccess).StopChargingMode)
}

func TestRealCloudStopOperating(t *testing.T) {
	t.Parallel()
	h := replayReal(t, "stop-operating")
	shows(t, h, 2, "ins-00lycyy6", model.Stopping, model.OpOperating)
	require.Equal(t, 6.0, h.Steps[2].At-h.Steps[1].At)
	shows(t, h, 3, "ins-00lycyy6", model.Stopped, model.OpSuccess)
}

func TestRealCloudStart(t *testing.T) {
	t.Parallel()
	h := replayReal(t, "start")
	v := shows(t, h, 2, "ins-00lycyy6", model.Starting, model.OpOperating)
	require.Equal(t, model.ActionStart, v.LatestOperation)
	require.Equal(t, model.NotApplicable, v.StopChargingMode)
	require.Equal(t, 10.0, h.Steps[2].At-h.Steps[1].At)
	shows(t, h, 3, "ins-00lycyy6", model.Running, model.OpSuccess)
}

func TestRealCloudMistypedInstanceIds(t *testing.T) {
	t.Parallel()
	h := replayReal(t, "stop-mistyped-ids")
	ids := realParams(t, h.Steps[0].Request)["InstanceIds"]
	require.Equal(t, model.KindString, ids.Kind, "the JSON string stays a string, not a one-item array")
	require.Equal(t, "InvalidParameter", realAnswer(t, h.Steps[0].Response).code)
}

func TestRealCloudListingAndPaging(t *testing.T) {
	t.Parallel()
	h := replayReal(t, "listing-paging")
	require.Len(t, realAnswer(t, h.Steps[0].Response).describe.Instances, 6)
	shows(t, h, 0, "ins-rc000002", model.Running, model.OpNone)
	require.Equal(t, "ModifyInstancesAttribute.SecurityGroups", shows(t, h, 0, "ins-rc000004", model.Running, model.OpSuccess).LatestOperation)
	require.Equal(t, "ResetInstancesPassword", shows(t, h, 0, "ins-rc000005", model.Running, model.OpSuccess).LatestOperation)
	last := realAnswer(t, h.Steps[len(h.Steps)-1].Response).describe
	require.Equal(t, 6, last.TotalCount)
	require.Empty(t, last.Instances)
}

// TestRealCloudEveryHistoryReplayed: a history added to the directory
// without a test would prove nothing.
func TestRealCloudEveryHistoryReplayed(t *testing.T) {
	t.Parallel()
	var names []string
	for _, h := range realcloud.Histories() {
		names = append(names, h.History)
	}
	require.ElementsMatch(t, realHistories, names)
}

// TestRealCloudDepartures: each history the real cloud never showed is
// reported, at the step and with the rule it names, and not before.
func TestRealCloudDepartures(t *testing.T) {
	t.Parallel()
	require.NotEmpty(t, realcloud.Departures())
	for _, h := range realcloud.Departures() {
		t.Run(h.History, func(t *testing.T) {
			t.Parallel()
			require.True(t, h.Departure)
			require.NotNil(t, h.Expect, "a departure names its finding")
			fs := replay(t, h)
			require.NotEmpty(t, fs, "%s: the model accepted a history the real cloud never showed (%s)", h.History, h.Expect.Why)
			require.Equal(t, h.Expect.Step, fs[0].step, "the first finding is at the departing step:\n%s", joinFindings(fs))
			rules := strings.Split(fs[0].f.Rule, ", ")
			require.True(t, slices.Contains(rules, h.Expect.Rule), "want %s, got:\n%s", h.Expect.Rule, joinFindings(fs))
		})
	}
}
