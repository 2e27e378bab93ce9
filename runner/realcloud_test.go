package runner_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/fixtures/realcloud"
	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// The parsers on answers shaped as the real cloud's (facts §16): RequestId
// last, null operation fields, PublicIpAddresses and
// InternetAccessible.InternetChargeType null while STOPPING, and fields
// the model does not read. The answers are the model's real-cloud
// histories (fixtures/realcloud), read here as raw bodies.

// realSteps returns every recorded history's steps, by file name.
func realSteps(t *testing.T) map[string][]realcloud.Step {
	t.Helper()
	out := map[string][]realcloud.Step{}
	for _, h := range realcloud.Histories() {
		out[h.History+".json"] = h.Steps
	}
	require.NotEmpty(t, out)
	return out
}

// lastKey returns the last member name of the JSON object raw, in the
// order written.
func lastKey(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok)
	var last string
	for dec.More() {
		k, err := dec.Token()
		require.NoError(t, err)
		last = k.(string)
		var skip json.RawMessage
		require.NoError(t, dec.Decode(&skip))
	}
	return last
}

// expectedView reads the model's fields of one instance from generic
// JSON, independently of ParseDescribe: null reads as "".
func expectedView(inst map[string]any) model.View {
	str := func(x any) string {
		s, _ := x.(string)
		return s
	}
	sub := func(name, field string) string {
		m, _ := inst[name].(map[string]any)
		return str(m[field])
	}
	v := model.View{ID: str(inst["InstanceId"]), Zone: sub("Placement", "Zone"),
		State: model.InstanceState(str(inst["InstanceState"])), ChargeType: model.ChargeType(str(inst["InstanceChargeType"])),
		SystemDisk: model.DiskType(sub("SystemDisk", "DiskType")), StopChargingMode: model.ChargingMode(str(inst["StopChargingMode"])),
		LatestOperation: str(inst["LatestOperation"]), LatestOperationState: model.OperationState(str(inst["LatestOperationState"])),
		LatestOperationRequestID: str(inst["LatestOperationRequestId"])}
	disks, _ := inst["DataDisks"].([]any)
	for _, d := range disks {
		m, _ := d.(map[string]any)
		v.LocalDataDisk = v.LocalDataDisk || model.DiskType(str(m["DiskType"])).Local()
	}
	return v
}

func TestRealCloudAnswersParse(t *testing.T) {
	t.Parallel()
	described := 0
	for file, steps := range realSteps(t) {
		for i, s := range steps {
			var outer struct{ Response json.RawMessage }
			require.NoError(t, json.Unmarshal(s.Response, &outer))
			require.Equal(t, "RequestId", lastKey(t, outer.Response), "%s step %d: RequestId is the last key (facts §16)", file, i)
			var generic struct{ Response map[string]any }
			require.NoError(t, json.Unmarshal(s.Response, &generic))

			resp, err := tcapi.ParseResponse(s.Response)
			require.NoError(t, err, "%s step %d", file, i)
			require.Equal(t, generic.Response["RequestId"], resp.RequestID, "%s step %d", file, i)
			if e, ok := generic.Response["Error"].(map[string]any); ok {
				require.NotNil(t, resp.Error, "%s step %d", file, i)
				require.Equal(t, e["Code"], resp.Error.Code)
				require.Equal(t, e["Message"], resp.Error.Message)
				require.Equal(t, resp.RequestID, resp.Error.RequestID)
				continue
			}
			require.Nil(t, resp.Error, "%s step %d", file, i)
			if s.Action != model.ActionDescribe {
				require.Empty(t, resp.Fields, "%s step %d: a stop or start answers its RequestId only", file, i)
				continue
			}
			res, err := runner.ParseDescribe(resp)
			require.NoError(t, err, "%s step %d", file, i)
			described++
			require.EqualValues(t, generic.Response["TotalCount"], res.TotalCount)
			set := generic.Response["InstanceSet"].([]any)
			require.Len(t, res.Instances, len(set), "%s step %d", file, i)
			for k, x := range set {
				require.Equal(t, expectedView(x.(map[string]any)), res.Instances[k], "%s step %d instance %d", file, i, k)
			}
		}
	}
	require.Positive(t, described)
}

// TestRealCloudAnswerShapes pins the shapes the parsers must survive to
// the histories that hold them, so that the test above keeps covering
// them.
func TestRealCloudAnswerShapes(t *testing.T) {
	t.Parallel()
	steps := realSteps(t)

	stopping := steps["stop-ran-ahead.json"][2].Response
	var s struct {
		Response struct {
			InstanceSet []struct {
				PublicIpAddresses    json.RawMessage
				InternetAccessible   struct{ InternetChargeType json.RawMessage }
				LatestOperationState string
			}
		}
	}
	require.NoError(t, json.Unmarshal(stopping, &s))
	require.Len(t, s.Response.InstanceSet, 1)
	i := s.Response.InstanceSet[0]
	require.Equal(t, "null", string(i.PublicIpAddresses))
	require.Equal(t, "null", string(i.InternetAccessible.InternetChargeType))
	resp, err := tcapi.ParseResponse(stopping)
	require.NoError(t, err)
	res, err := runner.ParseDescribe(resp)
	require.NoError(t, err)
	require.Equal(t, model.Stopping, res.Instances[0].State)
	require.Equal(t, model.OpSuccess, res.Instances[0].LatestOperationState)

	listing := steps["listing-paging.json"]
	resp, err = tcapi.ParseResponse(listing[0].Response)
	require.NoError(t, err)
	res, err = runner.ParseDescribe(resp)
	require.NoError(t, err)
	nulls := 0
	for _, v := range res.Instances {
		if v.LatestOperation == "" && v.LatestOperationState == "" && v.LatestOperationRequestID == "" {
			nulls++
		}
	}
	require.Positive(t, nulls, "null operation fields read as empty")

	resp, err = tcapi.ParseResponse(listing[len(listing)-1].Response)
	require.NoError(t, err)
	res, err = runner.ParseDescribe(resp)
	require.NoError(t, err, "an empty InstanceSet is an answer, not an error")
	require.Equal(t, 6, res.TotalCount)
	require.Empty(t, res.Instances)

	resp, err = tcapi.ParseResponse(steps["stop-mistyped-ids.json"][0].Response)
	require.NoError(t, err)
	require.Error(t, resp.Err())
	require.Equal(t, "InvalidParameter", resp.Error.Code)
	require.Contains(t, resp.Error.Message, "`InstanceIds`")
}
