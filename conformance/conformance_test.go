package conformance

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/runner/report"
)

// TestStrictModePassesTheReferenceEmulator: the reference emulator answers
// the strict code of the first rule broken, so it passes in strict mode too.
//
// It has an emulator of its own (withFaults, none), so that it runs
// beside the other tests and not on TestConformance's accounts.
func TestStrictModePassesTheReferenceEmulator(t *testing.T) {
	t.Parallel()
	res, err := Run(context.Background(), Config{Target: withFaults(t), Strict: true, Sequences: 5,
		Only: []string{"SI-PROTO", "SI-AUTH", "SI-PARAM", "SI-BATCH", "SI-ID", "SI-STATE-0", "SI-ATOMIC", "SI-HOSTILE"}})
	require.NoError(t, err)
	for _, c := range res.Checks {
		require.NotEqual(t, report.Fail, c.Status, "%s: %s\n%s", c.ID, c.Reason, c.Counterexample)
		require.NotEqual(t, report.Error, c.Status, "%s: %s", c.ID, c.Reason)
	}
}

func uintString(n uint64) string { return strconv.FormatUint(n, 10) }
