package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOutputsRefusedBeforeTheRun: a report path that could not be written
// is refused at once, naming the flag, before anything is sent — not
// after a whole run.
func TestOutputsRefusedBeforeTheRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "no", "such", "dir", "x.json")
	aFile := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(aFile, nil, 0o644))
	for _, tc := range []struct {
		name   string
		args   []string
		want   string
		reason string
	}{
		{"run-json", []string{"run", "--json", missing}, "--json: report: cannot write", "refused before the emulator starts"},
		{"run-junit", []string{"run", "--junit", dir}, "--junit: report: " + `"` + dir + `" is a directory`, "a directory is no report"},
		{"run-transcript", []string{"run", "--transcript", missing}, "--transcript: ", "the transcript is written after the run"},
		{"judge-json", []string{"judge", "--json", missing, aFile}, "--json: ", "refused before the files are read"},
		{"proxy-report", []string{"proxy", "--upstream", "http://127.0.0.1:9", "--listen", "127.0.0.1:0", "--report", missing}, "--report: ", "refused before it listens"},
		{"proxy-transcript", []string{"proxy", "--upstream", "http://127.0.0.1:9", "--listen", "127.0.0.1:0", "--transcript", missing}, "--transcript: ", "refused before it listens"},
		{"snapshot-out-under-a-file", []string{"snapshot", "record", "--out", filepath.Join(aFile, "rec")}, "--out: ", "a directory cannot be made under a file"},
		{"snapshot-out-stdout", []string{"snapshot", "record", "--out", "-"}, "--out: a directory is needed", "records are one file per scenario"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// A context already ended: were the path not refused at
			// once, the command would start, be cut short at once and
			// write a report (or a "listening" line).
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			var out, errb bytes.Buffer
			c := cli{ctx: ctx, stdout: &out, stderr: &errb, env: func(string) (string, bool) { return "", false }}
			code, stdout, stderr := c.main(tc.args), out.String(), errb.String()
			require.Equal(t, exitUsage, code, "reason: %s\nstderr: %s", tc.reason, stderr)
			require.Empty(t, stdout, tc.reason)
			require.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, "one line: %s", stderr)
			require.Contains(t, stderr, tc.want, tc.reason)
			require.NotContains(t, stderr, "listening", tc.reason)
		})
	}
}

// TestOutputToStandardOutput: "-", or a path that leads to the file
// standard output already is (as /dev/stdout does under "> file"), puts the
// report on standard output whole and moves the console report to standard
// error; the path is never renamed over.
func TestOutputToStandardOutput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	clean := startEmulator(t)
	rec, _ := recordings(t, dir, "clean", targetCycle(t, clean, "ins-43jl0gw2"))
	stdoutFile := filepath.Join(dir, "stdout")
	link := filepath.Join(dir, "stdout-link") // stands for /dev/stdout
	require.NoError(t, os.Symlink(stdoutFile, link))
	for _, path := range []string{"-", link} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			out, err := os.Create(stdoutFile)
			require.NoError(t, err)
			defer out.Close()
			var errb bytes.Buffer
			c := cli{ctx: context.Background(), stdout: out, stderr: &errb, env: func(string) (string, bool) { return "", false }}
			code := c.main([]string{"judge", "--json", path, rec})
			require.Equal(t, exitOK, code, errb.String())
			got, err := os.ReadFile(stdoutFile)
			require.NoError(t, err)
			var rep map[string]any
			require.NoError(t, json.Unmarshal(got, &rep), "standard output holds the JSON alone:\n%s", got)
			require.Contains(t, errb.String(), "CONFORMANT", "the console report went to standard error")
			fi, err := os.Lstat(link)
			require.NoError(t, err)
			require.True(t, fi.Mode()&os.ModeSymlink != 0, "the link stays a link")
			_, err = os.Stat("-") // the working directory
			require.True(t, os.IsNotExist(err), "no file named -")
		})
	}
}
