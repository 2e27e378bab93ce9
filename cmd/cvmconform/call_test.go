package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
)

// callEnv is the environment of a user who exported the emulator's
// credentials, as 'cvmconform emulate' prints them.
func callEnv(e *emulator.Embedded) map[string]string {
	return map[string]string{"TENCENTCLOUD_SECRET_ID": e.Cred.SecretID, "TENCENTCLOUD_SECRET_KEY": e.Cred.SecretKey}
}

// requireNoEnvSecret fails if any secret of env shows in the outputs:
// the key and token never, the SecretId only masked.
func requireNoEnvSecret(t *testing.T, env map[string]string, outputs ...string) {
	t.Helper()
	for _, out := range outputs {
		requireNoSecret(t, "output", out, env["TENCENTCLOUD_SECRET_ID"], env["TENCENTCLOUD_SECRET_KEY"], env["TENCENTCLOUD_SESSION_TOKEN"])
	}
}

// firstInstance returns the ID and state of the first instance a
// DescribeInstances answer lists.
func firstInstance(t *testing.T, answer string) (id, state string) {
	t.Helper()
	var r struct {
		Response struct {
			InstanceSet []struct{ InstanceId, InstanceState string }
		}
	}
	require.NoError(t, json.Unmarshal([]byte(answer), &r), "stdout is the answer: %s", answer)
	require.NotEmpty(t, r.Response.InstanceSet, answer)
	return r.Response.InstanceSet[0].InstanceId, r.Response.InstanceSet[0].InstanceState
}

// TestCallStyles sends one request in each style --signature, --get and
// --form can ask for, to a correct emulator: each is sent as asked (the
// request shown on stderr says how), answered with success, judged
// acceptable (exit 0), and prints no secret.
func TestCallStyles(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	env := callEnv(e)
	env["TENCENTCLOUD_SESSION_TOKEN"] = "" // set but empty: no token sent
	for _, tc := range []struct {
		name  string
		flags []string
		// wire are what the request shown must hold: its method and URL
		// line, and how it is signed.
		wire []string
	}{
		{"tc3 JSON POST (default)", nil,
			[]string{"> POST " + e.URL + "/\n", "Authorization: TC3-HMAC-SHA256 Credential=" + runner.MaskSecretID(e.Cred.SecretID) + "/", "Signature=(redacted)", "Content-Type: application/json", "> {\"Limit\":1}"}},
		{"tc3 GET", []string{"--get"},
			[]string{"> GET " + e.URL + "/?Limit=1\n", "Authorization: TC3-HMAC-SHA256", "Signature=(redacted)"}},
		{"hmacsha1 form POST (v1 default)", []string{"--signature", "hmacsha1"},
			[]string{"> POST " + e.URL + "/\n", "Content-Type: application/x-www-form-urlencoded", "Signature=%28redacted%29", "Limit=1"}},
		{"hmacsha1 --form", []string{"--signature", "hmacsha1", "--form"},
			[]string{"> POST " + e.URL + "/\n", "Content-Type: application/x-www-form-urlencoded", "Signature=%28redacted%29"}},
		{"hmacsha256 form POST", []string{"--signature", "hmacsha256"},
			[]string{"> POST " + e.URL + "/\n", "SignatureMethod=HmacSHA256", "Signature=%28redacted%29"}},
		{"hmacsha256 GET", []string{"--signature", "hmacsha256", "--get"},
			[]string{"> GET " + e.URL + "/?", "SignatureMethod=HmacSHA256", "Signature=%28redacted%29", "Limit=1"}},
		{"hmacsha1 GET", []string{"--signature", "HmacSHA1", "--get"},
			[]string{"> GET " + e.URL + "/?", "Signature=%28redacted%29", "Limit=1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"call", "--endpoint", e.URL}, tc.flags...), "DescribeInstances", `{"Limit":1}`)
			code, stdout, stderr := invoke(t, env, args...)
			require.Equal(t, exitOK, code, "stderr:\n%s", stderr)
			for _, w := range tc.wire {
				require.Contains(t, stderr, w, "the request as sent")
			}
			if strings.Contains(strings.Join(tc.flags, " "), "hmac") {
				require.NotContains(t, stderr, "Authorization:", "v1 is signed in the parameters")
				require.Contains(t, stderr, "SecretId="+strings.ReplaceAll(runner.MaskSecretID(e.Cred.SecretID), "…", "%E2%80%A6"))
			}
			require.Contains(t, stderr, "model:   expected success")
			require.Contains(t, stderr, "verdict: acceptable")
			require.Contains(t, stdout, "\n  \"Response\": {", "indented")
			_, _ = firstInstance(t, stdout)
			requireNoEnvSecret(t, env, stdout, stderr)
		})
	}
}

// TestCallStopsAndJudges stops a RUNNING instance (acceptable: an
// instance the call has not seen may be in any state), sends a
// malformed ID to a correct emulator (refused as the seed says: exit 0)
// and to one that answers InvalidInstanceId.NotFound (exit 1, naming the
// rule), and prints --raw as received.
func TestCallStopsAndJudges(t *testing.T) {
	t.Parallel()
	good, broken := startEmulator(t), startEmulator(t, "malformed-id-not-found")

	env := callEnv(good)
	// Flags may follow the arguments, as on every command.
	code, stdout, stderr := invoke(t, env, "call", "DescribeInstances", `{"Limit":1}`, "--endpoint", good.URL)
	require.Equal(t, exitOK, code, stderr)
	id, state := firstInstance(t, stdout)
	require.Equal(t, "RUNNING", state)
	code, stdout, stderr = invoke(t, env, "call", "--endpoint", good.URL, "StopInstances", `{"InstanceIds":["`+id+`"],"StopType":"HARD"}`)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stderr, `> {"InstanceIds":["`+id+`"],"StopType":"HARD"}`, "the parameters in the order given")
	require.Contains(t, stdout, `"RequestId"`)
	require.NotContains(t, stdout, `"Error"`)
	code, stdout, _ = invoke(t, env, "call", "--endpoint", good.URL, "DescribeInstances", `{"InstanceIds":["`+id+`"]}`)
	require.Equal(t, exitOK, code)
	_, state = firstInstance(t, stdout)
	require.Contains(t, []string{"STOPPING", "STOPPED"}, state, "the stop was sent")
	// Each call knows nothing of the one before: the second stop of the
	// instance is judged as of one that may be in any state.
	code, _, stderr = invoke(t, env, "call", "--endpoint", good.URL, "StopInstances", `{"InstanceIds":["`+id+`"]}`)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stderr, "verdict: acceptable")

	code, _, stderr = invoke(t, env, "call", "--endpoint", good.URL, "StopInstances", `{"InstanceIds":["ins-1122"]}`)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stderr, "model:   expected InvalidInstanceId.Malformed")
	require.Contains(t, stderr, "verdict: acceptable")

	env = callEnv(broken)
	code, stdout, stderr = invoke(t, env, "call", "--endpoint", broken.URL, "--raw", "StopInstances", `{"InstanceIds":["ins-1122"]}`)
	require.Equal(t, exitFailed, code, stderr)
	require.Contains(t, stderr, "verdict: NOT acceptable")
	require.Contains(t, stderr, "finding: "+broken.URL+" #1: ID-MALFORMED: expected InvalidInstanceId.Malformed")
	require.Contains(t, strings.Join(strings.Fields(stderr), " "), "got InvalidInstanceId.NotFound", "the finding, wrapped to the screen")
	for _, line := range strings.Split(stderr, "\n") {
		if !strings.HasPrefix(line, ">") { // the request's headers are as sent, whole
			require.LessOrEqual(t, utf8.RuneCountInString(line), 120, "the judgement fits the screen: %q", line)
		}
	}
	require.True(t, strings.HasPrefix(stdout, `{"Response":{"Error":{"Code":"InvalidInstanceId.NotFound"`), "--raw: the bytes as received, compact: %s", stdout)
	require.NotContains(t, stdout, "\n")
	requireNoEnvSecret(t, env, stdout, stderr)

	// The same with --strict, and another style: one pipeline.
	code, _, stderr = invoke(t, env, "call", "--endpoint", broken.URL, "--strict", "--signature", "hmacsha256", "--get", "StopInstances", `{"InstanceIds":["ins-1122"]}`)
	require.Equal(t, exitFailed, code, stderr)
	require.Contains(t, stderr, "model:   expected InvalidInstanceId.Malformed (or rate-limited, with no effect); strict")
}

// TestCallCannot covers exit 2: the request could not be sent, or its
// answer could not be judged; nothing secret is printed on the way.
func TestCallCannot(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	env := callEnv(e)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())
	// A target that accepts the request and never answers, until the
	// test ends (Cleanup runs last in, first out: release, then Close).
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	t.Cleanup(hung.Close)
	t.Cleanup(func() { close(release) })
	withToken := callEnv(e)
	withToken["TENCENTCLOUD_SESSION_TOKEN"] = "token-the-emulator-does-not-hold"

	for _, tc := range []struct {
		name   string
		env    map[string]string
		args   []string
		stderr string
		reason string
	}{
		{"no action", env, []string{"--endpoint", e.URL}, "want ACTION", "nothing to send"},
		{"three arguments", env, []string{"--endpoint", e.URL, "DescribeInstances", "{}", "{}"}, "want ACTION", "one JSON object at most"},
		{"not JSON", env, []string{"--endpoint", e.URL, "StopInstances", "InstanceIds=ins-1"}, "parameters: want a JSON object", "parameters are JSON"},
		{"JSON array", env, []string{"--endpoint", e.URL, "StopInstances", `["ins-1"]`}, "parameters: want a JSON object", "parameters are an object"},
		{"trailing JSON", env, []string{"--endpoint", e.URL, "StopInstances", `{} {}`}, "nothing after it", "one object"},
		{"no endpoint", env, []string{"DescribeInstances"}, "--endpoint is required", "no default target"},
		{"bad endpoint", env, []string{"--endpoint", "ftp://x", "DescribeInstances"}, "want an http(s) URL", "ResolveEndpoint"},
		{"tc3 form", env, []string{"--endpoint", e.URL, "--form", "DescribeInstances"}, "signed with v1 only", "facts §1: form POST is v1"},
		{"get and form", env, []string{"--endpoint", e.URL, "--signature", "hmacsha1", "--get", "--form", "DescribeInstances"}, "not both", "one style"},
		{"signature all", env, []string{"--endpoint", e.URL, "--signature", "all", "DescribeInstances"}, "one request, one signature", "all is run's"},
		{"unknown signature", env, []string{"--endpoint", e.URL, "--signature", "md5", "DescribeInstances"}, "want tc3", "parseSignature"},
		{"unknown flag", env, []string{"--nope", "DescribeInstances"}, "flag provided but not defined", "flag package"},
		{"no credentials", nil, []string{"--endpoint", e.URL, "DescribeInstances"}, "set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY", "nothing to sign with"},
		{"key without ID", map[string]string{"TENCENTCLOUD_SECRET_KEY": "k"}, []string{"--endpoint", e.URL, "DescribeInstances"}, "set TENCENTCLOUD_SECRET_ID", "nothing to sign with"},
		{"unreachable", env, []string{"--endpoint", closed, "DescribeInstances"}, "target unreachable", "nothing listens there"},
		{"no answer", env, []string{"--endpoint", hung.URL, "--timeout", "50ms", "DescribeInstances"}, "< no answer: ", "sent, but the outcome is unknown"},
		{"not judged", env, []string{"--endpoint", e.URL, "RebootInstances", `{"InstanceIds":["ins-1122"]}`}, "verdict: not judged: the model judges StopInstances, StartInstances and DescribeInstances, not RebootInstances", "an action the model does not judge has no verdict"},
		{"credentials refused", withToken, []string{"--endpoint", e.URL, "--signature", "hmacsha1", "--get", "DescribeInstances"}, "verdict: not judged: the target refused the credentials (AuthFailure.TokenFailure)", "a token the target does not hold is the user's mistake, not the target's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := invoke(t, tc.env, append([]string{"call"}, tc.args...)...)
			require.Equal(t, exitUsage, code, "%s; stderr:\n%s", tc.reason, stderr)
			require.Contains(t, stderr, tc.stderr, tc.reason)
			requireNoEnvSecret(t, tc.env, stdout, stderr)
			if tc.name == "credentials refused" {
				require.Contains(t, stderr, "Token=%28redacted%29")
			}
		})
	}
}

func TestCallHelp(t *testing.T) {
	t.Parallel()
	code, _, stderr := invoke(t, nil, "call", "-h")
	require.Equal(t, exitOK, code)
	for _, want := range []string{"Usage: cvmconform call", "Examples:", "--signature", "--get", "--form", "--raw", "Exit status: 0"} {
		require.Contains(t, stderr, want)
	}
	_, stdout, _ := invoke(t, nil, "--help")
	require.Contains(t, stdout, "  call ", "listed among the commands")
}

// A call that knows nothing of the fleet may accept some 25 answers: the
// model line names the first eight and how many more, not a line of
// 1,000 characters (a new user's finding).
func TestCallNamesFewAnswers(t *testing.T) {
	t.Parallel()
	require.Equal(t, "a | b", fewAnswers("a | b"))
	many := make([]string, 25)
	for i := range many {
		many[i] = fmt.Sprintf("Code%d", i)
	}
	require.Equal(t, "Code0 | Code1 | Code2 | Code3 | Code4 | Code5 | Code6 | Code7 | … and 17 more (25 answers in all)",
		fewAnswers(strings.Join(many, " | ")))
}
