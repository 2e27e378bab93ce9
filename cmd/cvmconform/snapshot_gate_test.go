package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
)

// driftedRecord records seed-errors and seed-example of the embedded
// emulator, then rewrites one message of seed-errors' step 6: verifying
// the embedded emulator against it, seed-errors drifts at
// Response.Error.Message and seed-example does not.
func driftedRecord(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	code, stdout, stderr := invoke(t, nil, "snapshot", "record", "--only", "seed-errors,seed-example", "--out", dir)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	path := filepath.Join(dir, "seed-errors.txt")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	changed := strings.Replace(string(b), "InstanceIds is missing", "the parameter InstanceIds is required", 1)
	require.NotEqual(t, string(b), changed, "the record holds the message the test rewrites")
	require.NoError(t, os.WriteFile(path, []byte(changed), 0o644))
	return dir
}

// snapshotSchema is the report's JSON Schema, as 'cvmconform schema'
// prints it, compiled.
func snapshotSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	code, printed, _ := invoke(t, nil, "schema")
	require.Equal(t, exitOK, code)
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(printed))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("report.schema.json", doc))
	sch, err := c.Compile("report.schema.json")
	require.NoError(t, err)
	return sch
}

// snapshot verify with a baseline: a drift listed (whole, or narrowed to
// the path that drifted) is known and passes the gate; an entry narrowed
// to a path that did not drift, or naming a scenario that no longer
// drifts, is stale; an expired entry lists nothing; a scenario --only
// left out is unused. The JSON report is of kind "snapshot", one check
// per scenario, and follows the schema.
func TestSnapshotVerifyBaseline(t *testing.T) {
	t.Parallel()
	rec := driftedRecord(t)
	sch := snapshotSchema(t)
	entry := func(check, more string) string { return "- check: " + check + "\n  reason: r\n" + more }
	for _, tc := range []struct {
		name, file string
		code       int
		states     []string
		drifted    string // seed-errors' status
	}{
		{"known", entry("seed-errors", ""), exitOK, []string{"seed-errors known"}, "known"},
		{"known by path", entry("seed-errors", "  rule: Response.Error.Message\n") + entry("rate-burst", ""), exitOK,
			[]string{"seed-errors known", "rate-burst unused"}, "known"},
		{"another path", entry("seed-errors", "  rule: Response.Error.Code\n"), exitFailed, []string{"seed-errors stale"}, "fail"},
		{"stale", entry("seed-errors", "") + entry("seed-example", ""), exitFailed, []string{"seed-errors known", "seed-example stale"}, "known"},
		{"expired", entry("seed-errors", "  until: 2021-06-01\n"), exitFailed, []string{"seed-errors expired"}, "fail"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := t.TempDir()
			path, jsonPath := writeBaselineFile(t, d, tc.file), filepath.Join(d, "r.json")
			code, stdout, stderr := invoke(t, nil, "snapshot", "verify", "--only", "seed-errors,seed-example", "--against", rec,
				"--baseline", path, "--json", jsonPath)
			require.Equal(t, tc.code, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			r := readGateReport(t, jsonPath)
			require.Equal(t, tc.states, r.states())
			require.Equal(t, tc.drifted, r.status("seed-errors"))
			require.Equal(t, "pass", r.status("seed-example"))
			require.Contains(t, stdout, "cvmconform: StopInstances answers compared with a record: 2 scenarios, 8 requests\n")
			b, err := os.ReadFile(jsonPath)
			require.NoError(t, err)
			require.Contains(t, string(b), `"kind": "snapshot"`)
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			require.NoError(t, err)
			require.NoError(t, sch.Validate(v), "the snapshot report:\n%s", b)
		})
	}
}

// --write-baseline writes the drifted scenario, and a verification with
// that file exits 0; without a baseline the console reads as before and
// the JUnit report has a testcase per scenario.
func TestSnapshotVerifyWriteBaseline(t *testing.T) {
	t.Parallel()
	rec := driftedRecord(t)
	d := t.TempDir()
	written, junit, md := filepath.Join(d, "b.yaml"), filepath.Join(d, "r.xml"), filepath.Join(d, "r.md")
	args := []string{"snapshot", "verify", "--only", "seed-errors,seed-example", "--against", rec}
	code, stdout, stderr := invoke(t, nil, append(args, "--write-baseline", written, "--junit", junit, "--markdown", md)...)
	require.Equal(t, exitFailed, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	require.Contains(t, stdout, "seed-errors / step 6 (MissingParameter: no InstanceIds): Response.Error.Message: was ")
	require.Contains(t, stdout, "drift: 1 step(s) of 1 scenario(s) (of 2) differ")
	b, err := os.ReadFile(written)
	require.NoError(t, err)
	require.Contains(t, string(b), "# drifted from the record: step 6 (MissingParameter: no InstanceIds): Response.Error.Message\n"+
		"- check: \"seed-errors\"\n  rule: \"Response.Error.Message\"\n  reason: \"TODO: why\"\n")
	require.NotContains(t, string(b), "seed-example", "only the drifts")
	x, err := os.ReadFile(junit)
	require.NoError(t, err)
	require.Contains(t, string(x), `<testsuite name="cvmconform snapshot"`)
	require.Contains(t, string(x), `<testcase classname="cvmconform.seed-example"`)
	m, err := os.ReadFile(md)
	require.NoError(t, err)
	require.Contains(t, string(m), "cvmconform: NOT CONFORMANT")
	require.Contains(t, string(m), "--only seed-errors", "the failure's replay")

	code, stdout, stderr = invoke(t, nil, append(args, "--baseline", written)...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	require.True(t, strings.HasSuffix(stdout, "\nCONFORMANT but for 1 known failure (seed-errors) — 1 pass, 1 known failure, 0 unexpected failures, 0 stale\n"), stdout)
}

// A baseline naming no scenario, a path the record does not hold, or a
// case is a usage error, said before anything is sent.
func TestSnapshotVerifyBaselineRefused(t *testing.T) {
	t.Parallel()
	rec := driftedRecord(t)
	url, accepted := countingListener(t, "127.0.0.1:0")
	for _, tc := range []struct {
		name, file, want string
	}{
		{"unknown scenario", "- check: seed-exampel\n  reason: x\n", `baseline.yaml:1: "seed-exampel" is no scenario of fixtures/scenarios (see 'cvmconform snapshot list'); did you mean seed-example?`},
		{"a check's ID", "- check: SI-ID-01\n  reason: x\n", `"SI-ID-01" is no scenario of fixtures/scenarios`},
		{"unknown path", "- check: seed-errors\n  rule: Response.Error.Cod\n  reason: x\n", `rule "Response.Error.Cod" is no path of the record in ` + rec},
		{"a model rule", "- check: seed-errors\n  rule: ID-MALFORMED\n  reason: x\n", `rule "ID-MALFORMED" is no path of the record`},
		{"a case", "- check: seed-errors\n  case: ids/leading-space\n  reason: x\n", `case "ids/leading-space" is no case of snapshot verify`},
	} {
		path := writeBaselineFile(t, t.TempDir(), tc.file)
		code, stdout, stderr := invoke(t, fakeCreds, "snapshot", "verify", "--endpoint", url, "--all-instances", "--against", rec, "--baseline", path)
		require.Equal(t, exitUsage, code, tc.name)
		require.Empty(t, stdout, tc.name)
		require.Contains(t, stderr, tc.want, tc.name)
		require.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, "%s: one line\n%s", tc.name, stderr)
	}
	require.Zero(t, accepted.Load(), "nothing is sent for a baseline that names nothing")
}
