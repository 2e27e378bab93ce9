package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// sampleJudged is a report of three recordings judged, as the passive
// judge builds it. It carries a seed and lanes, which no judged report
// has, to prove that the reporters consult Kind and leave them out, and a
// counterexample that cites the seed document (§1), as findings do.
func sampleJudged() Run {
	return Run{
		Kind:     KindRecorded,
		Target:   "a.yaml, b.har, c.jsonl",
		Region:   "ap-guangzhou",
		Seed:     bigSeed,
		Lanes:    3,
		Fleet:    "4 named or listed",
		Started:  time.Date(2025, 12, 1, 8, 0, 0, 0, time.UTC),
		Duration: 100 * time.Second,
		Requests: 212,
		Checks: []Check{
			{ID: "a.yaml", Title: "vcrpy cassette, 200 exchanges", Spec: "the model", Severity: "MUST", Status: Pass,
				Reason: "200 judged, 0 not judged", Duration: 90 * time.Second, Requests: 200},
			{ID: "b.har", Title: "HAR 1.2, 11 exchanges", Spec: "the model", Severity: "MUST", Status: Fail,
				Reason:         "#3 OBSERVED-STATE: ins-r8hr2upy: expected …",
				Counterexample: "b.har #3: OBSERVED-STATE\n  ✗ OBSERVED-STATE [StopInstances succeeded: seed §1]",
				Duration:       6 * time.Second, Requests: 11},
			{ID: "c.jsonl", Title: "cvmconform transcript, 1 exchanges", Spec: "the model", Severity: "MUST", Status: Skip,
				Reason: "nothing to judge: 0 judged, 1 not judged (DescribeImages ×1)", Requests: 1},
		},
	}
}

func TestKindGolden(t *testing.T) {
	t.Parallel()
	proxy := sampleJudged()
	proxy.Kind, proxy.Target, proxy.Checks = KindProxy, "http://127.0.0.1:8080", proxy.Checks[1:2]
	proxy.Requests, proxy.Duration = proxy.Checks[0].Requests, proxy.Checks[0].Duration
	for _, tc := range []struct {
		name   string
		render func(*bytes.Buffer, Run) error
		run    Run
	}{
		{"recorded.console.golden", func(b *bytes.Buffer, r Run) error { return Console(b, r, ConsoleOptions{}) }, sampleJudged()},
		{"recorded.json.golden", func(b *bytes.Buffer, r Run) error { return JSON(b, r) }, sampleJudged()},
		{"recorded.junit.golden", func(b *bytes.Buffer, r Run) error { return JUnit(b, r) }, sampleJudged()},
		{"proxy.console.golden", func(b *bytes.Buffer, r Run) error { return Console(b, r, ConsoleOptions{}) }, proxy},
	} {
		var b bytes.Buffer
		require.NoError(t, tc.render(&b, tc.run))
		golden(t, tc.name, b.String())
	}
}

// runOnly is what only a run's report says: a judged report that says
// any of it is wrong about what it is.
var runOnly = []*regexp.Regexp{
	regexp.MustCompile(`conformance run`),
	regexp.MustCompile(`(?m)^\s*seed:`),    // the console header's seed line
	regexp.MustCompile(`--seed`),           // a replay command
	regexp.MustCompile(`name="seed"`),      // a JUnit property
	regexp.MustCompile(`"seed_text": "\d`), // a JSON seed
	regexp.MustCompile(`"seed": [1-9]`),    // likewise
	regexp.MustCompile(`req/s|lanes? \(`),  // the run's own rate and lanes
	regexp.MustCompile(`"lanes": [1-9]`),   // likewise, in JSON
	regexp.MustCompile(`(?m)^\s*(target|fleet):`),
}

// requireJudged fails if out, a judged report, says anything only a run
// says.
func requireJudged(t *testing.T, what, out string) {
	t.Helper()
	for _, re := range runOnly {
		require.NotRegexp(t, re, out, "%s of judged traffic says what only a run says\n%s", what, out)
	}
}

// A report of judged traffic says what was judged, and nothing that only
// a run has, in every renderer, for both judged kinds.
func TestKindJudgedSaysNoRun(t *testing.T) {
	t.Parallel()
	for _, kind := range []Kind{KindRecorded, KindProxy, KindSnapshot} {
		r := sampleJudged()
		r.Kind = kind
		var console, js, junit bytes.Buffer
		require.NoError(t, Console(&console, r, ConsoleOptions{Color: true}))
		require.NoError(t, JSON(&js, r))
		require.NoError(t, JUnit(&junit, r))
		for what, out := range map[string]string{"console": console.String(), "JSON": js.String(), "JUnit": junit.String()} {
			requireJudged(t, string(kind)+" "+what, out)
		}
		var parsed struct {
			Kind     string `json:"kind"`
			Seed     uint64 `json:"seed"`
			SeedText string `json:"seed_text"`
			Lanes    int    `json:"lanes"`
		}
		require.NoError(t, json.Unmarshal(js.Bytes(), &parsed))
		require.Equal(t, string(kind), parsed.Kind)
		require.Zero(t, parsed.Seed)
		require.Empty(t, parsed.SeedText)
		require.Zero(t, parsed.Lanes)
		var suites parsedSuites
		require.NoError(t, xml.Unmarshal(junit.Bytes(), &suites))
		require.Equal(t, "cvmconform "+map[Kind]string{KindRecorded: "judge", KindProxy: "proxy", KindSnapshot: "snapshot"}[kind], suites.Suites[0].Name)
	}

	// The run's own report still says all of it.
	var console bytes.Buffer
	require.NoError(t, Console(&console, sampleRun(), ConsoleOptions{}))
	for _, re := range runOnly[:3] {
		require.Regexp(t, re, console.String(), "the patterns find what a run says")
	}
}

func TestKindHeading(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		run    Run
		want   string
		reason string
	}{
		{"zero", Run{Seed: 7}, "cvmconform: StopInstances conformance run", "the zero Kind is a run: conformance.Run sets none"},
		{"run", Run{Kind: KindRun, Requests: 9}, "cvmconform: StopInstances conformance run", "a run's heading counts nothing"},
		{"recorded", Run{Kind: KindRecorded, Requests: 212, Checks: make([]Check, 3)},
			"cvmconform: StopInstances recorded traffic judged: 3 files, 212 exchanges", "what was judged: files and exchanges"},
		{"one file", Run{Kind: KindRecorded, Requests: 1, Checks: make([]Check, 1)},
			"cvmconform: StopInstances recorded traffic judged: 1 file, 1 exchange", "singular nouns for one"},
		{"proxy", Run{Kind: KindProxy, Requests: 57, Checks: make([]Check, 1)},
			"cvmconform: StopInstances traffic through the proxy judged: 57 exchanges", "the proxy's traffic is one check: only exchanges count"},
		{"snapshot", Run{Kind: KindSnapshot, Requests: 40, Checks: make([]Check, 8)},
			"cvmconform: StopInstances answers compared with a record: 8 scenarios, 40 requests", "a scenario is what snapshot verify compares"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for i := range tc.run.Checks {
				tc.run.Checks[i].Status = Pass
			}
			var b bytes.Buffer
			require.NoError(t, Console(&b, tc.run, ConsoleOptions{}))
			first, _, _ := bytes.Cut(b.Bytes(), []byte("\n"))
			require.Equal(t, tc.want, string(first), tc.reason)
		})
	}
}

func TestKindJudgedSummary(t *testing.T) {
	t.Parallel()
	r := sampleJudged()
	tx, err := r.text()
	require.NoError(t, err)
	require.Equal(t, "3 files: 1 pass, 1 fail, 1 skip, 0 error — 212 exchanges over 1m40s", summaryLine(r, tx),
		"files and exchanges; the span of the recordings' times, with no rate (the clients', not the suite's) and no lanes")
	require.Equal(t, "NOT CONFORMANT: 1 file failed (b.har)", verdictLine(r, tx))
	r.Duration = 0
	require.Equal(t, "3 files: 1 pass, 1 fail, 1 skip, 0 error — 212 exchanges", summaryLine(r, tx), "recordings without times have no span")
	r.Checks = nil
	require.Equal(t, "INCOMPLETE: nothing was judged (no recordings were judged)", verdictLine(r, tx))
	r.Checks = []Check{{Status: Skip}}
	require.Equal(t, "INCOMPLETE: nothing was judged (no file passed, 1 file skipped)", verdictLine(r, tx))
}

func TestKindUnknown(t *testing.T) {
	t.Parallel()
	r := sampleJudged()
	r.Kind = "replay"
	for name, render := range map[string]func(*bytes.Buffer) error{
		"console": func(b *bytes.Buffer) error { return Console(b, r, ConsoleOptions{}) },
		"JSON":    func(b *bytes.Buffer) error { return JSON(b, r) },
		"JUnit":   func(b *bytes.Buffer) error { return JUnit(b, r) },
	} {
		var b bytes.Buffer
		require.ErrorContains(t, render(&b), `the run's kind is "replay"`, name)
		require.Zero(t, b.Len(), "%s writes nothing for a kind it does not know", name)
	}
}
