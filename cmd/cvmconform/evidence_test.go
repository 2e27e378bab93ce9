package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A run against the embedded emulator carries rule coverage and the
// target's profile in its console and JSON reports; 'coverage' and
// 'profile' print them back from the JSON, and 'profile A B' shows only
// what changed.
func TestCoverageAndProfileCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "r.json")
	code, stdout, stderr := invoke(t, nil, "run", "--only", "SI-ID,SI-PARAM-0", "--seed", "3", "--json", path)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Regexp(t, `^rules exercised [0-9]+/55 \([0-9]+%\); not exercised: `, lines[len(lines)-2], "the coverage line comes just before the verdict")
	require.Regexp(t, `(?m)^  (.* )?id-malformed +InvalidInstanceId\.Malformed( |$)`, stdout, "the profile block names the emulator's default answer")

	var doc struct {
		Coverage []struct {
			Kind, ID  string
			Checks    []string
			Exercised bool
		}
		Profile []struct{ Name, Choice string }
	}
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &doc))
	exercised := map[string][]string{}
	for _, c := range doc.Coverage {
		if c.Exercised {
			exercised[c.Kind+" "+c.ID] = c.Checks
		}
	}
	require.Contains(t, exercised["rule ID-MALFORMED"], "SI-ID-01")
	require.Contains(t, exercised["code InvalidInstanceId.Malformed"], "SI-ID-01")
	require.NotContains(t, exercised, "rule RATE-LIMIT", "no SI-RATE check ran")

	code, stdout, stderr = invoke(t, nil, "coverage", path)
	require.Equal(t, exitOK, code, stderr)
	require.Regexp(t, `(?m)^Rules: [0-9]+ of 55 exercised$`, stdout)
	require.Regexp(t, `(?m)^✓  ID-MALFORMED +SI-ID-01.*InvalidInstanceId.Malformed`, stdout)
	require.Regexp(t, `(?m)^·  RATE-LIMIT +no exchange broke it`, stdout)
	require.Regexp(t, `(?m)^·  AUTH-TOKEN +no check of the catalog provokes it`, stdout, "no run would exercise it: the user is told")
	require.Regexp(t, `(?m)^Ceiling: a full run against the embedded emulator exercises 44/55 rules \(80%\); no check provokes the other 11$`, stdout)
	require.Contains(t, stdout, "Transitions:")
	require.Contains(t, stdout, "Ledger entries:")

	code, stdout, stderr = invoke(t, nil, "profile", path)
	require.Equal(t, exitOK, code, stderr)
	require.Regexp(t, `(?m)^id-malformed +L-06 +InvalidInstanceId.Malformed`, stdout)
	require.Regexp(t, `(?m)^rate-limit +L-12 +\(not observed\)`, stdout)

	code, stdout, stderr = invoke(t, nil, "profile", path, path)
	require.Equal(t, exitOK, code, "no choice changed: %s", stderr)
	require.Regexp(t, `(?m)^0 changed, [0-9]+ unchanged$`, stdout)

	changed := filepath.Join(dir, "changed.json")
	require.NoError(t, os.WriteFile(changed, []byte(strings.Replace(string(b),
		`"choice": "InvalidInstanceId.Malformed"`, `"choice": "InvalidParameterValue"`, 1)), 0o644))
	code, stdout, stderr = invoke(t, nil, "profile", path, changed)
	require.Equal(t, exitFailed, code, "a changed choice fails CI: %s", stderr)
	require.Regexp(t, `(?m)^id-malformed: InvalidInstanceId.Malformed → InvalidParameterValue\n1 changed, [0-9]+ unchanged$`, stdout)
}

// --min-coverage fails the gate of a run that exercised fewer of the
// model's rules: INCOMPLETE, exit 2 (as --require-all), never a failure.
func TestMinCoverageGate(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := invoke(t, nil, "run", "--only", "SI-ID-01", "--seed", "3", "--min-coverage", "50")
	require.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Regexp(t, `^INCOMPLETE: rules exercised [0-9]/55 \([0-9]+%\), under --min-coverage 50%; 1 of 1 check passed, none failed$`, lines[len(lines)-1])

	code, stdout, stderr = invoke(t, nil, "run", "--only", "SI-ID-01", "--seed", "3", "--min-coverage", "1")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
}

// A report that cannot be read is a usage error naming it.
func TestEvidenceCommandsBadReport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notReport := filepath.Join(dir, "x.json")
	require.NoError(t, os.WriteFile(notReport, []byte(`{"a": 1}`), 0o644))
	old := filepath.Join(dir, "old.json")
	require.NoError(t, os.WriteFile(old, []byte(`{"target": "t", "checks": []}`), 0o644))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"coverage", filepath.Join(dir, "missing.json")}, "missing.json: no such file"},
		{[]string{"coverage", notReport}, `x.json: not a cvmconform JSON report: it has no "target"`},
		{[]string{"profile", old}, `old.json: the report has no "coverage" or "profile": it was written before they were measured`},
		{[]string{"profile"}, "name the JSON report to read"},
	} {
		code, _, stderr := invoke(t, nil, tc.args...)
		require.Equal(t, exitUsage, code, tc.args)
		require.Contains(t, stderr, tc.want, tc.args)
	}
}
