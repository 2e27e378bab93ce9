package snapshot

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cvmconform/cvmconform/model"
)

// step is one answer a normaliser is given, in a scenario's order.
type step struct {
	action string
	raw    string
	accept map[string][]string
}

func TestNormaliser(t *testing.T) {
	t.Parallel()
	roles := map[string]string{"ins-aaaaaaa1": "$running1", "ins-bbbbbbb2": "$running2"}
	const (
		ridStop = "6ef60bec-0242-43af-bb20-270359fb54a7"
		ridDesc = "d39d6c09-44e9-4e80-8661-77b5ff3cbc15"
		ridOld  = "0c8f2a8e-1111-4e80-8661-77b5ff3cbc15"
	)
	instance := func(id, state, rid string) string {
		return `{"InstanceId":"` + id + `","InstanceState":"` + state + `","LatestOperation":"StopInstances","LatestOperationState":"SUCCESS",` +
			`"LatestOperationRequestId":"` + rid + `","InstanceName":"web-01","CPU":2,"CreatedTime":"2024-08-12T09:00:00Z","ExpiredTime":null,` +
			`"SystemDisk":{"DiskType":"CLOUD_SSD","DiskId":"disk-aaaa","DiskSize":50},"PrivateIpAddresses":["10.0.0.1"],"Tags":[]}`
	}
	shaped := func(role, state, rid string) map[string]any {
		return map[string]any{"InstanceId": role, "InstanceState": state, "LatestOperation": "StopInstances",
			"LatestOperationState": "SUCCESS", "LatestOperationRequestId": rid, "InstanceName": "<string>", "CPU": "<number>",
			"CreatedTime": "<string>", "ExpiredTime": nil, "PrivateIpAddresses": "<array>", "Tags": "<array>",
			"SystemDisk": map[string]any{"DiskType": "<string>", "DiskId": "<string>", "DiskSize": "<number>"}}
	}
	resp := func(fields map[string]any) map[string]any { return map[string]any{"Response": fields} }
	tests := []struct {
		name   string
		cfg    Normalisation
		steps  []step
		want   []any // the last answers, one per step
		reason string
	}{
		{
			name: "request placeholders are stable",
			steps: []step{
				{model.ActionStop, `{"Response":{"RequestId":"` + ridStop + `"}}`, nil},
				{model.ActionDescribe, `{"Response":{"TotalCount":1,"RequestId":"` + ridDesc + `","InstanceSet":[` + instance("ins-aaaaaaa1", "STOPPED", ridStop) + `]}}`, nil},
			},
			want: []any{
				resp(map[string]any{"RequestId": "<request-1>"}),
				resp(map[string]any{"RequestId": "<request-2>", "InstanceSet": []any{shaped("$running1", "STOPPED", "<request-1>")}}),
			},
			reason: "the stop's RequestId is <request-1> wherever it appears, so LatestOperationRequestId = the stop's RequestId survives; the describe's own is the next number",
		},
		{
			name: "an unknown LatestOperationRequestId gets the next number, after the envelope's",
			steps: []step{
				{model.ActionDescribe, `{"Response":{"RequestId":"` + ridDesc + `","InstanceSet":[` + instance("ins-aaaaaaa1", "RUNNING", ridOld) + `]}}`, nil},
			},
			want:   []any{resp(map[string]any{"RequestId": "<request-1>", "InstanceSet": []any{shaped("$running1", "RUNNING", "<request-2>")}})},
			reason: "numbering starts with the envelope's RequestId, then fields in sorted key order",
		},
		{
			name: "InstanceSet keeps the roles' instances, sorted by role; TotalCount goes",
			steps: []step{
				{model.ActionDescribe, `{"Response":{"RequestId":"` + ridDesc + `","TotalCount":134,"InstanceSet":[` +
					instance("ins-bbbbbbb2", "STOPPED", ridStop) + `,` + instance("ins-zzzzzzzz", "RUNNING", ridOld) + `,` +
					instance("ins-aaaaaaa1", "STOPPED", ridStop) + `]}}`, nil},
			},
			want: []any{resp(map[string]any{"RequestId": "<request-1>", "InstanceSet": []any{
				shaped("$running1", "STOPPED", "<request-2>"), shaped("$running2", "STOPPED", "<request-2>")}})},
			reason: "a record must not depend on the rest of the fleet, nor on the order the target lists instances in; the unbound instance's RequestId takes no number",
		},
		{
			name: "TotalCount is kept when asked",
			cfg:  Normalisation{TotalCount: true},
			steps: []step{
				{model.ActionDescribe, `{"Response":{"RequestId":"` + ridDesc + `","TotalCount":0,"InstanceSet":[]}}`, nil},
			},
			want:   []any{resp(map[string]any{"RequestId": "<request-1>", "TotalCount": json.Number("0"), "InstanceSet": []any{}})},
			reason: "Normalisation.TotalCount",
		},
		{
			name: "roles replace instance IDs in messages; the message is kept",
			steps: []step{
				{model.ActionStop, `{"Response":{"Error":{"Code":"UnsupportedOperation.InstanceStateStopped","Message":"ins-aaaaaaa1 is STOPPED, ins-cccccccc too"},"RequestId":"` + ridStop + `"}}`, nil},
			},
			want: []any{resp(map[string]any{"RequestId": "<request-1>", "Error": map[string]any{
				"Code": "UnsupportedOperation.InstanceStateStopped", "Message": "$running1 is STOPPED, ins-cccccccc too"}})},
			reason: "bound IDs become roles everywhere; an ID the scenario did not bind is left as it is",
		},
		{
			name: "excluded by path",
			cfg:  Normalisation{Exclude: []string{"Response.Error.Message"}},
			steps: []step{
				{model.ActionStop, `{"Response":{"Error":{"Code":"InvalidInstanceId.Malformed","Message":"anything at all"},"RequestId":"` + ridStop + `"}}`, nil},
			},
			want:   []any{resp(map[string]any{"RequestId": "<request-1>", "Error": map[string]any{"Code": "InvalidInstanceId.Malformed"}})},
			reason: "a target's own wording can be left out; the Code always stays",
		},
		{
			name: "excluded under any array index, and kept inventory",
			cfg: Normalisation{Exclude: []string{"Response.InstanceSet.#.Tags"},
				Keep: []string{"Response.InstanceSet.#.SystemDisk.DiskType", "Response.InstanceSet.#.InstanceName"}},
			steps: []step{
				{model.ActionDescribe, `{"Response":{"RequestId":"` + ridDesc + `","InstanceSet":[` + instance("ins-aaaaaaa1", "RUNNING", ridStop) + `]}}`, nil},
			},
			want: []any{resp(map[string]any{"RequestId": "<request-1>", "InstanceSet": []any{map[string]any{
				"InstanceId": "$running1", "InstanceState": "RUNNING", "LatestOperation": "StopInstances",
				"LatestOperationState": "SUCCESS", "LatestOperationRequestId": "<request-2>", "InstanceName": "web-01", "CPU": "<number>",
				"CreatedTime": "<string>", "ExpiredTime": nil, "PrivateIpAddresses": "<array>",
				"SystemDisk": map[string]any{"DiskType": "CLOUD_SSD", "DiskId": "<string>", "DiskSize": "<number>"}}}})},
			reason: "# matches any index; Keep keeps an inventory value, even inside an object",
		},
		{
			name: "timestamps, durations and unknown UUIDs in text",
			steps: []step{
				{model.ActionStop, `{"Response":{"Error":{"Code":"RequestLimitExceeded","Message":"retry after 1.5s, at 2026-03-04T10:21:07Z; see 0c8f2a8e-1111-4e80-8661-77b5ff3cbc15 and ` + ridStop + `"},"RequestId":"` + ridStop + `"}}`, nil},
			},
			want: []any{resp(map[string]any{"RequestId": "<request-1>", "Error": map[string]any{"Code": "RequestLimitExceeded",
				"Message": "retry after <duration>, at <timestamp>; see <uuid> and <request-1>"}})},
			reason: "volatile text becomes placeholders; a known RequestId keeps its number inside text too",
		},
		{
			name: "accepted values read the same, others stay",
			steps: []step{
				{model.ActionDescribe, `{"Response":{"RequestId":"` + ridDesc + `","InstanceSet":[` + instance("ins-aaaaaaa1", "STOPPING", ridStop) + `,` +
					instance("ins-bbbbbbb2", "RUNNING", ridStop) + `]}}`,
					map[string][]string{"Response.InstanceSet.#.InstanceState": {"STOPPING", "STOPPED"}}},
			},
			want: []any{resp(map[string]any{"RequestId": "<request-1>", "InstanceSet": []any{
				shaped("$running1", "<STOPPING|STOPPED>", "<request-2>"), shaped("$running2", "RUNNING", "<request-2>")}})},
			reason: "a race between two acceptable values is not drift; a third value is",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := NewNormaliser(tc.cfg, roles)
			for i, st := range tc.steps {
				got, err := n.Response(st.action, []byte(st.raw), st.accept)
				if err != nil {
					t.Fatalf("step %d: %v", i+1, err)
				}
				if diff := cmp.Diff(tc.want[i], got); diff != "" {
					t.Errorf("step %d mismatch (-want +got):\n%s\nreason: %s", i+1, diff, tc.reason)
				}
			}
		})
	}
}

func TestNormaliserKeyOrderDoesNotMatter(t *testing.T) {
	t.Parallel()
	a := `{"Response":{"RequestId":"6ef60bec-0242-43af-bb20-270359fb54a7","Error":{"Message":"m","Code":"C"}}}`
	b := `{"Response":{"Error":{"Code":"C","Message":"m"},"RequestId":"6ef60bec-0242-43af-bb20-270359fb54a7"}}`
	va, err := NewNormaliser(Normalisation{}, nil).Response(model.ActionStop, []byte(a), nil)
	if err != nil {
		t.Fatal(err)
	}
	vb, err := NewNormaliser(Normalisation{}, nil).Response(model.ActionStop, []byte(b), nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(va, vb); diff != "" {
		t.Errorf("the same answer with its keys in another order differs (-a +b):\n%s", diff)
	}
	ja, _ := marshal(va, "  ")
	jb, _ := marshal(vb, "  ")
	if string(ja) != string(jb) {
		t.Errorf("encoded differently:\n%s\n%s", ja, jb)
	}
}

func TestNormaliserRefusesWhatIsNotAnEnvelope(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{`<html>bad gateway</html>`, `[1,2]`, `{"response":{}}`, `{"Response":"x"}`, `{"Response":{}} trailing`} {
		if _, err := NewNormaliser(Normalisation{}, nil).Response(model.ActionStop, []byte(raw), nil); !errors.Is(err, ErrNotEnvelope) {
			t.Errorf("%s: got %v, want ErrNotEnvelope", raw, err)
		}
	}
}

func TestPathMatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, path string
		want          bool
		reason        string
	}{
		{"Response.Error.Message", "Response.Error.Message", true, "the same path"},
		{"Response.InstanceSet.#.Uuid", "Response.InstanceSet.3.Uuid", true, "# is any index"},
		{"Response.InstanceSet.#.Uuid", "Response.InstanceSet.x.Uuid", false, "# is an index, not a name"},
		{"Response.Error", "Response.Error.Message", false, "a pattern names one path, not a subtree"},
		{"Response.Error.Message", "Response.Error", false, "nor an ancestor"},
	}
	for _, tc := range tests {
		if got := parsePath(tc.pattern).matches(parsePath(tc.path)); got != tc.want {
			t.Errorf("%s matches %s = %v; want %v (%s)", tc.pattern, tc.path, got, tc.want, tc.reason)
		}
	}
}
