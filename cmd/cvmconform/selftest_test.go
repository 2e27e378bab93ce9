package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/conformance/selftest"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/report"
)

// A small self-test, end to end: one variant must pass, one fault must be
// caught, and the table's last line says so.
func TestSelftestSmall(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := invoke(t, nil, "selftest", "--quick", "--variants", "2", "--only", "SI-ID,SI-PARAM",
		"--faults", "malformed-id-not-found,instance-ids-optional", "--seed", "5")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Regexp(t, regexp.MustCompile(`^precision: 4/4 variant targets pass; recall: 2/2 faults detected; median detection [0-9.]+ s$`), lines[len(lines)-1])
	require.Contains(t, stdout, "malformed-id-not-found  SI-ID-01")
	require.Contains(t, stdout, "lenient corner")
	require.Contains(t, stdout, "strict corner")
	require.Contains(t, stderr, "recall instance-ids-optional: detected by SI-PARAM-0")
	require.Regexp(t, regexp.MustCompile(`(?m)^Profile: over 4 variant targets, [1-9][0-9]* dimensions identified, [0-9]+ not observed, 0 wrong$`), stdout)
}

// A profile that names a variant's choice wrongly fails the self-test and
// is shown with the variant target it ran against.
func TestSelftestProfileWrong(t *testing.T) {
	t.Parallel()
	res := selftest.Result{Seed: 9, Precision: []selftest.PrecisionRun{{Seed: 4, Variants: emulator.Choices{"op-state": "lag"},
		Result:  report.Run{Checks: []report.Check{{ID: "SI-ASYNC-01", Status: report.Pass}}},
		Profile: selftest.ProfileAccuracy{Identified: 3, Unobserved: 2, Wrong: []string{"op-state: profile ahead (…), variant lag"}}}}}
	var b strings.Builder
	writeSelftest(&b, res, 0)
	require.Contains(t, b.String(), "Profile: over 1 variant targets, 3 dimensions identified, 2 not observed, 1 wrong\n")
	require.Contains(t, b.String(), "  ✗ random:4: op-state: profile ahead (…), variant lag\n")
	require.False(t, res.OK(), "a profile named wrongly fails the self-test")
}

// The table of a failed self-test shows what failed and how to replay it.
func TestSelftestTableShowsFailures(t *testing.T) {
	t.Parallel()
	res := selftest.Result{Seed: 9,
		Precision: []selftest.PrecisionRun{{Seed: 4, Variants: emulator.Choices{"op-state": "lag"},
			Result: report.Run{Checks: []report.Check{{ID: "SI-ASYNC-01", Status: report.Fail, Reason: "OBSERVED-STATE: …"}}},
			Replay: "cvmconform run --variant random:4 --seed 4"}},
		Recall: []selftest.RecallRun{{Proof: selftest.FaultProof{Fault: "no-rate-limit", Catch: []string{"SI-RATE-01"}}, Seed: 6,
			Variants: emulator.Choices{"limiter": "token"}, Replay: "cvmconform run --variant random:6 --fault no-rate-limit --seed 6",
			Result: report.Run{Checks: []report.Check{{ID: "SI-RATE-01", Status: report.Skip, Reason: "no burst got through"},
				{ID: "SI-ID-01", Status: report.Pass}}}}}}
	var b strings.Builder
	writeSelftest(&b, res, 0)
	out := b.String()
	for _, want := range []string{
		"✗ variants random:4 failed:", "FAIL SI-ASYNC-01: OBSERVED-STATE", "variants: op-state=lag", "replay:   cvmconform run --variant random:4 --seed 4",
		"no-rate-limit  MISSED", "✗ fault no-rate-limit was not detected\n  skip SI-RATE-01: no burst got through\n  variants:",
		"replay:   cvmconform run --variant random:6 --fault no-rate-limit",
		"precision: 0/1 variant targets pass; recall: 0/1 faults detected",
	} {
		require.Contains(t, out, want)
	}
	require.NotContains(t, out, "SI-ID-01", "a missed fault says what its own checks said, and no other's")
	require.False(t, res.OK())
}

func TestSelftestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--faults", "gremlins"}, `no fault "gremlins" has a proof`},
		{[]string{"--parallel", "0"}, "--parallel and --checks positive"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--quick", "--only", "SI-NOPE"}, "SI-NOPE"},
	} {
		code, _, stderr := invoke(t, nil, append([]string{"selftest"}, tc.args...)...)
		require.Equal(t, exitUsage, code, "%v: %s", tc.args, stderr)
		require.Contains(t, stderr, tc.want)
	}
	_, _, stderr := invoke(t, nil, "selftest", "-h")
	require.Contains(t, stderr, "precision: N/N variant targets pass")
}

// A failure's reason in the self-test's table fits the screen like the
// run's report: wrapped, its long values cut.
func TestSelftestTableFitsTheScreen(t *testing.T) {
	t.Parallel()
	reason := "ID-MALFORMED: expected InvalidInstanceId.Malformed (lenient); got InvalidInstanceId.NotFound for ins-" +
		strings.Repeat("a", 10000) + " [seed §6 InvalidInstanceId.Malformed: \"ins-1122 has an invalid ID length\"; facts §11]"
	res := selftest.Result{Seed: 9,
		Precision: []selftest.PrecisionRun{{Seed: 4, Variants: emulator.Choices{"op-state": "lag"},
			Result: report.Run{Checks: []report.Check{{ID: "SI-ID-04", Status: report.Fail, Reason: reason}}},
			Replay: "cvmconform run --variant random:4 --seed 4"}}}
	var b strings.Builder
	writeSelftest(&b, res, 0)
	for _, l := range strings.Split(b.String(), "\n") {
		require.LessOrEqual(t, len([]rune(l)), 200, "%.300q", l)
	}
	require.Contains(t, b.String(), "facts §11]", "the reason is wrapped, not cut at its end")
}
