package snapshot

import (
	"errors"
	"strings"
	"testing"

	"github.com/cvmconform/cvmconform/fixtures"
	"github.com/cvmconform/cvmconform/model"
)

// TestScenarios: every scenario of fixtures/scenarios parses, and between
// them they cover what the issue asks for.
func TestScenarios(t *testing.T) {
	t.Parallel()
	scs, err := Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	if len(scs) != len(fixtures.ScenarioNames()) {
		t.Fatalf("%d scenarios parsed of %d", len(scs), len(fixtures.ScenarioNames()))
	}
	styles := map[string]bool{}
	var bursts int
	for _, sc := range scs {
		for _, st := range sc.Steps {
			styles[orDefault(st.Style, "tc3")] = true
			if st.Burst > 1 {
				bursts++
			}
		}
	}
	for _, s := range []string{"tc3", "tc3get", "v1get-hmacsha1", "v1get-hmacsha256", "v1post-hmacsha1", "v1post-hmacsha256"} {
		if !styles[s] {
			t.Errorf("no scenario sends a %s request", s)
		}
	}
	if bursts == 0 {
		t.Error("no scenario has a burst")
	}
	all := map[string]bool{}
	for _, sc := range scs {
		for _, st := range sc.Steps {
			all[strings.SplitN(st.Name, ":", 2)[0]] = true
		}
	}
	// seed §6's codes that a request can provoke (InternalServerError
	// cannot be, on purpose).
	for _, code := range []string{"InvalidInstanceId.Malformed", "InvalidInstanceId.NotFound", "InvalidParameterValue",
		"InvalidParameterValue.LimitExceeded", "MissingParameter"} {
		if !all[code] {
			t.Errorf("no step is named after seed §6's %s", code)
		}
	}
	order := PlayOrder(scs)
	if last := order[len(order)-1]; !last.bursts() {
		t.Errorf("PlayOrder ends with %s; bursts go last", last.Name)
	}
}

func TestParseScenarioErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, want string
	}{
		{"Bad_Name", `{}`, "lower-case letters"},
		{"unknown-field", `{"title":"t","source":"s","steps":[{"name":"n","action":"StopInstances"}],"colour":1}`, `unknown field "colour"`},
		{"no-steps", `{"title":"t","source":"s","steps":[]}`, "at least one step"},
		{"undeclared-role", `{"title":"t","source":"s","steps":[{"name":"n","action":"StopInstances","params":{"InstanceIds":["$running1"]}}]}`, "undeclared role $running1"},
		{"bad-state", `{"title":"t","source":"s","roles":{"$x":"PENDING"},"steps":[{"name":"n","action":"StopInstances"}]}`, "not RUNNING, STOPPED or NONEXISTENT"},
		{"bad-style", `{"title":"t","source":"s","steps":[{"name":"n","action":"StopInstances","style":"v2"}]}`, `style "v2"`},
		{"bad-action", `{"title":"t","source":"s","steps":[{"name":"n","action":"RebootInstances"}]}`, `action "RebootInstances"`},
		{"settle-missing", `{"title":"t","source":"s","roles":{"$m":"NONEXISTENT"},"steps":[{"name":"n","action":"StopInstances","settle":["$m"]}]}`, "settle names $m"},
		{"bad-path", `{"title":"t","source":"s","normalise":{"exclude":["Response..Error"]},"steps":[{"name":"n","action":"StopInstances"}]}`, "empty segment"},
		{"bad-charge", `{"title":"t","source":"s","roles":{"$p":{"state":"RUNNING","chargeType":"FREE"}},"steps":[{"name":"n","action":"StopInstances"}]}`, `chargeType "FREE"`},
	}
	for _, tc := range tests {
		_, err := ParseScenario(tc.name, []byte(tc.file))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v; want an error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestParamsKeepTheirOrder(t *testing.T) {
	t.Parallel()
	sc, err := ParseScenario("x", []byte(`{"title":"t","source":"s","roles":{"$r":"RUNNING"},"steps":[{"name":"n","action":"StopInstances",
		"params":{"StopType":"HARD","InstanceIds":["$r"],"ForceStop":true},"settle":["$r"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := `StopInstances {"StopType":"HARD","InstanceIds":["$r"],"ForceStop":true} (tc3); then settle $r`
	if got := sc.Steps[0].Summary(); got != want {
		t.Errorf("Summary = %s; want %s", got, want)
	}
}

func TestBind(t *testing.T) {
	t.Parallel()
	fleet := []model.View{
		{ID: "ins-zzzzzzz1", State: model.Running, ChargeType: model.PostpaidByHour},
		{ID: "ins-bbbbbbb1", State: model.Running, ChargeType: model.Prepaid},
		{ID: "ins-aaaaaaa1", State: model.Running, ChargeType: model.PostpaidByHour},
		{ID: "ins-00000000", State: model.Stopped, ChargeType: model.PostpaidByHour},
		{ID: "ins-ccccccc1", State: model.Running, ChargeType: model.PostpaidByHour, LatestOperationState: model.OpOperating},
		{ID: "ins-yyyyyyy1", State: model.Running, ChargeType: model.PostpaidByHour},
	}
	all := func(string) bool { return true }
	sc := &Scenario{Roles: map[string]Role{
		"$running1": {State: model.Running}, "$running2": {State: model.Running},
		"$prepaid":  {State: model.Running, ChargeType: model.Prepaid},
		"$stopped1": {State: model.Stopped}, "$missing": {State: Nonexistent}, "$many": {State: Nonexistent, Count: 2},
	}}
	b, err := bind(sc, fleet, all)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"$running1": "ins-aaaaaaa1", // the smallest RUNNING ID
		"$running2": "ins-yyyyyyy1", // ins-bbbbbbb1 went to $prepaid (constrained roles first), ins-ccccccc1 is in flight
		"$prepaid":  "ins-bbbbbbb1",
		"$stopped1": "ins-00000000",
		"$many":     "ins-00000001,ins-00000002", // ins-00000000 exists: skipped
		"$missing":  "ins-00000003",
	}
	for role, ids := range want {
		if got := strings.Join(b.ids[role], ","); got != ids {
			t.Errorf("%s bound to %s; want %s", role, got, ids)
		}
	}
	if b.labels["ins-00000002"] != "$many[2]" || b.labels["ins-00000003"] != "$missing" {
		t.Errorf("labels: %v", b.labels)
	}
	if _, err := bind(sc, fleet, func(id string) bool { return id == "ins-aaaaaaa1" }); !errors.Is(err, ErrUnbound) {
		t.Errorf("a role the allow-list cannot fill: got %v; want ErrUnbound", err)
	}
}
