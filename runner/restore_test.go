package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// LeftChanged trusts a listing only when no stop or start that named the
// instance may have taken effect after it began.
func TestLeftChanged(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	list := func(sent int, states ...string) *Exchange {
		var set []map[string]string
		for i := 0; i+1 < len(states); i += 2 {
			set = append(set, map[string]string{"InstanceId": states[i], "InstanceState": states[i+1]})
		}
		raw, _ := json.Marshal(set)
		return &Exchange{Call: tcapi.Call{Action: model.ActionDescribe}, Sent: at(sent), Received: at(sent).Add(time.Millisecond),
			Response: tcapi.Response{Fields: map[string]json.RawMessage{"TotalCount": json.RawMessage(fmt.Sprint(len(set))), "InstanceSet": raw}}}
	}
	stop := func(sent, answered int, ids ...string) *Exchange {
		x := &Exchange{Call: tcapi.Call{Action: model.ActionStop, Params: []tcapi.Param{{Name: "InstanceIds", Value: model.Strs(ids...)}}},
			Sent: at(sent), Received: at(answered)}
		if answered < 0 {
			x.Received, x.Err = at(-answered), errors.New("cancelled")
		}
		return x
	}
	refused := func(x *Exchange) *Exchange { x.Outcome.Code = "AuthFailure.SignatureFailure"; return x }
	want := map[string]model.InstanceState{"ins-a": model.Running}
	for _, tc := range []struct {
		name   string
		xs     []*Exchange
		want   []Left
		reason string
	}{
		{"back", []*Exchange{list(0, "ins-a", "RUNNING"), stop(1, 2, "ins-a"), list(3, "ins-a", "STOPPED"), list(4, "ins-a", "RUNNING")}, nil,
			"the latest listing, after the stop was answered, shows it as found"},
		{"left stopped", []*Exchange{stop(1, 2, "ins-a"), list(3, "ins-a", "STOPPED")}, []Left{{"ins-a", model.Running, model.Stopped}},
			"listed STOPPED after the stop"},
		{"out of order", []*Exchange{stop(1, 2, "ins-a"), list(5, "ins-a", "STOPPED"), list(3, "ins-a", "RUNNING")}, []Left{{"ins-a", model.Running, model.Stopped}},
			"the transcript is in the order answers came; the latest listing is the one sent last"},
		{"stop answered after the listing", []*Exchange{list(3, "ins-a", "RUNNING"), stop(1, 4, "ins-a")}, []Left{{"ins-a", model.Running, ""}},
			"the stop may have taken effect after the listing began"},
		{"stop cut short, listed after", []*Exchange{stop(1, -2, "ins-a"), list(5, "ins-a", "RUNNING")}, nil,
			"a request cut short took effect within cutShortGrace of the suite giving up on it, or never"},
		{"stop cut short, listed soon after", []*Exchange{stop(1, -2, "ins-a"), list(3, "ins-a", "RUNNING")}, []Left{{"ins-a", model.Running, ""}},
			"a request cut short may still arrive after the listing"},
		{"never listed", []*Exchange{stop(1, 2, "ins-a")}, []Left{{"ins-a", model.Running, ""}},
			"nothing says where it is"},
		{"refused listing", []*Exchange{stop(1, 2, "ins-a"), list(3, "ins-a", "STOPPED"), refused(list(4, "ins-a", "RUNNING"))}, []Left{{"ins-a", model.Running, model.Stopped}},
			"an error answer lists nothing"},
		{"other instances", []*Exchange{stop(1, 2, "ins-b"), list(3, "ins-a", "RUNNING", "ins-b", "STOPPED")}, nil,
			"only the instances wanted are listed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, LeftChanged(tc.xs, want)); diff != "" {
				t.Errorf("LeftChanged mismatch (-want +got):\n%s\nreason: %s", diff, tc.reason)
			}
		})
	}
}

func TestMovedNamesEveryStopAndStart(t *testing.T) {
	t.Parallel()
	xs := []*Exchange{
		{Call: tcapi.Call{Action: model.ActionStop, Params: []tcapi.Param{{Name: "InstanceIds", Value: model.Strs("ins-a", "ins-b")}}}},
		{Call: tcapi.Call{Action: model.ActionStart, Params: []tcapi.Param{{Name: "InstanceIds.0", Value: model.Str("ins-c")}}}},
		{Call: tcapi.Call{Action: model.ActionDescribe, Params: []tcapi.Param{{Name: "InstanceIds", Value: model.Strs("ins-d")}}}},
	}
	if diff := cmp.Diff(map[string]bool{"ins-a": true, "ins-b": true, "ins-c": true}, Moved(xs)); diff != "" {
		t.Errorf("Moved mismatch (-want +got):\n%s", diff)
	}
}
