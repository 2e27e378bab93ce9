package baseline

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/runner/report"
)

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, file, want, reason string
	}{
		{"not a list", "check: SI-ID-01\nreason: x\n", "want a list of entries", "the file is a list, one entry each"},
		{"unknown key", "- check: SI-ID-01\n  reason: x\n  untill: 2026-01-01\n", `unknown field "untill"`, "a misspelt until must not make an entry last for ever"},
		{"misspelt key", "- check: SI-ID-01\n  reason: x\n  untill: 2026-01-01\n", "did you mean until?", "a misspelt key gets the key it was meant to be"},
		{"keys listed", "- check: SI-ID-01\n  reason: x\n  flakey: true\n", "optionally rule or case, until, flaky", "the message lists every key"},
		{"no check", "- reason: x\n", "b.yaml:1: the entry names no check", "an entry lists a check"},
		{"no reason", "- check: SI-ID-01\n- check: SI-ID-02\n  reason: \" \"\n", "b.yaml:1: SI-ID-01 has no reason", "a known failure says why"},
		{"rule and case", "- check: SI-HOSTILE-02\n  rule: PARAM-TYPE\n  case: ids/leading-space\n  reason: x\n", "names both a rule and a case", "one narrowing an entry"},
		{"bad until", "- check: SI-ID-01\n  reason: x\n  until: 31/12/2026\n", `until "31/12/2026" is not a day YYYY-MM-DD`, "until is a day"},
		{"twice", "- check: SI-ID-01\n  reason: x\n- check: SI-ID-01\n  reason: y\n", "b.yaml:3: SI-ID-01 is listed already at line 1", "one entry a subject"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("b.yaml", []byte(tc.file))
			require.Error(t, err, tc.reason)
			require.Contains(t, err.Error(), tc.want, tc.reason)
			require.NotContains(t, err.Error(), "\n", "one line")
		})
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	f, err := Parse("b.yaml", []byte(`# known failures
- check: SI-ID-01
  reason: malformed IDs answer NotFound
  until: 2026-06-30     # unquoted: YAML's timestamp, read as the day
- check: SI-HOSTILE-02
  case: ids/leading-space
  reason: "TODO: why"
`))
	require.NoError(t, err)
	require.Equal(t, []Entry{
		{Check: "SI-ID-01", Reason: "malformed IDs answer NotFound", Until: "2026-06-30", Line: 2},
		{Check: "SI-HOSTILE-02", Case: "ids/leading-space", Reason: "TODO: why", Line: 5},
	}, f.Entries)
	f, err = Parse("b.yaml", []byte("# nothing known\n"))
	require.NoError(t, err)
	require.Empty(t, f.Entries, "an empty file is an empty baseline")
}

func TestValidate(t *testing.T) {
	t.Parallel()
	scope := Scope{Checks: []string{"SI-ID-01", "SI-HOSTILE-02"}, What: "check of the catalog", Rules: RuleNames(), Cases: CaseNames()}
	for _, tc := range []struct {
		name  string
		entry Entry
		want  string
	}{
		{"unknown ID", Entry{Check: "SI-ID-10", Line: 4}, `b.yaml:4: "SI-ID-10" is no check of the catalog; did you mean SI-ID-01?`},
		{"unknown rule", Entry{Check: "SI-ID-01", Rule: "ID-MALFORMD", Line: 1}, `rule "ID-MALFORMD" is no rule of the model`},
		{"unknown case", Entry{Check: "SI-HOSTILE-02", Case: "ids/nope", Line: 1}, `case "ids/nope" is no case of fixtures/hostile/corpus.txt`},
	} {
		err := Validate(File{Path: "b.yaml", Entries: []Entry{tc.entry}}, scope)
		require.Error(t, err, tc.name)
		require.Contains(t, err.Error(), tc.want, tc.name)
	}
	ok := File{Path: "b.yaml", Entries: []Entry{{Check: "SI-ID-01", Rule: "ID-MALFORMED"}, {Check: "SI-HOSTILE-02", Case: "ids/leading-space"},
		{Check: "SI-ID-01", Rule: "OBSERVED-STATE"}}}
	require.NoError(t, Validate(ok, scope), "a model rule, a finding's rule and a corpus case are known")
}

// hostileFailure is an SI-HOSTILE failure as conformance/hostile.go writes
// it: the mishandled cases, one a line, then the exchanges.
func hostileFailure(cases ...string) report.Check {
	ce := "mishandled (" + string(rune('0'+len(cases))) + " of 50 cases):\n"
	for _, c := range cases {
		ce += "  " + c + ": sent params: {\"InstanceIds\":[\" {{.ID}}\"]} — expected InvalidInstanceId.Malformed — got InvalidInstanceId.NotFound\n"
	}
	ce += "\n 1. # case " + cases[0] + "\n    > StopInstances …\n    ✗ ID-MALFORMED: expected …\n"
	return report.Check{ID: "SI-HOSTILE-02", Status: report.Fail, Reason: "cases mishandled: " + strings.Join(cases, ", "), Counterexample: ce}
}

func sampleRun() report.Run {
	return report.Run{Checks: []report.Check{
		{ID: "SI-ID-01", Status: report.Fail, Reason: "ID-MALFORMED: expected InvalidInstanceId.Malformed; got InvalidInstanceId.NotFound"},
		{ID: "SI-ID-02", Status: report.Pass},
		{ID: "SI-ID-04", Status: report.Fail, Reason: "BATCH-LIMIT-DUPLICATES: expected …"},
		hostileFailure("ids/leading-space", "ids/trailing-tab"),
		{ID: "SI-STATE-04", Status: report.Skip, Reason: "no PENDING instance"},
		{ID: "SI-RATE-01", Status: report.Error, Reason: "connection reset"},
	}}
}

var today = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func TestApply(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		entries []Entry
		states  []report.BaselineState
		status  map[string]report.Status // checks whose status changes
		reason  string
	}{
		{"known", []Entry{{Check: "SI-ID-01", Reason: "r"}},
			[]report.BaselineState{report.BaselineKnown}, map[string]report.Status{"SI-ID-01": report.Known},
			"a listed failure is known"},
		{"known until today", []Entry{{Check: "SI-ID-01", Reason: "r", Until: "2026-05-01"}},
			[]report.BaselineState{report.BaselineKnown}, map[string]report.Status{"SI-ID-01": report.Known},
			"until is the last day the entry holds"},
		{"stale", []Entry{{Check: "SI-ID-02", Reason: "r"}},
			[]report.BaselineState{report.BaselineStale}, nil,
			"a listed check that passes is stale"},
		{"expired", []Entry{{Check: "SI-ID-01", Reason: "r", Until: "2026-04-30"}},
			[]report.BaselineState{report.BaselineExpired}, nil,
			"an expired entry lists nothing: the failure is a failure again"},
		{"not judged", []Entry{{Check: "SI-STATE-04", Reason: "r"}, {Check: "SI-RATE-01", Reason: "r"}},
			[]report.BaselineState{report.BaselineNotJudged, report.BaselineNotJudged}, nil,
			"a skip or an error cannot prove an entry stale"},
		{"flaky passes", []Entry{{Check: "SI-ID-02", Reason: "r", Flaky: true}},
			[]report.BaselineState{report.BaselineNotJudged}, nil,
			"a flaky entry's check that passes cannot prove it stale"},
		{"flaky fails", []Entry{{Check: "SI-ID-01", Reason: "r", Flaky: true}},
			[]report.BaselineState{report.BaselineKnown}, map[string]report.Status{"SI-ID-01": report.Known},
			"a flaky entry's check that fails is known"},
		{"unused", []Entry{{Check: "SI-PROP-01", Reason: "r"}},
			[]report.BaselineState{report.BaselineUnused}, nil,
			"a check left out of the run"},
		{"rule named", []Entry{{Check: "SI-ID-01", Rule: "ID-MALFORMED", Reason: "r"}},
			[]report.BaselineState{report.BaselineKnown}, map[string]report.Status{"SI-ID-01": report.Known},
			"the failure names the rule, and no other"},
		{"rule not named", []Entry{{Check: "SI-ID-04", Rule: "BATCH-LIMIT", Reason: "r"}},
			[]report.BaselineState{report.BaselineStale}, nil,
			"BATCH-LIMIT-DUPLICATES is not BATCH-LIMIT: the check fails for an unlisted rule, and the listed one passes"},
		{"every case", []Entry{{Check: "SI-HOSTILE-02", Case: "ids/leading-space", Reason: "r"}, {Check: "SI-HOSTILE-02", Case: "ids/trailing-tab", Reason: "r"}},
			[]report.BaselineState{report.BaselineKnown, report.BaselineKnown}, map[string]report.Status{"SI-HOSTILE-02": report.Known},
			"every mishandled case listed: the failure is known"},
		{"one case of two", []Entry{{Check: "SI-HOSTILE-02", Case: "ids/leading-space", Reason: "r"}},
			[]report.BaselineState{report.BaselineKnown}, nil,
			"a case not listed keeps the check a failure"},
		{"case fixed", []Entry{{Check: "SI-HOSTILE-02", Case: "ids/trailing-nul", Reason: "r"}},
			[]report.BaselineState{report.BaselineStale}, nil,
			"a listed case the target now handles is stale"},
		{"by rule", []Entry{{Check: "SI-HOSTILE-02", Rule: "ID-MALFORMED", Reason: "r"}},
			[]report.BaselineState{report.BaselineKnown}, map[string]report.Status{"SI-HOSTILE-02": report.Known},
			"a hostile failure narrowed by the one rule its cases break"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := sampleRun()
			got := Apply(in, File{Path: "b.yaml", Entries: tc.entries}, today)
			require.NotNil(t, got.Baseline)
			require.Equal(t, "b.yaml", got.Baseline.File)
			var states []report.BaselineState
			for _, e := range got.Baseline.Entries {
				states = append(states, e.State)
				require.NotEmpty(t, e.Detail)
			}
			require.Equal(t, tc.states, states, tc.reason)
			for i, c := range got.Checks {
				want := in.Checks[i].Status
				if s, ok := tc.status[c.ID]; ok {
					want = s
				}
				require.Equal(t, want, c.Status, "%s: %s", c.ID, tc.reason)
			}
			require.Equal(t, sampleRun(), in, "Apply changes no check of its argument")
		})
	}
}

func TestApplyWords(t *testing.T) {
	t.Parallel()
	got := Apply(sampleRun(), File{Path: "b.yaml", Entries: []Entry{
		{Check: "SI-ID-02", Reason: "r"},
		{Check: "SI-ID-01", Reason: "r", Until: "2026-01-31"},
		{Check: "SI-HOSTILE-02", Case: "ids/trailing-nul", Reason: "r"},
	}}, today)
	var details []string
	for _, e := range got.Baseline.Entries {
		details = append(details, e.Detail)
	}
	require.Equal(t, []string{
		"SI-ID-02 now passes: remove it from the baseline",
		"SI-ID-01 expired on 2026-01-31: fix the failure, or give the entry a later until",
		"SI-HOSTILE-02 fails, but no longer for case ids/trailing-nul: remove the entry from the baseline",
	}, details)
	require.Equal(t, report.NotConformant, got.Verdict(), "stale and expired entries fail the gate")
}

// Written, then read and applied: every failure is known, and the entries
// that were known keep their reason, until and narrowing.
func TestWriteRoundTrip(t *testing.T) {
	t.Parallel()
	first := Apply(sampleRun(), File{Path: "old.yaml", Entries: []Entry{
		{Check: "SI-HOSTILE-02", Case: "ids/leading-space", Reason: "trims IDs", Until: "2026-12-31", Flaky: true},
		{Check: "SI-ID-02", Reason: "stale: left out"},
	}}, today)
	var b bytes.Buffer
	require.NoError(t, Write(&b, first))
	out := b.String()
	require.Contains(t, out, "# ID-MALFORMED: expected InvalidInstanceId.Malformed; got InvalidInstanceId.NotFound\n- check: \"SI-ID-01\"\n  rule: \"ID-MALFORMED\"\n  reason: \"TODO: why\"\n", "each entry narrowed to the rule its failure names")
	require.Contains(t, out, "- check: \"SI-HOSTILE-02\"\n  case: \"ids/leading-space\"\n  flaky: true\n  reason: \"trims IDs\"\n  until: \"2026-12-31\"\n")
	require.NotContains(t, out, "SI-ID-02", "a stale entry is dropped")
	f, err := Parse("new.yaml", b.Bytes())
	require.NoError(t, err)
	require.True(t, f.Entries[slices.IndexFunc(f.Entries, func(e Entry) bool { return e.Check == "SI-HOSTILE-02" })].Flaky, "flaky is kept")
	again := Apply(sampleRun(), f, today)
	for _, c := range again.Checks {
		require.NotEqual(t, report.Fail, c.Status, "%s: every failure is known", c.ID)
	}
	for _, e := range again.Baseline.Entries {
		require.Equal(t, report.BaselineKnown, e.State, e.Check)
	}
	require.Equal(t, report.Incomplete, again.Verdict(), "no failure is left: only SI-RATE-01's error keeps it from CONFORMANT")

	b.Reset()
	require.NoError(t, Write(&b, report.Run{Checks: []report.Check{{ID: "SI-ID-02", Status: report.Pass}}}))
	f, err = Parse("none.yaml", b.Bytes())
	require.NoError(t, err, b.String())
	require.Empty(t, f.Entries, "no failure, an empty baseline")
}

func TestCasesAndRules(t *testing.T) {
	t.Parallel()
	c := hostileFailure("ids/leading-space", "json/empty-body")
	require.Equal(t, []string{"ids/leading-space", "json/empty-body"}, Cases(c))
	require.Equal(t, []string{"ID-MALFORMED"}, Rules(c))
	require.Empty(t, Cases(report.Check{Counterexample: "  ids/x: sent …"}), "only under a mishandled list")
	require.Equal(t, []string{"RATE-LIMIT", "OBSERVED-STATE"},
		Rules(report.Check{Reason: "#9 OBSERVED-STATE: ins-1: got RUNNING", Counterexample: "RATE-LIMIT, PARAM-TYPES: …"}),
		"each in RuleNames' order; PARAM-TYPES is not PARAM-TYPE")
}

// A snapshot verification's failure names the paths that drifted, as
// its drift lines print them; a rule entry narrows the scenario to one,
// and a model rule's name in a drifted value is not a path.
func TestDriftPaths(t *testing.T) {
	t.Parallel()
	c := report.Check{ID: "seed-errors", Status: report.Fail, Counterexample: `seed-errors / step 1 (InvalidInstanceId.Malformed: ins-1122, the seed's own example): Response.Error.Code: was "ID-MALFORMED", now "B"
  (-recorded +now):
    x: y: was z
seed-errors / step 6 (MissingParameter: no InstanceIds): Response.Error.Message: was "a", now "b"
seed-errors / step 6 (MissingParameter: no InstanceIds): Response.Error.Code: was "a", now "b"
seed-errors: (scenario): was recorded, now (absent)
`}
	require.Equal(t, []string{"Response.Error.Code", "Response.Error.Message", "(scenario)"}, DriftPaths(c))
	require.Empty(t, DriftPaths(report.Check{ID: "other", Counterexample: c.Counterexample}), "only the check's own lines")

	run := report.Run{Kind: report.KindSnapshot, Checks: []report.Check{c}}
	entry := func(rule string) File {
		return File{Entries: []Entry{{Check: "seed-errors", Rule: rule, Reason: "r"}}}
	}
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	got := Apply(run, entry("Response.Error.Message"), day)
	require.Equal(t, report.BaselineKnown, got.Baseline.Entries[0].State)
	require.Equal(t, report.Fail, got.Checks[0].Status, "Code and (scenario) drifted too: not covered")
	got = Apply(run, entry("ID-MALFORMED"), day)
	require.Equal(t, report.BaselineStale, got.Baseline.Entries[0].State, "a snapshot's rules are its paths, not the model's")
	run.Kind = report.KindRun
	require.Equal(t, report.BaselineKnown, Apply(run, entry("ID-MALFORMED"), day).Baseline.Entries[0].State, "a run's are the model's")
	run.Kind = report.KindSnapshot
	f := File{Entries: []Entry{{Check: "seed-errors", Rule: "Response.Error.Message", Reason: "r"}, {Check: "seed-errors", Rule: "Response.Error.Code", Reason: "r"},
		{Check: "seed-errors", Rule: "(scenario)", Reason: "r"}}}
	require.Equal(t, report.Known, Apply(run, f, day).Checks[0].Status, "every drifted path listed")
}

// TestWrittenBaselineDoesNotHideANewRule: a baseline written from a run
// whose SI-HOSTILE-02 mishandles IDs (ID-MALFORMED) lists that rule, so a
// later run in which the same check also mishandles types keeps it a
// failure, where a whole-check entry would have called it known.
func TestWrittenBaselineDoesNotHideANewRule(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	require.NoError(t, Write(&b, report.Run{Checks: []report.Check{hostileFailure("ids/leading-space")}}))
	f, err := Parse("b.yaml", b.Bytes())
	require.NoError(t, err)
	require.Equal(t, []Entry{{Check: "SI-HOSTILE-02", Rule: "ID-MALFORMED", Reason: TODO, Line: f.Entries[0].Line}}, f.Entries)

	worse := hostileFailure("ids/leading-space")
	worse.Counterexample += "\n 2. # case types/instanceids-string\n    > StopInstances …\n    ✗ PARAM-TYPE: expected …\n"
	got := Apply(report.Run{Checks: []report.Check{worse}}, f, today)
	require.Equal(t, report.Fail, got.Checks[0].Status, "PARAM-TYPE is not listed: the check is a failure again")
	same := Apply(report.Run{Checks: []report.Check{hostileFailure("ids/leading-space")}}, f, today)
	require.Equal(t, report.Known, same.Checks[0].Status, "the same failure is known")
}

func TestPlaceholders(t *testing.T) {
	t.Parallel()
	f := File{Entries: []Entry{{Check: "SI-ID-01", Reason: TODO}, {Check: "SI-ID-04", Reason: "parser rewrite"}}}
	require.Equal(t, []Entry{{Check: "SI-ID-01", Reason: TODO}}, Placeholders(f))
}
