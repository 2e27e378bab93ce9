package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// invoke runs the CLI with args and a fixed environment.
func invoke(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	c := cli{ctx: context.Background(), stdout: &out, stderr: &errb, env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	code = c.main(args)
	return code, out.String(), errb.String()
}

func TestUsage(t *testing.T) {
	t.Parallel()
	code, _, stderr := invoke(t, nil)
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "Commands:")
	code, _, stderr = invoke(t, nil, "frobnicate")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, `unknown command "frobnicate"`)
	code, stdout, _ := invoke(t, nil, "--help")
	require.Equal(t, exitOK, code)
	require.Contains(t, stdout, "cvmconform <command>")
}

func TestChecksLedger(t *testing.T) {
	t.Parallel()
	code, stdout, _ := invoke(t, nil, "checks", "--ledger")
	require.Equal(t, exitOK, code)
	for _, want := range []string{"L-01", "ForceStop together with", "InvalidParameterCombination", "Check order", "APPLY-STOP-CHARGING"} {
		require.Contains(t, stdout, want)
	}
	for _, line := range strings.Split(stdout, "\n") {
		require.LessOrEqual(t, len([]rune(line)), 160, "a readable table: %q", line)
	}
	code, _, stderr := invoke(t, nil, "checks", "--nope")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "flag provided but not defined")
	code, _, _ = invoke(t, nil, "checks", "extra")
	require.Equal(t, exitUsage, code)
}

func TestChecksCatalog(t *testing.T) {
	t.Parallel()
	code, stdout, _ := invoke(t, nil, "checks")
	require.Equal(t, exitOK, code)
	for _, want := range []string{"SI-BATCH-02", "seed §1", "101 RUNNING", "SI-PROP-01", "a second account"} {
		require.Contains(t, stdout, want)
	}
}

func TestHelpExitsZero(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"run", "emulate", "checks"} {
		code, _, stderr := invoke(t, nil, cmd, "-h")
		require.Equal(t, exitOK, code, cmd)
		require.Contains(t, stderr, "Usage", cmd)
	}
}
