package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A run's transcript can be judged again: a clean run's shows no finding,
// holds no secret, and a faulty run's shows the fault.
func TestRunTranscriptJudgesAgain(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	clean, faulty := filepath.Join(dir, "clean.jsonl"), filepath.Join(dir, "faulty.jsonl")
	code, _, stderr := invoke(t, nil, "run", "--only", "SI-PROTO,SI-ID,SI-STATE-0", "--seed", "2", "--transcript", clean)
	require.Equal(t, exitOK, code, stderr)
	code, stdout, stderr := invoke(t, nil, "judge", clean)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	b, err := os.ReadFile(clean)
	require.NoError(t, err)
	require.Greater(t, strings.Count(string(b), "\n"), 50, "every exchange of every lane")
	require.False(t, regexp.MustCompile(`Signature=[0-9a-f]{64}`).Match(b), "no signature is written")

	code, _, _ = invoke(t, nil, "run", "--only", "SI-ID-01", "--fault", "malformed-id-not-found", "--seed", "2", "--transcript", faulty)
	require.Equal(t, exitFailed, code)
	code, stdout, _ = invoke(t, nil, "judge", faulty)
	require.Equal(t, exitFailed, code, stdout)
	require.Contains(t, stdout, "ID-MALFORMED")
}
