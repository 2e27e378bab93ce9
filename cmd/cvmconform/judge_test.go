package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/fixtures"
	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/passive"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// invokeJudge runs `cvmconform judge` with args and a fixed environment
// (called directly: main's dispatch is not this file's).
func invokeJudge(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	c := cli{ctx: context.Background(), stdout: &out, stderr: &errb, env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	code = c.judge(args)
	return code, out.String(), errb.String()
}

// targetCycle describes, stops (HARD) and waits for one instance of e
// through runner.Target, then stops a malformed ID (seed §6 "ins-1122"),
// and returns the exchanges, as 'run' records them.
func targetCycle(t *testing.T, e *emulator.Embedded, id string) []*runner.Exchange {
	t.Helper()
	tg, err := runner.NewTarget(runner.TargetConfig{Endpoint: e.URL, Region: "ap-guangzhou", Cred: e.Cred, Allowed: func(string) bool { return true }})
	require.NoError(t, err)
	ctx := context.Background()
	ids := tcapi.Param{Name: "InstanceIds", Value: model.Strs(id)}
	_, _, err = tg.Describe(ctx, "T", ids)
	require.NoError(t, err)
	_, err = tg.Do(ctx, runner.Send{Check: "T", Call: tcapi.Call{Action: model.ActionStop, Params: []tcapi.Param{ids, {Name: "StopType", Value: model.Str("HARD")}}}})
	require.NoError(t, err)
	for deadline := time.Now().Add(5 * time.Second); ; {
		_, res, err := tg.Describe(ctx, "T", ids)
		require.NoError(t, err)
		if res.Instances[0].State == model.Stopped {
			break
		}
		require.True(t, time.Now().Before(deadline))
		time.Sleep(30 * time.Millisecond)
	}
	_, err = tg.Do(ctx, runner.Send{Check: "T", Call: tcapi.Call{Action: model.ActionStop, Params: []tcapi.Param{{Name: "InstanceIds", Value: model.Strs("ins-1122")}}}})
	require.NoError(t, err)
	return tg.Transcript().Since(0)
}

// recordings writes the exchanges as a transcript and as a vcrpy cassette
// in dir, and returns their paths.
func recordings(t *testing.T, dir, name string, xs []*runner.Exchange) (transcript, cassette string) {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, passive.WriteTranscript(&b, xs))
	transcript = filepath.Join(dir, name+".jsonl")
	require.NoError(t, os.WriteFile(transcript, b.Bytes(), 0o644))
	var inter []any
	for _, x := range xs {
		h := map[string][]string{}
		for _, l := range x.Headers {
			k, v, _ := strings.Cut(l, ": ")
			h[k] = append(h[k], v)
		}
		inter = append(inter, map[string]any{
			"request": map[string]any{"body": x.Body, "headers": h, "method": x.Method, "uri": x.URL},
			"response": map[string]any{"body": map[string]any{"string": x.RawResponse},
				"headers": map[string][]string{"Content-Type": {"application/json"}, "Date": {x.Received.UTC().Format(http.TimeFormat)}},
				"status":  map[string]any{"code": x.Status, "message": "OK"}},
		})
	}
	y, err := yaml.Marshal(map[string]any{"interactions": inter, "version": 1})
	require.NoError(t, err)
	cassette = filepath.Join(dir, name+".yaml")
	require.NoError(t, os.WriteFile(cassette, y, 0o644))
	return transcript, cassette
}

func TestJudgeCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	clean := startEmulator(t)
	faulty := startEmulator(t, "malformed-id-not-found")
	cleanT, cleanC := recordings(t, dir, "clean", targetCycle(t, clean, "ins-43jl0gw2"))
	faultyXs := targetCycle(t, faulty, "ins-43jl0gw2")
	faultyT, faultyC := recordings(t, dir, "faulty", faultyXs)

	code, stdout, stderr := invokeJudge(t, nil, cleanT, cleanC)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	require.Contains(t, stdout, "CONFORMANT")
	require.NotContains(t, stdout, "NOT CONFORMANT")
	require.Contains(t, stdout, "  files:      "+cleanT+", "+cleanC+"\n")
	require.True(t, strings.HasPrefix(stdout, "cvmconform: StopInstances recorded traffic judged: 2 files, "), stdout)
	requireJudgedReport(t, "console", stdout)

	jsonPath, junitPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml")
	code, stdout, _ = invokeJudge(t, nil, "--json", jsonPath, "--junit", junitPath, cleanT, faultyT, faultyC)
	require.Equal(t, exitFailed, code, stdout)
	require.Contains(t, stdout, "NOT CONFORMANT: 2 files failed")
	last := fmt.Sprintf("#%d", len(faultyXs))
	require.Contains(t, stdout, faultyT+" "+last+": ID-MALFORMED")
	require.Contains(t, stdout, faultyC+" "+last+": ID-MALFORMED")
	js, err := os.ReadFile(jsonPath)
	require.NoError(t, err)
	var rep struct {
		Kind     string
		Target   string
		SeedText string `json:"seed_text"`
		Checks   []struct{ ID, Status string }
	}
	require.NoError(t, json.Unmarshal(js, &rep))
	require.Equal(t, "recorded", rep.Kind, "the JSON says what it is a report of")
	require.Equal(t, strings.Join([]string{cleanT, faultyT, faultyC}, ", "), rep.Target)
	require.Empty(t, rep.SeedText, "recordings have no seed")
	require.Len(t, rep.Checks, 3)
	require.Equal(t, []string{"pass", "fail", "fail"}, []string{rep.Checks[0].Status, rep.Checks[1].Status, rep.Checks[2].Status})
	xml, err := os.ReadFile(junitPath)
	require.NoError(t, err)
	for _, out := range []string{stdout, string(js), string(xml)} {
		require.NotContains(t, out, faulty.Cred.SecretKey)
		require.NotContains(t, out, faulty.Cred.SecretID)
	}
	requireJudgedReport(t, "console", stdout)
	requireJudgedReport(t, "JSON", string(js))
	requireJudgedReport(t, "JUnit", string(xml))
	require.Contains(t, string(xml), `<testsuite name="cvmconform judge"`)
}

// runWords is what only a conformance run's report says: that it is one,
// its seed (the header's line, a replay command, the JUnit property, the
// JSON's seed_text), its request rate and its lanes. A finding may cite
// the seed document ("seed §1"): that is not a seed.
var runWords = regexp.MustCompile(`conformance run|(?m)^\s*seed:|--seed|name="seed"|"seed_text": "\d|"seed": [1-9]|req/s|over \d+ lanes|"lanes": [1-9]`)

// requireJudgedReport fails if a report of judge or proxy says what only
// a run says.
func requireJudgedReport(t *testing.T, what, out string) {
	t.Helper()
	require.NotRegexp(t, runWords, out, "the %s report of judged traffic says what only a run says:\n%s", what, out)
}

// A judge report says what was judged, and never that it is a
// conformance run or has a seed: the README's worked example, rendered by
// the command.
func TestJudgeReportIsNoRun(t *testing.T) {
	t.Parallel()
	const cassette = "../../runner/passive/testdata/stop-poll.yaml"
	dir := t.TempDir()
	jsonPath, junitPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml")
	code, stdout, stderr := invokeJudge(t, nil, "--json", jsonPath, "--junit", junitPath, cassette)
	require.Equal(t, exitFailed, code, stderr)
	require.True(t, strings.HasPrefix(stdout, "cvmconform: StopInstances recorded traffic judged: 1 file, 3 exchanges\n"+
		"  files:      "+cassette+"\n"), stdout)
	require.Contains(t, stdout, "\n1 file: 0 pass, 1 fail, 0 skip, 0 error — 3 exchanges over 6.0s\n")
	require.True(t, strings.HasSuffix(stdout, "\nNOT CONFORMANT: 1 file failed ("+cassette+")\n"), stdout)
	require.Contains(t, stdout, "seed §1", "a finding still cites the seed document")
	requireJudgedReport(t, "console", stdout)
	for _, path := range []string{jsonPath, junitPath} {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		requireJudgedReport(t, filepath.Ext(path), string(b))
	}
	require.Regexp(t, runWords, "cvmconform: StopInstances conformance run\n  seed:       42\n", "the pattern finds a run's header")
}

func TestJudgeCommandRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notRec := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(notRec, []byte("shopping: [eggs"), 0o644))
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		want   string
		reason string
	}{
		{"no-files", nil, nil, "name the recordings to judge", "nothing to judge is a usage error, not a pass"},
		{"missing", []string{filepath.Join(dir, "nope.yaml")}, nil, "nope.yaml: no such file", "an unreadable file is named"},
		{"not-a-recording", []string{notRec}, nil, notRec + ": not a recording cvmconform reads", "the formats are listed"},
		{"key-without-id", []string{notRec}, map[string]string{"TENCENTCLOUD_SECRET_KEY": "k"}, "set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY together", "a key names no SecretId"},
		{"rate", []string{"--rate-limit", "0", notRec}, nil, "--rate-limit must be positive", "a limit of 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := invokeJudge(t, tc.env, tc.args...)
			require.Equal(t, exitUsage, code, tc.reason)
			require.Empty(t, stdout, "no report when the input cannot be read")
			require.Contains(t, stderr, "cvmconform judge: ")
			require.Contains(t, stderr, tc.want, tc.reason)
		})
	}
	code, _, stderr := invokeJudge(t, nil, "-h")
	require.Equal(t, exitOK, code)
	require.Contains(t, stderr, "Usage: cvmconform judge")
}

// Recordings as people make them (fixtures/recordings): cassettes with
// Authorization and X-TC-Timestamp scrubbed and other actions between the
// stops draw no finding; the copy with one listing tampered (STOPPING
// shown RUNNING right after a successful stop) draws exactly that one.
func TestJudgeHandWrittenRecordings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var clean []string
	tampered := ""
	for _, name := range fixtures.RecordingNames() {
		b, err := fixtures.Recording(name)
		require.NoError(t, err)
		path := filepath.Join(dir, filepath.FromSlash(name)+".yaml")
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, b, 0o644))
		if strings.HasPrefix(name, "tampered/") {
			require.Empty(t, tampered, "one tampered copy")
			tampered = path
			continue
		}
		clean = append(clean, path)
	}
	require.Len(t, clean, 3)
	require.NotEmpty(t, tampered)

	code, stdout, stderr := invokeJudge(t, nil, clean...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	require.Contains(t, stdout, "\n3 files: 3 pass, 0 fail, 0 skip, 0 error")
	require.True(t, strings.HasSuffix(stdout, "\nCONFORMANT\n"), stdout)

	code, stdout, stderr = invokeJudge(t, nil, tampered)
	require.Equal(t, exitFailed, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	// One finding: one "✗" line in the counterexample, and the reason is it.
	findings := regexp.MustCompile(`(?m)^\s+✗ .*$`).FindAllString(stdout, -1)
	require.Len(t, findings, 1, stdout)
	require.Regexp(t, `(?m)^  reason:   #9 OBSERVED-STATE: ins-00lycyy6: `, stdout)
	// The console wraps long lines: read it with its white space folded.
	require.Contains(t, strings.Join(strings.Fields(stdout), " "), "got ins-00lycyy6 RUNNING (StopInstances OPERATING")
}
