package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestCutValues(t *testing.T) {
	t.Parallel()
	ids := longIDs(700)
	for _, tc := range []struct {
		name, in, want, reason string
	}{
		{"short", "expected InvalidParameter; got success", "expected InvalidParameter; got success",
			"a line without a long value is left as it is"},
		{"long ID list", "> StopInstances " + ids + " (TC3JSON)",
			"> StopInstances " + ids[:60] + "…(+" + thousands(len(ids)-60) + " bytes) (TC3JSON)",
			"the value is cut to its first 60 runes, and the cut says how many bytes it left out"},
		{"many spaces", "body {}" + strings.Repeat(" ", 1000) + "end",
			"body {}" + strings.Repeat(" ", 60) + "…(+940 bytes)end",
			"a run of spaces is a value too (a body padded to 10 MB)"},
		{"runes", strings.Repeat("é", 100), strings.Repeat("é", 60) + "…(+80 bytes)",
			"runes are never split; the count is of bytes"},
		{"cut before", `{"InstanceIds":["ins-fa2e91rr"],"ForceStop":` + strings.Repeat("1", 20) + "…(1000 digits)}",
			`{"InstanceIds":["ins-fa2e91rr"],"ForceStop":` + strings.Repeat("1", 20) + "…(1000 digits)}",
			"a value the model has shortened, which says its true size, is not cut again inside its marker"},
		{"cut before, and more after", `{"ForceStop":` + strings.Repeat("1", 40) + "…(1000 digits),\"StopType\":\"" + strings.Repeat("H", 60) + `"}`,
			`{"ForceStop":` + strings.Repeat("1", 40) + "…(1000 digits)…(+" + thousands(len(`,"StopType":"`)+60+2) + " bytes)",
			"a cut falling in the marker moves past it; what follows is cut once, with its own size"},
		{"cut before the marker", `{"InstanceIds":["ins-fa2e91rr"],"ForceStop":` + strings.Repeat("1", 100) + "…(1000 digits)}",
			`{"InstanceIds":["ins-fa2e91rr"],"ForceStop":` + strings.Repeat("1", 16) + "…(1000 digits)}",
			"a cut before the earlier marker keeps it, and with it the value's true size"},
		{"little left", "> StopInstances " + ids[:70] + " (TC3JSON)", "> StopInstances " + ids[:70] + " (TC3JSON)",
			"a cut that would leave out less than 16 bytes leaves the value whole"},
	} {
		require.Equal(t, tc.want, cutValues(tc.in, longValue), "%s: %s", tc.name, tc.reason)
	}
	require.Equal(t, "9,812", thousands(9812))
	require.Equal(t, "10,486,000", thousands(10486000))
	require.Equal(t, "812", thousands(812))
}

// TestFitProperty: whatever the text, fit's lines are at most lineWidth
// runes, and they hold the same words as the line, in order, except the
// cut values.
func TestFitProperty(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		words := rapid.SliceOfN(rapid.StringOfN(rapid.RuneFrom([]rune("ab{}\"é…xyz")), 1, 200, -1), 1, 40).Draw(t, "words")
		gaps := rapid.SliceOfN(rapid.IntRange(1, 3), len(words), len(words)).Draw(t, "gaps")
		indent := rapid.IntRange(0, 12).Draw(t, "indent")
		var b strings.Builder
		b.WriteString(strings.Repeat(" ", indent))
		for i, w := range words {
			if i > 0 {
				b.WriteString(strings.Repeat(" ", gaps[i]))
			}
			b.WriteString(w)
		}
		hang := strings.Repeat(" ", indent+2)
		got := fit(b.String(), hang)
		for _, l := range strings.Split(got, "\n") {
			if n := utf8.RuneCountInString(l); n > lineWidth {
				t.Fatalf("a line of %d runes: %q", n, l)
			}
		}
		var want []string
		for _, w := range words {
			want = append(want, strings.Fields(cutValues(w, longValue))...)
		}
		require.Equal(t, want, strings.Fields(got), "the same words, in order")
		if !strings.Contains(b.String(), "\n") && utf8.RuneCountInString(cutValues(b.String(), longValue)) <= lineWidth {
			require.Equal(t, cutValues(b.String(), longValue), got, "a line that fits is not wrapped")
		}
	})
}

// longIDs is the JSON of a batch of n IDs.
func longIDs(n int) string {
	return `{"InstanceIds":["` + strings.Repeat(`ins-aaaaaaaa","`, n-1) + `ins-aaaaaaaa"]}`
}

// longRun is a run whose failure holds values of every length: a reason
// naming a 10,000-ID batch, a counterexample with its request, a skip
// reason with a long ID.
func longRun() Run {
	ids := longIDs(10000)
	reason := "BATCH-LIMIT: expected InvalidParameter | InvalidParameterValue | InvalidParameterValue.LimitExceeded (or rate-limited, with no effect) (lenient); got success [seed §1: at most 100 instances a request]"
	r := sampleRun()
	r.Fleet = strings.Repeat("1 RUNNING, ", 40)
	r.Checks = []Check{
		{ID: "SI-HOSTILE-03", Title: "Requests over the documented sizes are refused and change nothing", Spec: "seed §1", Severity: "MUST",
			Status: Fail, Reason: reason,
			Counterexample: " 1. > StopInstances " + ids + " (TC3JSON, ap-guangzhou)\n    < success (RequestId 1, 1ms)\n" +
				"    model: InvalidParameter | InvalidParameterValue | InvalidParameterValue.LimitExceeded | MissingParameter | UnknownParameter (or rate-limited, with no effect)\n" +
				"    ✗ " + reason,
			Replay: "cvmconform run --seed 1 --only SI-HOSTILE-03"},
		{ID: "SI-ID-04", Title: "IDs of the wrong shape", Status: Skip, Reason: "needs " + ids},
	}
	return r
}

// TestConsoleFitsTheScreen: no console line is longer than lineWidth
// runes, long values are cut with their length, and the JSON report keeps
// them whole.
func TestConsoleFitsTheScreen(t *testing.T) {
	t.Parallel()
	r := longRun()
	var b bytes.Buffer
	require.NoError(t, Console(&b, r, ConsoleOptions{}))
	for _, l := range strings.Split(b.String(), "\n") {
		require.LessOrEqual(t, utf8.RuneCountInString(l), lineWidth, "%.300q", l)
	}
	ids := longIDs(10000)
	require.Contains(t, b.String(), ids[:60]+"…(+"+thousands(len(ids)-60)+" bytes)", "the ID list is cut, saying by how much")
	require.Contains(t, b.String(), "got success [seed §1: at most 100 instances a request]", "a long reason is wrapped, not cut: its end is what matters")

	var j bytes.Buffer
	require.NoError(t, JSON(&j, r))
	var doc struct {
		Checks []struct{ Reason, Counterexample string }
	}
	require.NoError(t, json.Unmarshal(j.Bytes(), &doc))
	require.Contains(t, doc.Checks[0].Counterexample, r.Checks[0].Counterexample[:1000], "the JSON keeps the whole value")
	require.Equal(t, r.Checks[0].Counterexample, doc.Checks[0].Counterexample)
	require.Equal(t, r.Checks[1].Reason, doc.Checks[1].Reason)

	var p bytes.Buffer
	prog := newProgress(&p, 2, false, (&clock{}).now, 0)
	for _, c := range r.Checks {
		prog.Done(c)
	}
	prog.Close()
	for _, l := range strings.Split(p.String(), "\n") {
		require.LessOrEqual(t, utf8.RuneCountInString(l), lineWidth, "progress: %.300q", l)
	}
}

// TestConsoleReasonOnce: a failure's reason is printed once, in its block:
// neither the table nor the progress lines repeat it.
func TestConsoleReasonOnce(t *testing.T) {
	t.Parallel()
	r := sampleRun()
	var b, p bytes.Buffer
	require.NoError(t, Console(&b, r, ConsoleOptions{}))
	prog := newProgress(&p, len(r.Checks), false, (&clock{}).now, 0)
	for _, c := range r.Checks {
		prog.Done(c)
	}
	prog.Close()
	screen := p.String() + b.String()
	for _, c := range r.Checks {
		if c.Status == Fail || c.Status == Error {
			require.Equal(t, 1, strings.Count(screen, clean(c.Reason, false)), "%s: its reason, once in what the screen shows", c.ID)
		}
	}
	require.Contains(t, screen, "no PENDING instance in the fleet", "a skip's reason is in the table")

	// A counterexample's finding that the reason states points to it.
	r = longRun()
	b.Reset()
	require.NoError(t, Console(&b, r, ConsoleOptions{}))
	words := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	require.Equal(t, 1, strings.Count(words(b.String()), words(r.Checks[0].Reason)), "%s", b.String())
	require.Contains(t, b.String(), "\n        ✗ the reason above\n")
}
