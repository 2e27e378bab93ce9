package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/conformance"
)

// TestMain lets the test binary serve as the cvmconform binary, so that a
// test can send a real signal to a real process: with
// CVMCONFORM_TEST_MAIN=1 it runs main() on its arguments instead of the
// tests.
func TestMain(m *testing.M) {
	if os.Getenv("CVMCONFORM_TEST_MAIN") == "1" {
		os.Args = append([]string{"cvmconform"}, os.Args[1:]...)
		main()
		return
	}
	os.Exit(m.Run())
}

// A run ended by SIGTERM writes a whole report: every check listed (run,
// cut short, or not run, with the reason), and the true counts of
// requests and time.
func TestRunKilledBySIGTERMReportsTrueCounts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	jsonPath, junitPath := filepath.Join(dir, "report.json"), filepath.Join(dir, "report.xml")
	cmd := exec.Command(os.Args[0], "run", "--seed", "3", "--json", jsonPath, "--junit", junitPath)
	cmd.Env = append(os.Environ(), "CVMCONFORM_TEST_MAIN=1")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	time.Sleep(3 * time.Second)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	err := cmd.Wait()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "an interrupted run is not a conformant one\nstderr: %s", stderr.String())
	require.Equal(t, exitUsage, exit.ExitCode(), "stderr: %s", stderr.String())

	r, raw := readJSONReport(t, jsonPath)
	all := len(conformance.Catalog())
	require.Len(t, r.Checks, all, "every check is listed, run or not")
	require.Greater(t, raw["requests"].(float64), 100.0, "the requests sent are counted")
	require.Greater(t, raw["duration_ms"].(float64), 2000.0, "the time taken is counted")
	notRun := 0
	for _, c := range r.Checks {
		if *c.Status == "skip" && strings.HasPrefix(*c.Reason, "not run") {
			notRun++
			require.Contains(t, *c.Reason, "SIGTERM", "the reason names the signal")
		}
	}
	require.Positive(t, notRun, "checks not started are listed as not run")
	require.Less(t, notRun, all)
	ju := readJUnit(t, junitPath)
	require.Equal(t, all+1, ju.Tests, "every check, and the run's own verdict")
	require.Equal(t, 1, ju.Errors, "an interrupted run is red in CI")
	require.Equal(t, false, raw["complete"])
	require.Equal(t, "the run did not reach its end: interrupted by SIGTERM", raw["incomplete_reason"])
	require.True(t, strings.HasPrefix(lastLine(stdout.String()), "INCOMPLETE: the run did not reach its end: interrupted by SIGTERM"), stdout.String())
}

// --plan sends no mutating call; --skip and --fail-fast and --timeout are
// checked and carried out.
func TestRunBudgets(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := invoke(t, nil, "run", "--plan", "--skip", "SI-RATE,SI-CONC")
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stdout, "estimated critical path")
	require.Regexp(t, `lane \d+ \(lane-6/1\), account lane-6`, stdout, "every lane account is planned")
	require.Contains(t, stdout, "(main/2), account main", "an account's instances are shared out among lanes")
	require.NotContains(t, stdout, "SI-RATE-01")

	code, stdout, _ = invoke(t, nil, "run", "--only", "SI-ID", "--skip", "SI-ID-01,SI-ID-02", "--seed", "1")
	require.Equal(t, exitOK, code)
	require.Contains(t, stdout, "SI-ID-03")
	require.NotContains(t, stdout, "SI-ID-01 ")

	code, stdout, _ = invoke(t, nil, "run", "--fault", "malformed-id-not-found", "--fail-fast", "--only", "SI-ID,SI-PARAM", "--seed", "1", "--lanes-per-account", "1")
	require.Equal(t, exitFailed, code)
	require.Regexp(t, `not run: --fail-fast: SI-ID-0[0-9] failed`, stdout, "lanes run at once: the first to fail is one of the ID checks")

	start := time.Now()
	code, stdout, _ = invoke(t, nil, "run", "--timeout", "2s", "--seed", "1")
	require.Equal(t, exitUsage, code, "a run cut short by its budget is not a conformant one")
	require.Contains(t, stdout, "not run: the --timeout of 2s ran out")
	require.Contains(t, stdout, fmt.Sprintf("%d checks:", len(conformance.Catalog())), "every check is listed")
	require.Less(t, time.Since(start), 8*time.Second, "the budget holds, give or take a check's cleanup")

	for args, want := range map[string]string{
		"--skip SI-NOPE":         "--skip SI-NOPE matches no check",
		"--timeout -1s":          "--timeout must not be negative",
		"--lanes-per-account -1": "--lanes-per-account must not be negative",
		"--fail-fast=maybe":      "invalid boolean value",
	} {
		code, _, stderr := invoke(t, nil, append([]string{"run"}, strings.Fields(args)...)...)
		require.Equal(t, exitUsage, code, args)
		require.Contains(t, stderr, want, args)
	}
}
