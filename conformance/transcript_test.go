package conformance

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// TestShownParts: a counterexample of a check made of parts shows the
// steps before the first part and those of the parts that failed, up to
// their failure, and counts every exchange it leaves out.
func TestShownParts(t *testing.T) {
	t.Parallel()
	c := &Ctx{}
	exchange := func(what string) {
		n := len(c.steps) + 1
		x := &runner.Exchange{Seq: n, Call: tcapi.Call{Action: what}}
		c.steps = append(c.steps, step{text: fmt.Sprintf("%2d. > %s\n    < success", n, what), x: x, expect: "success"})
	}
	c.Note("before the parts")
	for _, name := range []string{"a", "b", "c", "d", "e", "f"} {
		c.Part("case " + name)
		c.Note("case %s", name)
		exchange(name + " sent")
		exchange(name + " observed")
		if name == "d" || name == "f" {
			c.FailPart("to put it back")
			exchange(name + " restarted")
		}
	}
	got := strings.Join(texts(c.shown(len(c.steps))), "\n")
	want := strings.Join([]string{
		"    # before the parts",
		"    … 6 exchanges passed: case a … case c (3 in all)",
		"    # case d", "12. > d sent\n    < success", "13. > d observed\n    < success",
		"    … 1 exchange to put it back",
		"    … 2 exchanges passed: case e",
		"    # case f", "19. > f sent\n    < success", "20. > f observed\n    < success",
		"    … 1 exchange to put it back",
	}, "\n")
	require.Equal(t, want, got)
	var seqs []int
	for _, x := range c.exchanges(len(c.steps)) {
		seqs = append(seqs, x.Seq)
		require.Equal(t, "success", x.Expected, "each exchange keeps what the model expected of it")
	}
	require.Equal(t, []int{12, 13, 19, 20}, seqs, "the report's exchanges are those the counterexample shows, no more")

	c.parts[3].failed, c.parts[5].failed = false, false
	require.Equal(t, c.steps, c.shown(len(c.steps)), "with no part failed, every step is shown")
	require.Equal(t, c.steps[:4], c.shown(4), "only the steps up to the failure, as before")
}
