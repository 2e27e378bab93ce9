package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// readmeCallAddress is the emulator's address in the README's example.
const readmeCallAddress = "127.0.0.1:8080"

// TestReadmeCall runs the README's 'cvmconform call' example against an
// emulator started as the README starts it (its --fault), at another
// address: every line the README shows is the output's line, in order,
// "…" standing for text that differs from call to call; and the exit
// status is the README's.
func TestReadmeCall(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, block, ok := strings.Cut(string(readme), "```console\n$ cvmconform emulate --listen "+readmeCallAddress)
	require.True(t, ok, "the README starts the emulator for its call example")
	block, _, _ = strings.Cut(block, "```")
	lines := strings.Split(strings.TrimSuffix(block, "\n"), "\n")

	var faults []string
	if m := regexp.MustCompile(`--fault (\S+)`).FindStringSubmatch(lines[0]); m != nil {
		faults = append(faults, m[1])
	}
	e := startEmulator(t, faults...)
	addr := strings.TrimPrefix(e.URL, "http://")

	var args, want []string
	wantCode := -1
	for i, l := range lines[1:] {
		switch {
		case strings.HasPrefix(l, "$ cvmconform call "):
			args = shellWords(t, strings.ReplaceAll(strings.TrimPrefix(l, "$ cvmconform "), readmeCallAddress, addr))
		case l == "$ echo $?":
			wantCode, err = strconv.Atoi(lines[1+i+1])
			require.NoError(t, err)
		case args != nil && wantCode < 0:
			want = append(want, strings.ReplaceAll(l, readmeCallAddress, addr))
		}
	}
	require.NotEmpty(t, args, "the README runs cvmconform call")
	require.GreaterOrEqual(t, wantCode, 0, "the README shows the exit status")

	// One stream, as a terminal shows stdout and stderr together.
	var out bytes.Buffer
	c := cli{ctx: context.Background(), stdout: &out, stderr: &out, env: func(k string) (string, bool) { v, ok := callEnv(e)[k]; return v, ok }}
	code := c.main(args)
	require.Equal(t, wantCode, code, "the exit status the README shows; output:\n%s", out.String())
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, got, len(want), "the README shows the whole output; output:\n%s", out.String())
	for i, w := range want {
		var pieces []string
		for _, p := range strings.Split(w, "…") {
			pieces = append(pieces, regexp.QuoteMeta(p))
		}
		require.Regexp(t, "^"+strings.Join(pieces, ".*")+"$", got[i], "README line %d %q; output:\n%s", i+1, w, out.String())
	}
}
