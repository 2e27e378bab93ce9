package main

import (
	"bufio"
	"context"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// startEmulate runs `cvmconform emulate` in-process and returns what it
// printed before serving, a cancel that stops it, and its exit code.
func startEmulate(t *testing.T, env map[string]string, args ...string) (lines []string, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr strings.Builder
	done := make(chan int, 1)
	go func() {
		c := cli{ctx: ctx, stdout: pw, stderr: &stderr, env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
		done <- c.main(append([]string{"emulate", "--listen", "127.0.0.1:0"}, args...))
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if strings.HasPrefix(sc.Text(), "# then:") {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	return lines, func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(10 * time.Second):
			t.Fatal("emulate did not stop")
			return -1
		}
	}
}

func exported(lines []string, name string) string {
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, "export "+name+"="); ok {
			return v
		}
	}
	return ""
}

func TestEmulateServesAndStops(t *testing.T) {
	t.Parallel()
	lines, stop := startEmulate(t, nil, "--stop-latency", "50ms")
	require.NotEmpty(t, lines)
	url, ok := strings.CutPrefix(lines[0], "listening on ")
	require.True(t, ok, "first line: %q", lines[0])
	cred := tcapi.Credential{SecretID: exported(lines, "TENCENTCLOUD_SECRET_ID"), SecretKey: exported(lines, "TENCENTCLOUD_SECRET_KEY")}
	require.NotEmpty(t, cred.SecretKey, "a generated key is printed")
	require.NotEmpty(t, exported(lines, "TENCENTCLOUD_SECRET_ID_2"), "the second account too")
	req, err := tcapi.NewRequest(context.Background(), url, tcapi.Call{Action: model.ActionDescribe, Version: model.APIVersion,
		Region: "ap-guangzhou", Timestamp: time.Now()}, cred)
	require.NoError(t, err)
	res, err := (&httpClient{}).do(req)
	require.NoError(t, err)
	require.Nil(t, res.Error)
	total, err := strconv.Atoi(string(res.Fields["TotalCount"]))
	require.NoError(t, err)
	require.Greater(t, total, 40, "the default fleet")
	require.Equal(t, exitOK, stop())
}

func TestEmulateUsesTheEnvironmentsKey(t *testing.T) {
	t.Parallel()
	lines, stop := startEmulate(t, map[string]string{"TENCENTCLOUD_SECRET_ID": "AKIDmine", "TENCENTCLOUD_SECRET_KEY": "very-secret"})
	require.Equal(t, "AKIDmine", exported(lines, "TENCENTCLOUD_SECRET_ID"))
	for _, l := range lines {
		require.NotContains(t, l, "very-secret", "never print a secret it was given")
	}
	require.Equal(t, exitOK, stop())
}

func TestEmulateFlagErrors(t *testing.T) {
	t.Parallel()
	code, _, stderr := invoke(t, nil, "emulate", "--fault", "gremlins", "--listen", "127.0.0.1:0")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, `unknown fault "gremlins"`)
	code, _, stderr = invoke(t, nil, "emulate", "--fleet", "/nonexistent.json")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "/nonexistent.json")
	code, _, _ = invoke(t, nil, "emulate", "--rate-limit", "-1")
	require.Equal(t, exitUsage, code)
	code, stdout, _ := invoke(t, nil, "emulate", "--list-faults")
	require.Equal(t, exitOK, code)
	require.Contains(t, stdout, "partial-batch")
	code, _, stderr = invoke(t, nil, "emulate", "--variant", "latency=soon", "--listen", "127.0.0.1:0")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, `latency "soon"`)
}

func TestEmulateListVariants(t *testing.T) {
	t.Parallel()
	code, stdout, _ := invoke(t, nil, "emulate", "--list-variants")
	require.Equal(t, exitOK, code)
	for _, want := range []string{"id-malformed  [L-06]", "InvalidParameterValue.InstanceIdMalformed", "op-state  [L-16]",
		"limiter  [L-12]", "proto-region-not-served  [L-26]", "random[:SEED]"} {
		require.Contains(t, stdout, want)
	}
}

// An emulator started with a variant answers that way, and says which.
func TestEmulateWithVariant(t *testing.T) {
	t.Parallel()
	lines, stop := startEmulate(t, nil, "--variant", "id-malformed=InvalidParameterValue", "--variant", "op-state=ahead")
	defer stop()
	require.Contains(t, strings.Join(lines, "\n"), "# variants: id-malformed=InvalidParameterValue,op-state=ahead")
}
