package passive_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/runner/passive"
)

// The README's worked example (testdata/stop-poll.yaml): a vcrpy cassette
// with its Authorization headers scrubbed, of a stop whose instance then
// shows another operation's RequestId.
func TestReadmeExample(t *testing.T) {
	t.Parallel()
	rec, err := passive.ReadFile("testdata/stop-poll.yaml")
	require.NoError(t, err)
	res := passive.JudgeRecording(passive.Config{}, rec)
	require.Len(t, res.Findings, 1, findingLines(res))
	f := res.Findings[0]
	require.Equal(t, 3, f.Index)
	require.Equal(t, "OBSERVED-STATE", f.Rule)
	require.Contains(t, f.Actual, "b7a1c5e0-9999")

	b, err := os.ReadFile("testdata/stop-poll.yaml")
	require.NoError(t, err)
	fixed := bytes.ReplaceAll(b, []byte("b7a1c5e0-9999"), []byte("b7a1c5e0-0003"))
	res = judge(t, "fixed.yaml", fixed, passive.Config{})
	require.Empty(t, res.Findings, "the stop's own RequestId is what the model expects")
}
