package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/cvmconform/cvmconform/runner/report"
	"github.com/stretchr/testify/require"
)

// TestJudgeReportsExchanges: a judged recording's failure carries the
// exchange it is on, structured, with no secret, and a call line that,
// sent through call, gets the same answer again; and repro writes the
// Go program for it, as for a run's.
func TestJudgeReportsExchanges(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	faulty := startEmulator(t, "malformed-id-not-found")
	rec, cassette := recordings(t, dir, "faulty", targetCycle(t, faulty, "ins-43jl0gw2"))
	for _, path := range []string{rec, cassette} {
		reportPath := filepath.Join(dir, filepath.Base(path)+".json")
		code, stdout, stderr := invokeJudge(t, nil, "--json", reportPath, path)
		require.Equal(t, exitFailed, code, "%s%s", stdout, stderr)
		data, err := os.ReadFile(reportPath)
		require.NoError(t, err)
		requireNoSecret(t, "JSON report", string(data), faulty.Cred.SecretKey, faulty.Cred.SecretID)
		r, err := report.ReadJSON(bytes.NewReader(data))
		require.NoError(t, err)
		require.Len(t, r.Checks, 1)
		xs := r.Checks[0].Exchanges
		require.Len(t, xs, 1, "the one exchange the finding is on")
		x := xs[0]
		require.Equal(t, "InvalidInstanceId.NotFound", x.Code)
		require.Contains(t, x.Finding, "ID-MALFORMED")
		require.Contains(t, x.Body, "ins-1122")
		require.Contains(t, x.Call, "StopInstances '{\"InstanceIds\":[\"ins-1122\"]}'", path)

		code, _, stderr = invoke(t, callEnv(faulty), shellWords(t, x.Call)[1:]...)
		require.Equal(t, exitFailed, code, "the call line sends it again, and the answer is the same:\n%s", stderr)

		code, stdout, stderr = invoke(t, nil, "repro", r.Checks[0].ID, "--from", reportPath)
		require.Equal(t, exitOK, code, stderr)
		require.Contains(t, stdout, "cvm.NewStopInstancesRequest()")
	}
}
