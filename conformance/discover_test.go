package conformance

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// shareOut, over any fleet and any needs: every instance in exactly one
// share; the first keeps enough for the most demanding check the account
// can serve; every other share serves the most demanding check that fits
// a most-th of the instances, and holds a STOPPED instance whenever the
// first share can keep one too.
func TestShareOutProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nRunning := rapid.IntRange(0, 130).Draw(t, "running")
		nStopped := rapid.IntRange(0, 8).Draw(t, "stopped")
		needs := rapid.SliceOfN(rapid.IntRange(1, 102), 1, 6).Draw(t, "needs")
		most := rapid.IntRange(1, MaxLanesPerAccount).Draw(t, "most")
		var running, stopped []string
		for i := range nRunning {
			running = append(running, fmt.Sprintf("ins-r%07d", i))
		}
		for i := range nStopped {
			stopped = append(stopped, fmt.Sprintf("ins-s%07d", i))
		}
		shares := shareOut(slices.Clone(running), slices.Clone(stopped), needs, most)

		total := nRunning + nStopped
		require.LessOrEqual(t, len(shares), most)
		var all []string
		for _, sh := range shares {
			all = append(all, sh...)
		}
		slices.Sort(all)
		want := append(slices.Clone(running), stopped...)
		slices.Sort(want)
		require.Equal(t, want, all, "every instance in exactly one share")

		big, small := 0, 0
		for _, n := range needs {
			if n <= total {
				big = max(big, n)
			}
			if n*most <= total {
				small = max(small, n)
			}
		}
		require.GreaterOrEqual(t, len(shares[0]), big, "the first share serves the most demanding check")
		stoppedIn := func(sh []string) int {
			n := 0
			for _, id := range sh {
				if strings.HasPrefix(id, "ins-s") {
					n++
				}
			}
			return n
		}
		for k, sh := range shares[1:] {
			require.GreaterOrEqual(t, len(sh), small, "share %d serves the check that fits a %d-th", k+2, most)
			if nStopped >= len(shares) {
				require.Equal(t, 1, stoppedIn(sh), "share %d holds a STOPPED instance", k+2)
			}
		}
		if nStopped > 0 {
			require.Positive(t, stoppedIn(shares[0]), "the first share keeps a STOPPED instance")
		}
	})
}
