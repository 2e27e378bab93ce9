package snapshot

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCompare(t *testing.T) {
	t.Parallel()
	rec := func(name string, steps ...string) *Record {
		r := &Record{Scenario: name}
		for i, s := range steps {
			v, err := decodeJSON([]byte(s))
			if err != nil {
				panic(err)
			}
			r.Steps = append(r.Steps, StepRecord{Name: "s" + string(rune('1'+i)), Request: "StopInstances {} (tc3)", Response: v})
		}
		return r
	}
	malformed := `{"Response":{"Error":{"Code":"InvalidInstanceId.Malformed","Message":"m"},"RequestId":"<request-1>"}}`
	notFound := `{"Response":{"Error":{"Code":"InvalidInstanceId.NotFound","Message":"m"},"RequestId":"<request-1>"}}`
	otherMsg := `{"Response":{"Error":{"Code":"InvalidInstanceId.Malformed","Message":"their words"},"RequestId":"<request-1>"}}`
	set1 := `{"Response":{"InstanceSet":[{"InstanceId":"$running1"}],"RequestId":"<request-1>"}}`
	set2 := `{"Response":{"InstanceSet":[{"InstanceId":"$running1"},{"InstanceId":"$running2"}],"RequestId":"<request-1>"}}`
	tests := []struct {
		name     string
		was, now []*Record
		opts     []Option
		want     []Change // of every drift, in order
		reason   string
	}{
		{name: "identical", was: []*Record{rec("a", malformed)}, now: []*Record{rec("a", malformed)}, reason: "no drift"},
		{name: "one code", was: []*Record{rec("a", malformed)}, now: []*Record{rec("a", notFound)},
			want:   []Change{{"Response.Error.Code", `"InvalidInstanceId.Malformed"`, `"InvalidInstanceId.NotFound"`}},
			reason: "the path names the field, was and now its values"},
		{name: "ignored message", was: []*Record{rec("a", malformed)}, now: []*Record{rec("a", otherMsg)},
			opts: []Option{Ignore("Response.Error.Message")}, reason: "Ignore leaves a known difference out"},
		{name: "not ignored message", was: []*Record{rec("a", malformed)}, now: []*Record{rec("a", otherMsg)},
			want: []Change{{"Response.Error.Message", `"m"`, `"their words"`}}, reason: "messages are compared by default"},
		{name: "an instance more", was: []*Record{rec("a", set1)}, now: []*Record{rec("a", set2)},
			want:   []Change{{"Response.InstanceSet.1", Absent, `{"InstanceId":"$running2"}`}},
			reason: "an added array element is named by its index"},
		{name: "a step fewer", was: []*Record{rec("a", malformed, malformed)}, now: []*Record{rec("a", malformed)},
			want: []Change{{"(step)", "StopInstances {} (tc3)", Absent}}, reason: "a missing step is drift"},
		{name: "a scenario fewer, one more", was: []*Record{rec("a", malformed)}, now: []*Record{rec("b", malformed)},
			want:   []Change{{"(scenario)", "recorded", Absent}, {"(scenario)", Absent, "recorded"}},
			reason: "a scenario recorded on one side only is drift, sorted by name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []Change
			for _, d := range Compare(tc.was, tc.now, tc.opts...) {
				got = append(got, d.Changes...)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Compare mismatch (-want +got):\n%s\nreason: %s", diff, tc.reason)
			}
		})
	}
}

func TestCompareRequestChange(t *testing.T) {
	t.Parallel()
	was := []*Record{{Scenario: "a", Steps: []StepRecord{{Name: "x", Request: "StopInstances {} (tc3)", Response: "same"}}}}
	now := []*Record{{Scenario: "a", Steps: []StepRecord{{Name: "x", Request: "StopInstances {} (tc3get)", Response: "same"}}}}
	ds := Compare(was, now)
	if len(ds) != 1 || ds[0].Changes[0].Path != "(request)" || ds[0].Diff != "" {
		t.Errorf("got %+v; want the request named, no answer diff", ds)
	}
}

func TestWriteDrifts(t *testing.T) {
	t.Parallel()
	was, _ := decodeJSON([]byte(`{"Response":{"Error":{"Code":"InvalidInstanceId.Malformed"}}}`))
	now, _ := decodeJSON([]byte(`{"Response":{"Error":{"Code":"InvalidInstanceId.NotFound"}}}`))
	ds := Compare([]*Record{{Scenario: "seed-errors", Steps: []StepRecord{{Name: "malformed", Response: was}}}},
		[]*Record{{Scenario: "seed-errors", Steps: []StepRecord{{Name: "malformed", Response: now}}}})
	var b bytes.Buffer
	if err := WriteDrifts(&b, ds, "recorded", "now"); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`seed-errors / step 1 (malformed): Response.Error.Code: was "InvalidInstanceId.Malformed", now "InvalidInstanceId.NotFound"` + "\n",
		"  (-recorded +now):\n",
		`-`, `+`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
