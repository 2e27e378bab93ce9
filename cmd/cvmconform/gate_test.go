package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/fixtures"
)

// gateReport is what the gate tests read of a JSON report.
type gateReport struct {
	Verdict  string `json:"verdict"`
	Line     string `json:"verdict_line"`
	Checks   []struct{ ID, Status string }
	Baseline []struct{ Check, Rule, Case, State, Detail string }
}

func readGateReport(t *testing.T, path string) gateReport {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var r gateReport
	require.NoError(t, json.Unmarshal(b, &r))
	return r
}

func (r gateReport) status(id string) string {
	for _, c := range r.Checks {
		if c.ID == id {
			return c.Status
		}
	}
	return ""
}

func (r gateReport) states() []string {
	var out []string
	for _, e := range r.Baseline {
		out = append(out, e.Check+" "+e.State)
	}
	return out
}

func writeBaselineFile(t *testing.T, dir, text string) string {
	t.Helper()
	path := filepath.Join(dir, "baseline.yaml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

// --write-baseline, then a run with it: every failure known, exit 0; the
// Markdown summary and JUnit say so.
func TestRunWriteBaselineRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	args := []string{"run", "--seed", "44", "--fault", "malformed-id-not-found", "--only", "SI-ID-01,SI-ID-02,SI-ID-04"}
	written := filepath.Join(dir, "written.yaml")
	code, stdout, stderr := invoke(t, nil, append(args, "--write-baseline", written)...)
	require.Equal(t, exitFailed, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	b, err := os.ReadFile(written)
	require.NoError(t, err)
	require.Contains(t, string(b), "- check: \"SI-ID-01\"\n  rule: \"ID-MALFORMED\"\n  reason: \"TODO: why\"\n")
	require.Contains(t, string(b), "- check: \"SI-ID-04\"\n")
	require.NotContains(t, string(b), "SI-ID-02", "only the failures")
	require.Contains(t, string(b), "# ID-MALFORMED: expected InvalidInstanceId.Malformed", "the failure's reason, as a comment")
	require.Contains(t, stderr, "--write-baseline "+written+": the run's failures", "it says what it wrote")

	jsonPath, junitPath, mdPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml"), filepath.Join(dir, "r.md")
	code, stdout, stderr = invoke(t, nil, append(args, "--baseline", written, "--json", jsonPath, "--junit", junitPath, "--markdown", mdPath)...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	require.True(t, strings.HasSuffix(stdout, "\nCONFORMANT but for 2 known failures (SI-ID-01, SI-ID-04) — 1 pass, 2 known failures, 0 unexpected failures, 0 stale\n"), stdout)
	require.Contains(t, stdout, "\nKnown failures (2): listed in the baseline")
	require.Contains(t, stderr, `2 of its 2 entries still say "TODO: why" (the first at line 5): say why each failure is known`)
	r := readGateReport(t, jsonPath)
	require.Equal(t, "known", r.status("SI-ID-01"))
	require.Equal(t, "known", r.status("SI-ID-04"))
	require.Equal(t, "pass", r.status("SI-ID-02"))
	require.Equal(t, []string{"SI-ID-01 known", "SI-ID-04 known"}, r.states())
	x, err := os.ReadFile(junitPath)
	require.NoError(t, err)
	require.Contains(t, string(x), `<skipped message="known failure: TODO: why">`)
	md, err := os.ReadFile(mdPath)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(md), "### ⚠️ cvmconform: CONFORMANT\n"), "CONFORMANT but for known failures is qualified:\n%s", md)
	require.Contains(t, string(md), "#### Known failures (2)")
}

// One run, an entry in each state: known (narrowed to the rule its
// failure names), stale (a check that passes), expired, a hostile check
// narrowed to one of the cases it mishandles (the entry is known, the
// check a failure still), unused (left out by --only).
func TestRunBaselineStates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeBaselineFile(t, dir, `
- check: SI-ID-01
  rule: ID-MALFORMED
  reason: the parser rewrite lands in 4.2
- check: SI-ID-02
  reason: was NotFound with another message
- check: SI-ID-04
  reason: same parser
  until: 2020-01-31
- check: SI-HOSTILE-02
  case: ids/leading-space
  reason: IDs are trimmed
- check: SI-BATCH-01
  reason: not selected here
`)
	jsonPath, junitPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml")
	code, stdout, stderr := invoke(t, nil, "run", "--seed", "44", "--fault", "malformed-id-not-found", "--only", "SI-ID-01,SI-ID-02,SI-ID-04,SI-HOSTILE-02",
		"--baseline", path, "--json", jsonPath, "--junit", junitPath)
	require.Equal(t, exitFailed, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	r := readGateReport(t, jsonPath)
	require.Equal(t, []string{"SI-ID-01 known", "SI-ID-02 stale", "SI-ID-04 expired", "SI-HOSTILE-02 known", "SI-BATCH-01 unused"}, r.states())
	require.Equal(t, "known", r.status("SI-ID-01"), "narrowed to the rule it breaks")
	require.Equal(t, "fail", r.status("SI-ID-04"), "an expired entry lists nothing")
	require.Equal(t, "fail", r.status("SI-HOSTILE-02"), "cases not listed keep the check a failure")
	require.Equal(t, "NOT CONFORMANT", r.Verdict)
	require.Contains(t, stdout, "SI-ID-02 now passes: remove it from the baseline")
	require.Contains(t, r.Line, "1 baseline entry stale (SI-ID-02); 1 baseline entry expired (SI-ID-04)")
	require.True(t, strings.HasSuffix(r.Line, " — 1 pass, 1 known failure, 2 unexpected failures, 1 stale, 1 expired"), r.Line)
	x, err := os.ReadFile(junitPath)
	require.NoError(t, err)
	require.Contains(t, string(x), `<testcase classname="cvmconform.baseline" name="SI-ID-02 stale"`)
	require.Contains(t, string(x), `<failure message="SI-ID-04 expired on 2020-01-31: fix the failure, or give the entry a later until" type="expired">`)
}

// An entry naming nothing the report can hold is a usage error, said
// before anything runs.
func TestBaselineRefusedBeforeTheRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	url, accepted := countingListener(t, "127.0.0.1:0")
	for _, tc := range []struct {
		name, file, want string
	}{
		{"unknown ID", "- check: SI-ID-99\n  reason: x\n", `baseline.yaml:1: "SI-ID-99" is no check of the catalog`},
		{"unknown rule", "- check: SI-ID-01\n  rule: MALFORMED\n  reason: x\n", `rule "MALFORMED" is no rule of the model`},
		{"unknown case", "- check: SI-HOSTILE-02\n  case: ids/nope\n  reason: x\n", `case "ids/nope" is no case of fixtures/hostile/corpus.txt`},
		{"no reason", "- check: SI-ID-01\n", "SI-ID-01 has no reason"},
	} {
		path := writeBaselineFile(t, t.TempDir(), tc.file)
		code, stdout, stderr := invoke(t, fakeCreds, "run", "--endpoint", url, "--all-instances", "--baseline", path)
		require.Equal(t, exitUsage, code, tc.name)
		requireOneSentence(t, stdout, stderr, tc.want)
	}
	code, _, stderr := invoke(t, fakeCreds, "run", "--endpoint", url, "--all-instances", "--baseline", filepath.Join(dir, "none.yaml"))
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "--baseline: open ")
	require.Zero(t, accepted.Load(), "nothing is sent for a baseline that names nothing")
}

// judge with a baseline: the tampered recording's one finding known (by
// its rule), a clean recording listed is stale, an expired entry fails,
// and a name that is no recording judged is refused.
func TestJudgeBaseline(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var clean, tampered string
	for _, name := range fixtures.RecordingNames() {
		b, err := fixtures.Recording(name)
		require.NoError(t, err)
		path := filepath.Join(dir, filepath.FromSlash(name)+".yaml")
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, b, 0o644))
		if strings.HasPrefix(name, "tampered/") {
			tampered = path
		} else if clean == "" {
			clean = path
		}
	}
	entry := func(check, more string) string { return "- check: " + check + "\n  reason: r\n" + more }

	for _, tc := range []struct {
		name, file string
		code       int
		states     []string
		tampered   string // its status
	}{
		{"known", entry(tampered, "  rule: OBSERVED-STATE\n"), exitOK, []string{tampered + " known"}, "known"},
		{"wrong rule", entry(tampered, "  rule: ID-MALFORMED\n"), exitFailed, []string{tampered + " stale"}, "fail"},
		{"stale", entry(tampered, "") + entry(clean, ""), exitFailed, []string{tampered + " known", clean + " stale"}, "known"},
		{"expired", entry(tampered, "  until: 2021-06-01\n"), exitFailed, []string{tampered + " expired"}, "fail"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := t.TempDir()
			path, jsonPath := writeBaselineFile(t, d, tc.file), filepath.Join(d, "r.json")
			code, stdout, stderr := invokeJudge(t, nil, "--baseline", path, "--json", jsonPath, tampered, clean)
			require.Equal(t, tc.code, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			r := readGateReport(t, jsonPath)
			require.Equal(t, tc.states, r.states())
			require.Equal(t, tc.tampered, r.status(tampered))
			requireJudgedReport(t, "console", stdout)
		})
	}
	path := writeBaselineFile(t, t.TempDir(), entry("SI-ID-01", ""))
	code, stdout, stderr := invokeJudge(t, nil, "--baseline", path, tampered)
	require.Equal(t, exitUsage, code)
	require.Empty(t, stdout)
	require.Contains(t, stderr, `"SI-ID-01" is no recording judged here`)
}
