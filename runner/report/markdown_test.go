package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A failing run reads right as a job summary: the verdict first, the
// counts, each failure with its clause, reason, replay and counterexample
// (folded), the markup in the target's text shown, not rendered.
func TestMarkdownGolden(t *testing.T) {
	t.Parallel()
	for name, r := range map[string]Run{
		"report.md.golden":   sampleRun(),
		"baseline.md.golden": baselineRun(allStates...),
		"recorded.md.golden": sampleJudged(),
		"known.md.golden":    baselineRun(BaselineKnown, BaselineUnused),
	} {
		var b bytes.Buffer
		require.NoError(t, Markdown(&b, r))
		golden(t, name, b.String())
	}
}

func TestMarkdownReads(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	require.NoError(t, Markdown(&b, sampleRun()))
	out := b.String()
	require.True(t, strings.HasPrefix(out, "### ❌ cvmconform: NOT CONFORMANT\n\nNOT CONFORMANT: 1 check failed (SI-BATCH-02); "), out)
	require.Contains(t, out, "| pass | fail | skip | error |\n|---:|---:|---:|---:|\n| 2 | 1 | 1 | 1 |\n")
	require.Contains(t, out, "- replay: `cvmconform run --seed 18446744073709551557 --only SI-BATCH-02`\n")
	require.Contains(t, out, "<details><summary>counterexample</summary>\n\n```\n> POST / StopInstances")
	require.Contains(t, out, `\\x1b\[31mconnection reset\\x07`, "no escape sequence reaches the summary, and brackets are not a link")

	marked := sampleRun()
	marked.Checks[1].Reason = "got <img src=x> and [a link](http://evil) | *bold*"
	b.Reset()
	require.NoError(t, Markdown(&b, marked))
	require.Contains(t, b.String(), `- reason: got &lt;img src=x&gt; and \[a link\](http://evil) \| \*bold\*`+"\n", "a target's markup is shown, not rendered")

	long := sampleRun()
	long.Checks[1].Counterexample = strings.Repeat("> StopInstances ```x```\n", 500)
	b.Reset()
	require.NoError(t, Markdown(&b, long))
	require.Contains(t, b.String(), "bytes: the JSON report has it whole)\n````\n", "cut, and fenced past its own backticks")
	require.Less(t, len(b.String()), markdownCut+2000)
}

// A run conformant but for known failures is not marked as a plain pass:
// its heading carries ⚠️, not ✅, and its line names them.
func TestMarkdownQualifiesKnownFailures(t *testing.T) {
	t.Parallel()
	r := baselineRun(BaselineKnown)
	require.Equal(t, Conformant, r.Verdict())
	var b bytes.Buffer
	require.NoError(t, Markdown(&b, r))
	require.True(t, strings.HasPrefix(b.String(), "### ⚠️ cvmconform: CONFORMANT\n\nCONFORMANT on 3 of 5 checks (1 skipped: SI-STATE-04), but for 1 known failure (SI-BATCH-02)"), b.String())

	r.Checks[1].Status, r.Baseline = Pass, nil
	b.Reset()
	require.NoError(t, Markdown(&b, r))
	require.True(t, strings.HasPrefix(b.String(), "### ✅ cvmconform: CONFORMANT\n"), "without known failures, a pass is green:\n%s", b.String())
}
