package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// runningProxy is `cvmconform proxy` running in-process.
type runningProxy struct {
	url  string
	mu   sync.Mutex
	out  []string
	errb strings.Builder
	stop func() int
}

func (p *runningProxy) stdout() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.out, "\n")
}

// startProxyCmd runs `cvmconform proxy --listen 127.0.0.1:0` with args
// until stop, which cancels it as SIGINT would and returns its exit code.
func startProxyCmd(t *testing.T, env map[string]string, args ...string) *runningProxy {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	p := &runningProxy{}
	done := make(chan int, 1)
	go func() {
		c := cli{ctx: ctx, stdout: pw, stderr: &lockedWriter{w: &p.errb}, env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
		done <- c.proxy(append([]string{"--listen", "127.0.0.1:0"}, args...))
		pw.Close()
	}()
	first := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			p.mu.Lock()
			if len(p.out) == 0 {
				first <- sc.Text()
			}
			p.out = append(p.out, sc.Text())
			p.mu.Unlock()
		}
		close(first)
	}()
	line := <-first
	url, ok := strings.CutPrefix(line, "listening on ")
	require.True(t, ok, "first line %q; stderr: %s", line, p.errb.String())
	p.url = url
	p.stop = func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(10 * time.Second):
			t.Fatal("proxy did not stop")
			return -1
		}
	}
	return p
}

// send signs one request for the proxy and returns the answer.
func send(t *testing.T, base string, cred tcapi.Credential, action string, params ...tcapi.Param) tcapi.Response {
	t.Helper()
	req, err := tcapi.NewRequest(context.Background(), base, tcapi.Call{Action: action, Version: model.APIVersion,
		Region: "ap-guangzhou", Timestamp: time.Now(), Params: params}, cred)
	require.NoError(t, err)
	res, err := (&httpClient{}).do(req)
	require.NoError(t, err)
	return res
}

func TestProxyCommand(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fault   string
		code    int
		finding string
	}{
		{"", exitOK, ""},
		{"malformed-id-not-found", exitFailed, "ID-MALFORMED"},
	} {
		t.Run("fault="+tc.fault, func(t *testing.T) {
			t.Parallel()
			var faults []string
			if tc.fault != "" {
				faults = append(faults, tc.fault)
			}
			e := startEmulator(t, faults...)
			dir := t.TempDir()
			reportPath, transcriptPath := filepath.Join(dir, "report.json"), filepath.Join(dir, "t.jsonl")
			p := startProxyCmd(t, nil, "--upstream", e.URL, "--report", reportPath, "--transcript", transcriptPath)
			res := send(t, p.url, e.Cred, model.ActionDescribe, tcapi.Param{Name: "InstanceIds", Value: model.Strs("ins-43jl0gw2")})
			require.Nil(t, res.Error)
			res = send(t, p.url, e.Cred, model.ActionStop, tcapi.Param{Name: "InstanceIds", Value: model.Strs("ins-1122")})
			require.NotNil(t, res.Error)
			if tc.finding != "" {
				require.Contains(t, p.stdout(), "finding: "+e.URL+" #2: "+tc.finding, "printed as it happens, before the answer")
			}
			require.Equal(t, tc.code, p.stop())
			out := p.stdout()
			rep, err := os.ReadFile(reportPath)
			require.NoError(t, err)
			var parsed struct {
				Kind     string
				Target   string
				Requests int
				Checks   []struct{ ID, Status, Reason string }
				Coverage []struct {
					Kind, ID  string
					Checks    []string
					Exercised bool
				}
			}
			require.NoError(t, json.Unmarshal(rep, &parsed))
			malformed := slices.IndexFunc(parsed.Coverage, func(c struct {
				Kind, ID  string
				Checks    []string
				Exercised bool
			}) bool {
				return c.Kind == "rule" && c.ID == "ID-MALFORMED"
			})
			require.GreaterOrEqual(t, malformed, 0, "the proxy's report carries the coverage table")
			require.True(t, parsed.Coverage[malformed].Exercised, "the stop of ins-1122 through the proxy broke ID-MALFORMED")
			require.Equal(t, []string{e.URL}, parsed.Coverage[malformed].Checks, "the proxy's traffic is one check, named after the upstream")
			require.Equal(t, "proxy", parsed.Kind, "the JSON says what it is a report of")
			require.Equal(t, e.URL, parsed.Target, "the upstream")
			require.Equal(t, 2, parsed.Requests)
			require.Contains(t, out, "cvmconform: StopInstances traffic through the proxy judged: 2 exchanges\n  upstream:   "+e.URL+"\n")
			requireJudgedReport(t, "console", out)
			requireJudgedReport(t, "JSON", string(rep))
			require.Len(t, parsed.Checks, 1)
			require.Equal(t, e.URL, parsed.Checks[0].ID)
			transcript, err := os.ReadFile(transcriptPath)
			require.NoError(t, err)
			for _, s := range []string{out, string(rep), string(transcript), p.errb.String()} {
				require.NotContains(t, s, e.Cred.SecretKey)
				require.NotContains(t, s, e.Cred.SecretID)
			}
			if tc.finding == "" {
				require.Equal(t, "pass", parsed.Checks[0].Status)
				require.Contains(t, out, "CONFORMANT")
				require.NotContains(t, out, "finding:")
			} else {
				require.Equal(t, "fail", parsed.Checks[0].Status)
				require.Contains(t, out, "NOT CONFORMANT")
			}
			code, _, stderr := invokeJudge(t, nil, transcriptPath)
			require.Equal(t, tc.code, code, "the transcript judges again as the proxy judged: %s", stderr)
		})
	}
}

func TestProxyCommandReportsEvery(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	reportPath := filepath.Join(t.TempDir(), "report.json")
	p := startProxyCmd(t, nil, "--upstream", e.URL, "--report", reportPath, "--report-every", "20ms")
	send(t, p.url, e.Cred, model.ActionDescribe)
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(reportPath)
		return err == nil && strings.Contains(string(b), `"requests": 1`)
	}, 5*time.Second, 10*time.Millisecond, "the report is written while the proxy runs")
	require.Equal(t, exitOK, p.stop())
}

func TestProxyCommandResign(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	env := map[string]string{"TENCENTCLOUD_SECRET_ID": e.Cred.SecretID, "TENCENTCLOUD_SECRET_KEY": e.Cred.SecretKey}
	p := startProxyCmd(t, env, "--upstream", e.URL, "--resign")
	res := send(t, p.url, e.Cred, model.ActionDescribe)
	require.Nil(t, res.Error, "signed again for the emulator's host")
	require.Equal(t, exitOK, p.stop())
	require.NotContains(t, p.stdout(), e.Cred.SecretKey)
}

func TestProxyCommandRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		want   string
		reason string
	}{
		{"no-upstream", nil, nil, "--upstream is required", "there is nothing to forward to"},
		{"bad-upstream", []string{"--upstream", "ftp://x"}, nil, `--upstream: --endpoint "ftp://x": want an http(s) URL`, "only http(s)"},
		{"resign-without-keys", []string{"--upstream", "http://127.0.0.1:9", "--resign"}, nil, "--resign needs the clients' keys", "nothing to sign with"},
		{"every-without-report", []string{"--upstream", "http://127.0.0.1:9", "--report-every", "1s"}, nil, "--report-every needs --report FILE", "nowhere to write"},
		{"listen", []string{"--upstream", "http://127.0.0.1:9", "--listen", "256.0.0.1:0"}, nil, `listen on "256.0.0.1:0"`, "a bad address"},
		{"extra", []string{"--upstream", "http://127.0.0.1:9", "extra"}, nil, `unexpected argument "extra"`, "flags only"},
		{"name-without-region", []string{"--upstream", "tencentcloud"}, nil, "needs --region", "the real cloud's host depends on the region"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out, errb strings.Builder
			c := cli{ctx: context.Background(), stdout: &out, stderr: &errb, env: func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }}
			args := tc.args
			if tc.name != "listen" {
				args = append([]string{"--listen", "127.0.0.1:0"}, args...)
			}
			require.Equal(t, exitUsage, c.proxy(args), tc.reason)
			require.Empty(t, out.String())
			require.Contains(t, errb.String(), tc.want, tc.reason)
		})
	}
}
