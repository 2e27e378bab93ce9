package passive_test

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/runner/passive"
	"github.com/cvmconform/cvmconform/runner/report"
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

// The report the README shows for its worked example is the real one:
// each line of its console block is a line of the report, in order; "…"
// and "[…]" in a line stand for text left out, and a line of "…" alone
// for lines left out.
func TestReadmeReport(t *testing.T) {
	t.Parallel()
	const path = "runner/passive/testdata/stop-poll.yaml" // as the README runs it, from the top
	b, err := os.ReadFile("testdata/stop-poll.yaml")
	require.NoError(t, err)
	rec, err := passive.Read(path, b)
	require.NoError(t, err)
	run := passive.Report(passive.ReportInfo{Started: time.Now()}, passive.JudgeRecording(passive.Config{}, rec))
	var out bytes.Buffer
	require.NoError(t, report.Console(&out, run, report.ConsoleOptions{}))
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")

	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, block, ok := strings.Cut(string(readme), "```console\n$ cvmconform judge "+path+"\n")
	require.True(t, ok, "the README runs the worked example")
	block, _, ok = strings.Cut(block, "$ echo $?\n")
	require.True(t, ok, "the README shows the exit status after the report")
	want := strings.Split(strings.TrimSuffix(block, "\n"), "\n")

	i, skip := 0, false
	for _, w := range want {
		if w == "…" {
			skip = true
			continue
		}
		var pieces []string
		for _, p := range regexp.MustCompile(`\[…\]|…`).Split(w, -1) {
			pieces = append(pieces, regexp.QuoteMeta(p))
		}
		re := regexp.MustCompile("^" + strings.Join(pieces, ".*") + "$")
		for i < len(got) && skip && !re.MatchString(got[i]) {
			i++
		}
		require.Less(t, i, len(got), "README line not in the report (or out of order): %q\nreport:\n%s", w, out.String())
		require.Regexp(t, re, got[i], "README line %q is not the report's line %d\nreport:\n%s", w, i+1, out.String())
		i, skip = i+1, false
	}
	require.Equal(t, len(got), i, "the README shows the report to its end")
}
