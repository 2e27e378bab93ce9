package main

import (
	"encoding/json"
	"encoding/xml"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/stretchr/testify/require"
)

// fakeCreds are credentials no target knows; tests that must refuse before
// connecting need some to get past the credentials check.
var fakeCreds = map[string]string{"TENCENTCLOUD_SECRET_ID": "AKIDrunTestFake000000000000000", "TENCENTCLOUD_SECRET_KEY": "not-a-real-key"}

// startEmulator starts the reference emulator for one test.
func startEmulator(t *testing.T, faults ...string) *emulator.Embedded {
	t.Helper()
	e, err := emulator.StartEmbedded(emulator.EmbeddedOptions{Latency: 20 * time.Millisecond, Faults: faults})
	require.NoError(t, err)
	t.Cleanup(func() { e.Close() })
	return e
}

// credsOf is the environment holding e's first account's credentials.
func credsOf(e *emulator.Embedded) map[string]string {
	return map[string]string{"TENCENTCLOUD_SECRET_ID": e.Cred.SecretID, "TENCENTCLOUD_SECRET_KEY": e.Cred.SecretKey}
}

// runLines are the lines of stderr that are the run's own messages, as
// opposed to the progress note.
func runLines(stderr string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if strings.HasPrefix(l, "cvmconform run: ") {
			out = append(out, l)
		}
	}
	return out
}

// requireOneSentence checks that a refused run said why in one line of
// stderr and printed no report.
func requireOneSentence(t *testing.T, stdout, stderr, want string) {
	t.Helper()
	require.Empty(t, stdout, "no report for a run that could not be made")
	lines := runLines(stderr)
	require.Len(t, lines, 1, "one message; stderr:\n%s", stderr)
	require.Contains(t, lines[0], want)
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		require.True(t, strings.HasPrefix(l, "cvmconform"), "nothing but the message and the progress note: %q", l)
	}
}

// countingListener accepts connections on addr and counts them, never
// answering: any connection at all is a request the CLI should not have
// sent.
func countingListener(t *testing.T, addr string) (url string, accepted *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	t.Cleanup(func() { l.Close() })
	accepted = &atomic.Int32{}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	return "http://" + l.Addr().String(), accepted
}

// nonLoopbackIP returns an address of this machine that is not loopback,
// or "" if it has none.
func nonLoopbackIP() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	return ""
}

func TestRunUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		want   string
		reason string
	}{
		{"extra-argument", []string{"extra"}, nil, `unexpected argument "extra"`, "run takes flags only"},
		{"signature", []string{"--signature", "bogus"}, nil, `--signature "bogus": want tc3, hmacsha256, hmacsha1 or all`, "the styles are listed"},
		{"rate-limit-zero", []string{"--rate-limit", "0"}, nil, "--rate-limit must be positive", "a limit of 0 cannot be paced"},
		{"rate-limit-negative", []string{"--rate-limit", "-3"}, nil, "--rate-limit must be positive", "nor a negative one"},
		{"checks-zero", []string{"--checks", "0"}, nil, "--checks must be positive", "SI-PROP-01 needs sequences"},
		{"region", []string{"--region", "mars-north-1"}, nil, `--region "mars-north-1" is not a region the SDK lists`, "an unknown region"},
		{"region-env", nil, map[string]string{"TENCENTCLOUD_REGION": "mars-north-1"}, `--region "mars-north-1"`, "the region from the environment is checked too"},
		{"only", []string{"--only", "SI-NOPE"}, nil, "--only SI-NOPE matches no check", "a prefix that selects nothing is a usage error, not an empty pass"},
		{"instances-malformed", []string{"--endpoint", "http://127.0.0.1:9", "--instances", "ins-12345678,ins-1122"}, fakeCreds,
			`--instances: "ins-1122" is not an instance ID`, "every allow-listed ID is checked"},
		{"instances-and-all", []string{"--endpoint", "http://127.0.0.1:9", "--instances", "ins-12345678", "--all-instances"}, fakeCreds,
			"give --instances or --all-instances, not both", "the two allow-lists exclude each other"},
		{"endpoint-scheme", []string{"--endpoint", "ftp://127.0.0.1"}, fakeCreds, `--endpoint "ftp://127.0.0.1": want an http(s) URL`, "only http(s)"},
		{"settle-negative", []string{"--settle-timeout", "-1s"}, nil, "--settle-timeout must not be negative", "a bound is a duration"},
		{"variant-unknown", []string{"--variant", "gremlins=yes"}, nil, `--variant: unknown variant "gremlins"`, "variants are listed by emulate --list-variants"},
		{"variant-choice", []string{"--variant", "id-malformed=Nope"}, nil, `variant id-malformed: unknown choice "Nope"`, "the choices are listed"},
		{"variant-endpoint", []string{"--endpoint", "http://127.0.0.1:9", "--all-instances", "--variant", "op-state=lag"}, fakeCreds,
			"--variant and --fault change the embedded emulator", "another endpoint's behaviour is not ours to choose"},
		{"fault-unknown", []string{"--fault", "gremlins"}, nil, `unknown fault "gremlins"`, "faults are listed by emulate --list-faults"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := invoke(t, tc.env, append([]string{"run"}, tc.args...)...)
			require.Equal(t, exitUsage, code, "reason: %s\nstderr: %s", tc.reason, stderr)
			requireOneSentence(t, stdout, stderr, tc.want)
		})
	}
	t.Run("unknown-flag", func(t *testing.T) {
		t.Parallel()
		code, stdout, stderr := invoke(t, nil, "run", "--bogus")
		require.Equal(t, exitUsage, code)
		require.Empty(t, stdout)
		require.Equal(t, "cvmconform run: flag provided but not defined: -bogus (see 'cvmconform run -h')\n", stderr, "one line says what is wrong and where the flags are")
	})
	t.Run("help", func(t *testing.T) {
		t.Parallel()
		_, _, stderr := invoke(t, nil, "run", "-h")
		for _, flag := range []string{"-endpoint", "-instances", "-all-instances", "-rate-limit", "-seed", "-only", "-signature", "-strict", "-json", "-junit", "-settle-timeout", "-variant", "-fault"} {
			require.Contains(t, stderr, flag)
		}
	})
}

func TestRunRefusesUnsafeTargets(t *testing.T) {
	t.Parallel()
	t.Run("cloud-without-instances", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		code, stdout, stderr := invoke(t, fakeCreds, "run", "--endpoint", "https://cvm.tencentcloudapi.com")
		require.Equal(t, exitUsage, code)
		requireOneSentence(t, stdout, stderr, "name the instances the suite may stop and start with --instances")
		require.Less(t, time.Since(start), time.Second, "refused before any network")
	})
	t.Run("cloud-name-without-instances", func(t *testing.T) {
		t.Parallel()
		code, stdout, stderr := invoke(t, fakeCreds, "run", "--endpoint", "tencentcloud", "--region", "ap-shanghai-fsi")
		require.Equal(t, exitUsage, code)
		requireOneSentence(t, stdout, stderr, "https://cvm.ap-shanghai-fsi.tencentcloudapi.com is not on this machine")
	})
	t.Run("cloud-all-instances", func(t *testing.T) {
		t.Parallel()
		code, stdout, stderr := invoke(t, fakeCreds, "run", "--endpoint", "https://cvm.tencentcloudapi.com", "--all-instances")
		require.Equal(t, exitUsage, code)
		requireOneSentence(t, stdout, stderr, "--all-instances is only for a target on this machine")
	})
	t.Run("no-network", func(t *testing.T) {
		t.Parallel()
		ip := nonLoopbackIP()
		if ip == "" {
			t.Skip("this machine has no non-loopback address to listen on")
		}
		url, accepted := countingListener(t, net.JoinHostPort(ip, "0"))
		for _, args := range [][]string{{"--endpoint", url}, {"--endpoint", url, "--all-instances"}} {
			code, stdout, stderr := invoke(t, fakeCreds, append([]string{"run"}, args...)...)
			require.Equal(t, exitUsage, code, "%v", args)
			requireOneSentence(t, stdout, stderr, "--instances")
		}
		require.Zero(t, accepted.Load(), "the CLI connected to a target it refused")
	})
	t.Run("loopback-without-allow-list", func(t *testing.T) {
		t.Parallel()
		url, accepted := countingListener(t, "127.0.0.1:0")
		code, stdout, stderr := invoke(t, fakeCreds, "run", "--endpoint", url)
		require.Equal(t, exitUsage, code)
		requireOneSentence(t, stdout, stderr, "name the instances the suite may stop and start with --instances, or allow all of them with --all-instances")
		require.Zero(t, accepted.Load(), "the CLI connected to a target it refused")
	})
	t.Run("no-credentials", func(t *testing.T) {
		t.Parallel()
		url, accepted := countingListener(t, "127.0.0.1:0")
		for _, env := range []map[string]string{nil, {"TENCENTCLOUD_SECRET_ID": "AKIDonly"}, {"TENCENTCLOUD_SECRET_KEY": "only"}} {
			code, stdout, stderr := invoke(t, env, "run", "--endpoint", url, "--all-instances")
			require.Equal(t, exitUsage, code)
			requireOneSentence(t, stdout, stderr, "set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY")
		}
		require.Zero(t, accepted.Load())
	})
}

func TestRunUnreachableTarget(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	url := "http://" + l.Addr().String()
	l.Close()
	env := map[string]string{"TENCENTCLOUD_SESSION_TOKEN": "session-token-0123456789abcdef"}
	for k, v := range fakeCreds {
		env[k] = v
	}
	// With a v1 signature the request's URL holds the SecretId, the
	// Signature and the Token: the message must not quote it.
	for _, sig := range []string{"tc3", "hmacsha256", "hmacsha1"} {
		code, stdout, stderr := invoke(t, env, "run", "--endpoint", url, "--all-instances", "--only", "SI-ID-01", "--signature", sig)
		require.Equal(t, exitUsage, code)
		requireNoSecret(t, "stderr with --signature "+sig, stderr, env["TENCENTCLOUD_SECRET_KEY"], env["TENCENTCLOUD_SECRET_ID"], env["TENCENTCLOUD_SESSION_TOKEN"])
		requireOneSentence(t, stdout, stderr, "unreachable")
	}
}

func TestRunRejectedCredentials(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	wrong := map[string]string{"TENCENTCLOUD_SECRET_ID": e.Cred.SecretID, "TENCENTCLOUD_SECRET_KEY": "wrong-" + e.Cred.SecretKey}
	code, stdout, stderr := invoke(t, wrong, "run", "--endpoint", e.URL, "--all-instances", "--only", "SI-ID-01")
	requireNoSecret(t, "stderr", stderr, e.Cred.SecretKey, wrong["TENCENTCLOUD_SECRET_KEY"], e.Cred.SecretID)
	require.Equal(t, exitUsage, code)
	requireOneSentence(t, stdout, stderr, "the target refused the credentials")

	code, stdout, stderr = invoke(t, fakeCreds, "run", "--endpoint", e.URL, "--all-instances", "--only", "SI-ID-01")
	require.Equal(t, exitUsage, code)
	requireOneSentence(t, stdout, stderr, "the target refused the credentials")
}

// jsonReport is the JSON report's stable part (DESIGN "Command line").
type jsonReport struct {
	Target     *string `json:"target"`
	Seed       *uint64 `json:"seed"`
	Started    *string `json:"started"`
	DurationMS *int64  `json:"duration_ms"`
	Requests   *int    `json:"requests"`
	Checks     []struct {
		ID, Title, Spec, Status, Reason, Counterexample *string
	} `json:"checks"`
	Summary *struct{ Pass, Fail, Skip, Error *int } `json:"summary"`
}

func readJSONReport(t *testing.T, path string) (jsonReport, map[string]any) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var raw map[string]any
	require.NoError(t, json.Unmarshal(b, &raw))
	for _, k := range []string{"target", "seed", "started", "duration_ms", "requests", "checks", "summary"} {
		require.Contains(t, raw, k)
	}
	for _, c := range raw["checks"].([]any) {
		for _, k := range []string{"id", "title", "spec", "status", "reason", "counterexample"} {
			require.Contains(t, c, k)
		}
	}
	for _, k := range []string{"pass", "fail", "skip", "error"} {
		require.Contains(t, raw["summary"], k)
	}
	var r jsonReport
	require.NoError(t, json.Unmarshal(b, &r))
	return r, raw
}

type junitReport struct {
	XMLName xml.Name `xml:"testsuites"`
	Tests   int      `xml:"tests,attr"`
	Fails   int      `xml:"failures,attr"`
	Errors  int      `xml:"errors,attr"`
	Suites  []struct {
		Cases []struct {
			Name    string    `xml:"name,attr"`
			Failure *struct{} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func readJUnit(t *testing.T, path string) junitReport {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var r junitReport
	require.NoError(t, xml.Unmarshal(b, &r), "the JUnit report parses")
	return r
}

func TestRunConformantTarget(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	dir := t.TempDir()
	jsonPath, junitPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml")
	start := time.Now()
	code, stdout, stderr := invoke(t, credsOf(e), "run", "--endpoint", e.URL, "--all-instances", "--only", "SI-ID,SI-BATCH-01",
		"--seed", "42", "--json", jsonPath, "--junit", junitPath)
	for name, text := range map[string]string{"stdout": stdout, "stderr": stderr, "JSON": mustRead(t, jsonPath), "JUnit": mustRead(t, junitPath)} {
		requireNoSecret(t, name, text, e.Cred.SecretKey, e.Cred.SecretID)
	}
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	require.Less(t, time.Since(start), 5*time.Second)
	require.Contains(t, stdout, "\nCONFORMANT")
	require.Regexp(t, `(?m)^\s*seed:\s+42$`, stdout, "the seed is in the header")
	require.Contains(t, stdout, e.URL)
	require.NotContains(t, stdout, "replay:", "nothing failed")

	r, _ := readJSONReport(t, jsonPath)
	require.Equal(t, uint64(42), *r.Seed)
	require.Equal(t, e.URL, *r.Target)
	_, err := time.Parse(time.RFC3339, *r.Started)
	require.NoError(t, err, "started is RFC 3339")
	require.Positive(t, *r.Requests)
	require.GreaterOrEqual(t, *r.DurationMS, int64(0))
	var ids []string
	for _, c := range r.Checks {
		ids = append(ids, *c.ID)
		require.Equal(t, "pass", *c.Status, "%s: %s", *c.ID, *c.Reason)
		require.NotEmpty(t, *c.Title)
		require.NotEmpty(t, *c.Spec)
	}
	require.Contains(t, ids, "SI-ID-01")
	require.Contains(t, ids, "SI-BATCH-01")
	for _, id := range ids {
		require.True(t, id == "SI-BATCH-01" || strings.HasPrefix(id, "SI-ID-"), "--only selected %s", id)
	}
	require.Equal(t, len(ids), *r.Summary.Pass)
	require.Zero(t, *r.Summary.Fail+*r.Summary.Skip+*r.Summary.Error)

	ju := readJUnit(t, junitPath)
	require.Equal(t, len(ids), ju.Tests)
	require.Zero(t, ju.Fails)
}

func TestRunEmbeddedTarget(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := invoke(t, nil, "run", "--only", "SI-ID-01", "--seed", "42")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	require.Regexp(t, `(?m)^\s*seed:\s+42$`, stdout)
	require.Contains(t, stdout, "(embedded emulator)")
	require.Contains(t, stdout, "\nCONFORMANT")
}

var replayLine = regexp.MustCompile(`(?m)^\s*replay: (cvmconform run .*)$`)

func TestRunFaultyTargetFailsAndReplays(t *testing.T) {
	t.Parallel()
	e := startEmulator(t, "malformed-id-not-found")
	dir := t.TempDir()
	jsonPath, junitPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml")
	code, stdout, stderr := invoke(t, credsOf(e), "run", "--endpoint", e.URL, "--all-instances", "--only", "SI-ID,SI-BATCH-01",
		"--json", jsonPath, "--junit", junitPath)
	for name, text := range map[string]string{"stdout": stdout, "stderr": stderr, "JSON": mustRead(t, jsonPath), "JUnit": mustRead(t, junitPath)} {
		requireNoSecret(t, name, text, e.Cred.SecretKey, e.Cred.SecretID)
	}
	require.Equal(t, exitFailed, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	require.Contains(t, stdout, "FAIL  SI-ID-01")
	require.Contains(t, stdout, "NOT CONFORMANT")
	require.Contains(t, stdout, "counterexample:")
	require.Contains(t, stdout, `StopInstances {"InstanceIds":["ins-1122"]}`, "the counterexample shows the request")
	require.Contains(t, stdout, "InvalidInstanceId.NotFound", "and the answer")

	m := replayLine.FindAllStringSubmatch(stdout, -1)
	require.NotEmpty(t, m, "a replay line:\n%s", stdout)
	var replay string
	for _, l := range m {
		if strings.Contains(l[1], "--only SI-ID-01") {
			replay = l[1]
		}
	}
	require.NotEmpty(t, replay, "a replay line for SI-ID-01: %q", m)
	require.Regexp(t, `--seed \d+`, replay)
	require.Contains(t, replay, "--endpoint "+e.URL)
	require.Contains(t, replay, "--all-instances")

	r, _ := readJSONReport(t, jsonPath)
	var failed bool
	for _, c := range r.Checks {
		if *c.ID == "SI-ID-01" {
			failed = *c.Status == "fail" && *c.Counterexample != "" && *c.Reason != ""
		}
	}
	require.True(t, failed, "the JSON report has SI-ID-01 failing with a reason and a counterexample")
	require.Positive(t, *r.Summary.Fail)
	ju := readJUnit(t, junitPath)
	require.Positive(t, ju.Fails)

	// The replay reproduces: the same flags fail the same check again.
	args := strings.Fields(replay)
	require.Equal(t, []string{"cvmconform", "run"}, args[:2])
	code, stdout, stderr = invoke(t, credsOf(e), args[1:]...)
	require.Equal(t, exitFailed, code, "the replay %q: stdout:\n%s\nstderr:\n%s", replay, stdout, stderr)
	require.Contains(t, stdout, "FAIL  SI-ID-01")
	require.Contains(t, stdout, "1 check: 0 pass, 1 fail", "the replay runs the one check")
	require.Contains(t, stdout, replay, "and prints the same replay command")
}

// requireNoSecret fails if text holds any of secrets, without printing
// either.
func requireNoSecret(t *testing.T, what, text string, secrets ...string) {
	t.Helper()
	for i, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Fatalf("the %s holds secret #%d (not shown)", what, i+1)
		}
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}
