package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/runner/emulator"
)

// TestSnapshotRecordVerify is the "done when": recording the
// embedded emulator and verifying the same emulator exits 0; verifying an
// emulator with a fault that changes one error code exits 1, and the
// output names the step and the field.
func TestSnapshotRecordVerify(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	code, stdout, stderr := invoke(t, nil, "snapshot", "record", "--out", dir)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stdout, "recorded 8 scenario(s) of the embedded emulator in "+dir)
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	require.NoError(t, err)
	require.Len(t, files, 8)

	code, stdout, stderr = invoke(t, nil, "snapshot", "verify", "--against", dir)
	require.Equal(t, exitOK, code, "%s\n%s", stdout, stderr)
	require.Contains(t, stdout, "no drift: 8 scenario(s)")

	t.Run("fault", func(t *testing.T) {
		t.Parallel()
		emu, err := emulator.StartEmbedded(emulator.EmbeddedOptions{Latency: embeddedLatency, Faults: []string{emulator.FaultMalformedIsNotFound}})
		require.NoError(t, err)
		defer emu.Close()
		env := map[string]string{"TENCENTCLOUD_SECRET_ID": emu.Cred.SecretID, "TENCENTCLOUD_SECRET_KEY": emu.Cred.SecretKey}
		code, stdout, stderr := invoke(t, env, "snapshot", "verify", "--endpoint", emu.URL, "--all-instances",
			"--only", "seed-errors,seed-example", "--against", dir)
		require.Equal(t, exitFailed, code, "%s\n%s", stdout, stderr)
		require.Contains(t, stdout, `seed-errors / step 1 (InvalidInstanceId.Malformed: ins-1122, the seed's own example): `+
			`Response.Error.Code: was "InvalidInstanceId.Malformed", now "InvalidInstanceId.NotFound"`)
		require.Contains(t, stdout, "(-recorded +now):")
		require.Contains(t, stdout, "drift: 1 step(s) of 1 scenario(s) (of 2) differ")
		require.NotContains(t, stdout+stderr, emu.Cred.SecretKey, "never print a secret")
		// The same difference, left out on purpose, is no drift.
		code, stdout, _ = invoke(t, env, "snapshot", "verify", "--endpoint", emu.URL, "--all-instances",
			"--only", "seed-errors", "--against", dir, "--ignore", "Response.Error.Code")
		require.Equal(t, exitOK, code, stdout)
	})
}

func TestSnapshotDiff(t *testing.T) {
	t.Parallel()
	a, b := t.TempDir(), t.TempDir()
	code, _, stderr := invoke(t, nil, "snapshot", "record", "--only", "seed-errors,rate-burst", "--out", a)
	require.Equal(t, exitOK, code, stderr)
	for _, name := range []string{"seed-errors.txt", "rate-burst.txt"} {
		text, err := os.ReadFile(filepath.Join(a, name))
		require.NoError(t, err)
		if name == "seed-errors.txt" {
			// Another target: its own date, host and wording of one message.
			text = []byte(strings.Replace(string(text), "InstanceIds is missing", "the parameter InstanceIds is required", 1))
			text = []byte(strings.Replace(string(text), "# target: the embedded emulator", "# target: https://cvm.tencentcloudapi.com", 1))
		}
		require.NoError(t, os.WriteFile(filepath.Join(b, name), text, 0o644))
	}
	code, stdout, _ := invoke(t, nil, "snapshot", "diff", a, a)
	require.Equal(t, exitOK, code, stdout)
	code, stdout, _ = invoke(t, nil, "snapshot", "diff", a, b)
	require.Equal(t, exitFailed, code, stdout)
	require.Contains(t, stdout, `seed-errors / step 6 (MissingParameter: no InstanceIds): Response.Error.Message: was "InstanceIds is missing: `)
	require.Contains(t, stdout, `now "the parameter InstanceIds is required: `)
	require.Contains(t, stdout, "(-"+a+" +"+b+"):")
	code, stdout, _ = invoke(t, nil, "snapshot", "diff", "--ignore", "Response.Error.Message", a, b)
	require.Equal(t, exitOK, code, stdout)
	// A scenario recorded on one side only.
	require.NoError(t, os.Remove(filepath.Join(b, "rate-burst.txt")))
	code, stdout, _ = invoke(t, nil, "snapshot", "diff", "--ignore", "Response.Error.Message", a, b)
	require.Equal(t, exitFailed, code, stdout)
	require.Contains(t, stdout, "rate-burst: (scenario): was recorded, now (absent)")
}

func TestSnapshotUsage(t *testing.T) {
	t.Parallel()
	code, stdout, _ := invoke(t, nil, "snapshot", "list")
	require.Equal(t, exitOK, code)
	for _, name := range []string{"seed-example", "seed-errors", "stop-describe-settle", "start-after-stop", "signature-styles", "rate-burst"} {
		require.Contains(t, stdout, name)
	}
	code, _, stderr := invoke(t, nil, "snapshot")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "cvmconform snapshot record")
	code, stdout, _ = invoke(t, nil, "snapshot", "--help")
	require.Equal(t, exitOK, code)
	require.Contains(t, stdout, "README.md")
	cred := map[string]string{"TENCENTCLOUD_SECRET_ID": "AKIDx", "TENCENTCLOUD_SECRET_KEY": "k"}
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"snapshot", "frobnicate"}, nil, `unknown subcommand "frobnicate"`},
		{[]string{"snapshot", "record"}, nil, "--out DIR is required"},
		{[]string{"snapshot", "verify"}, nil, "--against DIR is required"},
		{[]string{"snapshot", "verify", "--against", "/nonexistent-dir"}, nil, "/nonexistent-dir"},
		{[]string{"snapshot", "record", "--out", "x", "--only", "nope"}, nil, `no scenario "nope"`},
		{[]string{"snapshot", "record", "--out", "x", "--baseline", "b.yaml"}, nil, "flag provided but not defined: -baseline"},
		{[]string{"snapshot", "record", "--out", "x", "--endpoint", "https://cvm.tencentcloudapi.com"}, cred, "needs an allow-list: name the instances the scenarios may stop"},
		{[]string{"snapshot", "record", "--out", "x", "--endpoint", "https://cvm.tencentcloudapi.com", "--all-instances"}, cred, "only for a target on this machine"},
		{[]string{"snapshot", "record", "--out", "x", "--endpoint", "http://127.0.0.1:9"}, nil, "TENCENTCLOUD_SECRET_ID"},
		{[]string{"snapshot", "record", "--out", "x", "--region", "mars-1"}, nil, `--region "mars-1"`},
		{[]string{"snapshot", "diff", "onlyone"}, nil, "want two record directories"},
		{[]string{"snapshot", "list", "extra"}, nil, "unexpected argument"},
	} {
		code, _, stderr := invoke(t, tc.env, tc.args...)
		require.Equal(t, exitUsage, code, "%v: %s", tc.args, stderr)
		require.Contains(t, stderr, tc.want, "%v", tc.args)
	}
}

// TestSnapshotRefusesUnboundRoles: a scenario that needs more instances
// than --instances names is refused (exit 2), naming the role.
func TestSnapshotRefusesUnboundRoles(t *testing.T) {
	t.Parallel()
	emu, err := emulator.StartEmbedded(emulator.EmbeddedOptions{Latency: embeddedLatency})
	require.NoError(t, err)
	defer emu.Close()
	env := map[string]string{"TENCENTCLOUD_SECRET_ID": emu.Cred.SecretID, "TENCENTCLOUD_SECRET_KEY": emu.Cred.SecretKey}
	code, _, stderr := invoke(t, env, "snapshot", "record", "--endpoint", emu.URL, "--instances", "ins-01x3nmgs",
		"--only", "seed-example", "--out", t.TempDir())
	require.Equal(t, exitUsage, code, stderr)
	require.Contains(t, stderr, "$running2 needs an allow-listed RUNNING instance")
}
