package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// lastLine is the console report's verdict line.
func lastLine(stdout string) string {
	lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
	return lines[len(lines)-1]
}

// A run cut short by its --timeout says INCOMPLETE, never CONFORMANT, in
// every report: the console's last line, the JSON ("complete": false and
// why) and the JUnit (an error a CI reporter shows red).
func TestRunCutShortIsIncomplete(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	jsonPath, junitPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml")
	code, stdout, stderr := invoke(t, nil, "run", "--timeout", "1s", "--seed", "1", "--json", jsonPath, "--junit", junitPath)
	require.Equal(t, exitUsage, code, "a run cut short, with no failure, exits 2\nstderr: %s", stderr)
	last := lastLine(stdout)
	require.True(t, strings.HasPrefix(last, "INCOMPLETE: the run did not reach its end: the --timeout of 1s ran out"), last)
	require.NotContains(t, last, "CONFORMANT")

	_, raw := readJSONReport(t, jsonPath)
	require.Equal(t, false, raw["complete"])
	require.Equal(t, "the run did not reach its end: the --timeout of 1s ran out", raw["incomplete_reason"])

	ju := readJUnit(t, junitPath)
	require.Equal(t, 1, ju.Errors, "the suite-level error")
}

// A run that judged nothing exits 2 and says so: no check selected, an
// allow-list naming no instance of the target, every check skipped.
func TestRunNothingJudged(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := invoke(t, nil, "run", "--skip", "SI-")
	require.Equal(t, exitUsage, code)
	requireOneSentence(t, stdout, stderr, "nothing was judged")

	e := startEmulator(t)
	code, stdout, stderr = invoke(t, credsOf(e), "run", "--endpoint", e.URL, "--instances", "ins-zzzzzzzz", "--only", "SI-ID-01")
	require.Equal(t, exitUsage, code, stdout)
	requireOneSentence(t, stdout, stderr, "--instances names ins-zzzzzzzz, which no account of the target lists")

	// Without a second account, the isolation checks all skip.
	jsonPath := filepath.Join(t.TempDir(), "r.json")
	code, stdout, _ = invoke(t, credsOf(e), "run", "--endpoint", e.URL, "--all-instances", "--only", "SI-ACCT", "--seed", "1", "--json", jsonPath)
	require.Equal(t, exitUsage, code, stdout)
	require.Equal(t, "INCOMPLETE: nothing was judged (no check passed, 3 checks skipped)", lastLine(stdout))
	_, raw := readJSONReport(t, jsonPath)
	require.Equal(t, false, raw["complete"], "the JSON never says complete next to an INCOMPLETE verdict")
	require.Equal(t, "nothing was judged (no check passed, 3 checks skipped)", raw["incomplete_reason"])
}

// A run that skipped says on how many checks its verdict rests; with
// --require-all any skip fails the gate.
func TestRunSaysWhatItJudged(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	args := []string{"run", "--endpoint", e.URL, "--all-instances", "--only", "SI-ACCT-01,SI-ID-01", "--seed", "1"}
	code, stdout, _ := invoke(t, credsOf(e), args...)
	require.Equal(t, exitOK, code, stdout)
	require.Equal(t, "CONFORMANT on 1 of 2 checks (1 skipped: SI-ACCT-01)", lastLine(stdout))

	dir := t.TempDir()
	jsonPath := filepath.Join(dir, "r.json")
	code, stdout, _ = invoke(t, credsOf(e), append(args, "--require-all", "--json", jsonPath)...)
	require.Equal(t, exitUsage, code, stdout)
	require.Equal(t, "INCOMPLETE: 1 of 2 checks skipped (SI-ACCT-01), and every check was required (--require-all)", lastLine(stdout))
	_, raw := readJSONReport(t, jsonPath)
	require.Equal(t, true, raw["require_all"])
	require.Equal(t, false, raw["complete"], "the JSON never says complete next to an INCOMPLETE verdict")
	require.Equal(t, "INCOMPLETE", raw["verdict"])
	require.Contains(t, raw["incomplete_reason"], "--require-all")
}

// Credentials the target refuses are our configuration's fault, never
// the target's: a wrong second key skips the isolation checks, naming the
// variable, and the rest goes on; a wrong lane or main key stops the run
// (exit 2), naming its variable.
func TestRunRefusedCredentialsNameTheVariable(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	env := credsOf(e)
	env["TENCENTCLOUD_SECRET_ID_2"], env["TENCENTCLOUD_SECRET_KEY_2"] = e.Cred2.SecretID, "wrong-"+e.Cred2.SecretKey
	jsonPath := filepath.Join(t.TempDir(), "r.json")
	code, stdout, stderr := invoke(t, env, "run", "--endpoint", e.URL, "--all-instances", "--only", "SI-ACCT,SI-ID-01", "--seed", "1", "--json", jsonPath)
	requireNoSecret(t, "stdout", stdout, e.Cred2.SecretKey, env["TENCENTCLOUD_SECRET_KEY_2"])
	require.Equal(t, exitOK, code, "the target is not to blame\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	require.NotRegexp(t, `(?m)^FAIL|  FAIL  `, stdout)
	require.Equal(t, "CONFORMANT on 1 of 4 checks (3 skipped: SI-ACCT-01, SI-ACCT-02, SI-ACCT-03)", lastLine(stdout))
	r, raw := readJSONReport(t, jsonPath)
	require.Contains(t, raw["fleet"], "the target refused its credentials", "the header says so too")
	for _, c := range r.Checks {
		if strings.HasPrefix(*c.ID, "SI-ACCT") {
			require.Equal(t, "skip", *c.Status)
			require.Contains(t, *c.Reason, "the target refused the credentials of second (AuthFailure.SignatureFailure")
			require.True(t, strings.HasSuffix(*c.Reason, "check TENCENTCLOUD_SECRET_KEY_2"), *c.Reason)
		}
	}

	env = credsOf(e)
	env["TENCENTCLOUD_SECRET_ID_3"], env["TENCENTCLOUD_SECRET_KEY_3"] = e.Lanes[0].SecretID, "wrong-"+e.Lanes[0].SecretKey
	code, stdout, stderr = invoke(t, env, "run", "--endpoint", e.URL, "--all-instances", "--only", "SI-ID-01")
	require.Equal(t, exitUsage, code)
	requireOneSentence(t, stdout, stderr, "check TENCENTCLOUD_SECRET_KEY_3")

	env = credsOf(e)
	env["TENCENTCLOUD_SECRET_KEY"] = "wrong-" + e.Cred.SecretKey
	code, stdout, stderr = invoke(t, env, "run", "--endpoint", e.URL, "--all-instances", "--only", "SI-ID-01")
	require.Equal(t, exitUsage, code)
	requireOneSentence(t, stdout, stderr, "check TENCENTCLOUD_SECRET_KEY")
}

// `judge` of recordings that hold nothing to judge (a HAR with no
// entries) exits 2: nothing was judged.
func TestJudgeNothingJudged(t *testing.T) {
	t.Parallel()
	har := filepath.Join(t.TempDir(), "empty.har")
	require.NoError(t, os.WriteFile(har, []byte(`{"log":{"version":"1.2","creator":{"name":"test","version":"1"},"entries":[]}}`), 0o600))
	code, stdout, stderr := invokeJudge(t, nil, har)
	require.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	require.True(t, strings.HasPrefix(lastLine(stdout), "INCOMPLETE: nothing was judged"), lastLine(stdout))
}

// `proxy` in front of an upstream that never answers (its clients get the
// proxy's own 502) judged nothing: the exchange is an error of its run,
// and the verdict is INCOMPLETE, exit 2, never CONFORMANT.
func TestProxyDeadUpstreamIsNotJudged(t *testing.T) {
	t.Parallel()
	// An upstream that hangs up on every connection without a word. (A
	// closed port is not dead for long: a parallel test may listen there.)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			conn.Close()
		}
	}()
	dead := "http://" + l.Addr().String()

	reportPath := filepath.Join(t.TempDir(), "report.json")
	p := startProxyCmd(t, nil, "--upstream", dead, "--report", reportPath)
	cred := tcapi.Credential{SecretID: "AKIDproxyTestDeadUpstream0000000", SecretKey: "k"}
	req, err := tcapi.NewRequest(context.Background(), p.url, tcapi.Call{Action: model.ActionDescribe, Version: model.APIVersion,
		Region: "ap-guangzhou", Timestamp: time.Now()}, cred)
	require.NoError(t, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusBadGateway, res.StatusCode, "the proxy's own answer")

	require.Equal(t, exitUsage, p.stop())
	last := lastLine(p.stdout())
	require.True(t, strings.HasPrefix(last, "INCOMPLETE: 1 of 1 exchanges got no answer from the upstream"), last)
	b, err := os.ReadFile(reportPath)
	require.NoError(t, err)
	var rep struct {
		Complete bool `json:"complete"`
		Summary  struct{ Pass int }
	}
	require.NoError(t, json.Unmarshal(b, &rep))
	require.False(t, rep.Complete)
	require.Zero(t, rep.Summary.Pass, "an exchange never answered is not a pass")
}

// A run stopped by --fail-fast did not reach its end either: its failure
// stands (exit 1), and the reports say the rest was not run.
func TestRunFailFastIsIncomplete(t *testing.T) {
	t.Parallel()
	jsonPath := filepath.Join(t.TempDir(), "r.json")
	code, stdout, _ := invoke(t, nil, "run", "--fault", "malformed-id-not-found", "--fail-fast", "--only", "SI-ID,SI-PARAM", "--seed", "1",
		"--lanes-per-account", "1", "--json", jsonPath)
	require.Equal(t, exitFailed, code)
	require.Regexp(t, `^NOT CONFORMANT: .*; the run did not reach its end: --fail-fast: SI-ID-0[0-9] failed$`, lastLine(stdout))
	_, raw := readJSONReport(t, jsonPath)
	require.Equal(t, false, raw["complete"])
	require.Contains(t, raw["incomplete_reason"], "--fail-fast")
}
