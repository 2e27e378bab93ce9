package report

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestConsoleGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		color bool
	}{{"console.golden", false}, {"console_color.golden", true}} {
		var b bytes.Buffer
		require.NoError(t, Console(&b, sampleRun(), ConsoleOptions{Color: tc.color}))
		golden(t, tc.name, b.String())
	}
}

var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestConsoleColor(t *testing.T) {
	t.Parallel()
	var plain, color bytes.Buffer
	require.NoError(t, Console(&plain, sampleRun(), ConsoleOptions{}))
	require.NoError(t, Console(&color, sampleRun(), ConsoleOptions{Color: true}))
	require.NotContains(t, plain.String(), "\x1b", "without Color, no escape sequence at all (the run's own are escaped)")
	require.Equal(t, plain.String(), sgr.ReplaceAllString(color.String(), ""), "colour must only add SGR sequences, never move text")
	for _, s := range []string{"\x1b[32mpass\x1b[0m", "\x1b[1;31mFAIL\x1b[0m", "\x1b[33mskip\x1b[0m", "\x1b[1;35mERROR\x1b[0m", "\x1b[1;31mNOT CONFORMANT\x1b[0m"} {
		require.Contains(t, color.String(), s)
	}
	require.Equal(t, 2, strings.Count(color.String(), "\x1b[32mpass"), "each of the two passes is painted once, in the table")
	require.Equal(t, 2, strings.Count(color.String(), "\x1b[1;31mFAIL"), "the failure is painted in its block and in the table")
}

func TestConsoleWriteError(t *testing.T) {
	t.Parallel()
	err := Console(&failingWriter{n: 10}, sampleRun(), ConsoleOptions{})
	require.True(t, errors.Is(err, errWrite), "got %v", err)
}

// TestVerdict covers the summary and verdict lines: the wording a reader
// of CI logs looks for.
func TestVerdict(t *testing.T) {
	t.Parallel()
	check := func(id string, s Status) Check {
		return Check{ID: id, Title: "t", Status: s, Reason: map[Status]string{Skip: "no PENDING instance", Error: "connection reset"}[s]}
	}
	run := func(d time.Duration, requests int, cs ...Check) Run {
		return Run{Duration: d, Requests: requests, Checks: cs}
	}
	for _, tc := range []struct {
		name        string
		run         Run
		wantVerdict Verdict
		wantSummary string
		wantLine    string
		reason      string
	}{
		{
			name:        "all pass",
			run:         run(38200*time.Millisecond, 1234, check("SI-A-01", Pass), check("SI-A-02", Pass)),
			wantVerdict: Conformant,
			wantSummary: "2 checks: 2 pass, 0 fail, 0 skip, 0 error — 1234 requests in 38.2s (32 req/s)",
			wantLine:    "CONFORMANT",
			reason:      "nothing failed, errored or was skipped",
		},
		{
			name: "over lanes",
			run: func() Run {
				r := run(10*time.Second, 1000, check("SI-A-01", Pass))
				r.Lanes, r.LongestLane = 7, 9500*time.Millisecond
				return r
			}(),
			wantVerdict: Conformant,
			wantSummary: "1 check: 1 pass, 0 fail, 0 skip, 0 error — 1000 requests in 10.0s (100 req/s), over 7 lanes (the longest 9.5s)",
			wantLine:    "CONFORMANT",
			reason:      "a run over lanes says how many and its critical path",
		},
		{
			name:        "some skipped",
			run:         run(2*time.Second, 3, check("SI-A-01", Pass), check("SI-A-02", Skip), check("SI-A-03", Skip)),
			wantVerdict: Conformant,
			wantSummary: "3 checks: 1 pass, 0 fail, 2 skip, 0 error — 3 requests in 2.0s (1.5 req/s)",
			wantLine:    "CONFORMANT on 1 of 3 checks (2 skipped: SI-A-02, SI-A-03)",
			reason:      "a skip is not a failure, but not a pass either: the verdict says on how many checks it rests",
		},
		{
			name:        "one skipped",
			run:         run(time.Second, 1, check("SI-A-01", Pass), check("SI-A-02", Skip)),
			wantVerdict: Conformant,
			wantSummary: "2 checks: 1 pass, 0 fail, 1 skip, 0 error — 1 request in 1.0s (1.0 req/s)",
			wantLine:    "CONFORMANT on 1 of 2 checks (1 skipped: SI-A-02)",
			reason:      "singular nouns for one",
		},
		{
			name:        "a failure",
			run:         run(time.Second, 20, check("SI-A-01", Pass), check("SI-B-02", Fail)),
			wantVerdict: NotConformant,
			wantSummary: "2 checks: 1 pass, 1 fail, 0 skip, 0 error — 20 requests in 1.0s (20 req/s)",
			wantLine:    "NOT CONFORMANT: 1 check failed (SI-B-02)",
			reason:      "one failure decides the run",
		},
		{
			name: "failures and errors",
			run: run(time.Second, 20, check("SI-A-01", Fail), check("SI-A-02", Fail), check("SI-A-03", Fail),
				check("SI-A-04", Fail), check("SI-A-05", Fail), check("SI-A-06", Fail), check("SI-A-07", Fail), check("SI-B-01", Error)),
			wantVerdict: NotConformant,
			wantSummary: "8 checks: 0 pass, 7 fail, 0 skip, 1 error — 20 requests in 1.0s (20 req/s)",
			wantLine:    "NOT CONFORMANT: 7 checks failed (SI-A-01, SI-A-02, SI-A-03, SI-A-04, SI-A-05 and 2 more); 1 check could not be carried out (SI-B-01)",
			reason:      "failures take precedence over errors, and the list of IDs is capped at five",
		},
		{
			name:        "an error only",
			run:         run(time.Second, 20, check("SI-A-01", Pass), check("SI-RATE-01", Error)),
			wantVerdict: Incomplete,
			wantSummary: "2 checks: 1 pass, 0 fail, 0 skip, 1 error — 20 requests in 1.0s (20 req/s)",
			wantLine:    "INCOMPLETE: 1 check could not be carried out (SI-RATE-01); no check failed, but conformance is undecided",
			reason:      "an error is not a failure (the target did not depart from the spec) nor a pass (nothing was shown)",
		},
		{
			name:        "every check skipped",
			run:         run(0, 0, check("SI-A-01", Skip)),
			wantVerdict: Incomplete,
			wantSummary: "1 check: 0 pass, 0 fail, 1 skip, 0 error — 0 requests in 0.00s",
			wantLine:    "INCOMPLETE: nothing was judged (no check passed, 1 check skipped)",
			reason:      "nothing was verified, so the run cannot be called conformant; no duration means no rate",
		},
		{
			name: "skipped under --require-all",
			run: func() Run {
				r := run(time.Second, 1, check("SI-A-01", Pass), check("SI-A-02", Skip))
				r.RequireAll = true
				return r
			}(),
			wantVerdict: Incomplete,
			wantSummary: "2 checks: 1 pass, 0 fail, 1 skip, 0 error — 1 request in 1.0s (1.0 req/s)",
			wantLine:    "INCOMPLETE: 1 of 2 checks skipped (SI-A-02), and every check was required (--require-all)",
			reason:      "--require-all: any skip fails the gate",
		},
		{
			name: "cut short",
			run: func() Run {
				r := run(4*time.Second, 9, check("SI-A-01", Pass), check("SI-A-02", Skip))
				r.Incomplete = "the run did not reach its end: interrupted by SIGINT"
				return r
			}(),
			wantVerdict: Incomplete,
			wantSummary: "2 checks: 1 pass, 0 fail, 1 skip, 0 error — 9 requests in 4.0s (2.2 req/s)",
			wantLine:    "INCOMPLETE: the run did not reach its end: interrupted by SIGINT; 1 of 2 checks passed, 1 skipped or not run, none failed",
			reason:      "a run cut short is never conformant, whatever passed before the cut",
		},
		{
			name: "cut short after a failure",
			run: func() Run {
				r := run(time.Second, 9, check("SI-A-01", Fail), check("SI-A-02", Skip))
				r.Incomplete = "the run did not reach its end: --fail-fast: SI-A-01 failed"
				return r
			}(),
			wantVerdict: NotConformant,
			wantSummary: "2 checks: 0 pass, 1 fail, 1 skip, 0 error — 9 requests in 1.0s (9.0 req/s)",
			wantLine:    "NOT CONFORMANT: 1 check failed (SI-A-01); the run did not reach its end: --fail-fast: SI-A-01 failed",
			reason:      "a failure found before the cut stands, and the line says the run was cut",
		},
		{
			name:        "no checks",
			run:         run(0, 0),
			wantVerdict: Incomplete,
			wantSummary: "0 checks: 0 pass, 0 fail, 0 skip, 0 error — 0 requests in 0.00s",
			wantLine:    "INCOMPLETE: nothing was judged (no checks were run)",
			reason:      "an empty selection verifies nothing",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.wantVerdict, tc.run.Verdict(), tc.reason)
			require.Equal(t, tc.wantSummary, summaryLine(tc.run, kinds[KindRun]), tc.reason)
			require.Equal(t, tc.wantLine, verdictLine(tc.run, kinds[KindRun]), tc.reason)
			var b bytes.Buffer
			require.NoError(t, Console(&b, tc.run, ConsoleOptions{}))
			require.True(t, strings.HasSuffix(b.String(), "\n"+tc.wantSummary+"\n"+tc.wantLine+"\n"), "the report ends with the summary and the verdict\n%s", b.String())
		})
	}
}

func TestConsoleEdges(t *testing.T) {
	t.Parallel()
	r := Run{Strict: true, Seed: 7, Started: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Checks: []Check{
		{ID: "SI-A-01", Title: "passes", Status: Pass, Reason: "accepted either documented code"},
		{ID: "SI-A-02", Title: "status missing"},
		{ID: "SI-A-03", Title: "status unknown", Status: "flaky\x1b"},
		{ID: "SI-A-04", Title: "failed, with nothing to show", Status: Fail},
	}}
	var b bytes.Buffer
	require.NoError(t, Console(&b, r, ConsoleOptions{Color: true}))
	out := b.String()
	for _, want := range []string{
		"  target:     -\n", "  seed:       7\n", "  strictness: strict\n", "  started:    2025-01-02T03:04:05Z\n",
		"\x1b[1;31mFAIL\x1b[0m  SI-A-04  failed, with nothing to show\n\nResults\n",
		"↳ accepted either documented code",
		"status missing                     ?", `status unknown                     flaky\x1b`,
	} {
		require.Contains(t, out, want)
	}
	require.NotContains(t, out, "replay:", "no replay line without a replay command")
	require.NotContains(t, out, "counterexample:", "no transcript heading without a transcript")
}

// TestConsoleWire: under a failure, the console shows its failing
// exchange (the first with a finding) as sent on the wire, redacted as
// the report holds it, and its call line whole, to be copied; a body the
// evidence already cut is not cut again; a request call cannot send says
// so; a known failure shows none of it.
func TestConsoleWire(t *testing.T) {
	t.Parallel()
	body := `{"InstanceIds":["ins-` + strings.Repeat("0", 300) + `…(+1,048,533 bytes)"]}`
	call := `cvmconform call --endpoint http://127.0.0.1:8080 --region ap-guangzhou StopInstances '{"InstanceIds":["ins-1122"],"StopType":"SOFT","StoppedMode":"KEEP_CHARGING"}'`
	xs := []Exchange{
		{Seq: 3, Lane: "main", Method: "POST", URL: "http://127.0.0.1:8080/", Headers: []string{"X-Tc-Action: DescribeInstances"}, Status: 200},
		{Seq: 4, Lane: "lane-1/2", Method: "POST", URL: "http://127.0.0.1:8080/", Status: 200, Code: "InvalidInstanceId.NotFound",
			Headers: []string{"Authorization: TC3-HMAC-SHA256 Credential=AKID…r5wM/2026-12-03/cvm/tc3_request, SignedHeaders=content-type;host, Signature=(redacted)", "X-Tc-Action: StopInstances"},
			Body:    body, Finding: "ID-MALFORMED: expected InvalidInstanceId.Malformed; got InvalidInstanceId.NotFound", Call: call},
		{Seq: 5, Lane: "main", Method: "POST", URL: "http://127.0.0.1:8080/", Headers: []string{"X-Tc-Action: DescribeInstances"}, Status: 200},
	}
	run := Run{Target: "t", Checks: []Check{
		{ID: "SI-ID-01", Title: "malformed", Status: Fail, Reason: "ID-MALFORMED", Exchanges: xs},
		{ID: "SI-HOSTILE-01", Title: "hostile", Status: Fail, Reason: "refused wrongly",
			Exchanges: []Exchange{{Seq: 9, Method: "POST", URL: "http://127.0.0.1:8080/", Body: `{"InstanceIds":[`, Status: 200, Code: "InternalError", Finding: "x"}}},
		{ID: "SI-ID-02", Title: "known", Status: Known, Reason: "listed", Exchanges: xs},
	}}
	var b strings.Builder
	require.NoError(t, Console(&b, run, ConsoleOptions{}))
	out := b.String()
	require.Contains(t, out, "  on the wire (exchange 4, lane-1/2):\n    > POST http://127.0.0.1:8080/\n    > Authorization: TC3-HMAC-SHA256 Credential=AKID…r5wM/")
	require.Contains(t, out, "Signature=(redacted)")
	require.Contains(t, out, "    < HTTP 200 InvalidInstanceId.NotFound\n")
	require.Contains(t, out, "\n  call:   "+call+"\n", "the call line whole, to be copied")
	require.Equal(t, 1, strings.Count(out, "…(+1,048,533 bytes)"), "the body's own cut is kept:\n%s", out)
	require.NotContains(t, out, "bytes) bytes)", "never cut twice")
	require.NotContains(t, out, "exchange 3,", "the failing exchange only")
	require.Contains(t, out, "  on the wire (exchange 9, -):")
	require.Contains(t, out, "  call:   none: cvmconform call sends parameters, signed afresh")
	require.Equal(t, 2, strings.Count(out, "on the wire"), "a known failure shows no exchange")
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasPrefix(l, "  call:   cvmconform") && !strings.HasPrefix(l, "NOT CONFORMANT") {
			require.LessOrEqual(t, utf8.RuneCountInString(l), lineWidth, "fitted: %q", l)
		}
	}
}

// TestConsoleWireLongCall: a call line holding a value too long for a
// screen cannot be copied whole anyway: it is cut and fitted like the
// rest, and says where the whole line is.
func TestConsoleWireLongCall(t *testing.T) {
	t.Parallel()
	call := `cvmconform call --endpoint http://127.0.0.1:8080 --region ap-guangzhou StopInstances '{"InstanceIds":["ins-` + strings.Repeat("a", 500) + `"]}'`
	run := Run{Target: "t", Checks: []Check{{ID: "SI-ID-01", Title: "malformed", Status: Fail, Reason: "r",
		Exchanges: []Exchange{{Seq: 1, Method: "POST", URL: "http://127.0.0.1:8080/", Status: 200, Code: "X", Finding: "f", Call: call}}}}}
	var b strings.Builder
	require.NoError(t, Console(&b, run, ConsoleOptions{}))
	require.Contains(t, b.String(), "(cut: the JSON report holds it whole)")
	require.NotContains(t, b.String(), strings.Repeat("a", 100))
	for _, l := range strings.Split(b.String(), "\n") {
		if !strings.HasPrefix(l, "NOT CONFORMANT") {
			require.LessOrEqual(t, utf8.RuneCountInString(l), lineWidth, "fitted: %q", l)
		}
	}
}
