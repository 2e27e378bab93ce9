package selftest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/report"
)

// TestProfileNamesTheVariant runs the suite against a few random variant
// targets and the two corners, over the areas whose requests show most
// dimensions, and holds each run's profile to the variant's choices: no
// dimension named wrongly, and some identified in every run.
func TestProfileNamesTheVariant(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite against emulators")
	}
	t.Parallel()
	only := []string{"SI-PROTO", "SI-PARAM", "SI-BATCH", "SI-ID", "SI-STATE-0", "SI-ASYNC-01"}
	targets := []emulator.Choices{emulator.RandomChoices(7), emulator.RandomChoices(11), emulator.RandomChoices(23)}
	for _, corner := range []string{emulator.CornerLenient, emulator.CornerStrict} {
		c, _ := emulator.CornerChoices(corner)
		targets = append(targets, c)
	}
	var total ProfileAccuracy
	for i, c := range targets {
		run, err := selftestRun(context.Background(), c, nil, uint64(i+1), settleFor(c), only, false, 5, nil)
		require.NoError(t, err)
		a := CompareProfile(run.Profile, c)
		require.Empty(t, a.Wrong, "variant %s", c)
		require.Positive(t, a.Identified, "variant %s: %s", c, a)
		total.Add(a)
	}
	t.Log("profile over", len(targets), "variant targets:", total)
}

// TestCompareProfile: the comparison itself, on hand-made profiles.
func TestCompareProfile(t *testing.T) {
	t.Parallel()
	c := emulator.Choices{emulator.VariantOpState: "mixed", emulator.VariantKeyOrder: "sorted", emulator.VariantLatency: "300ms"}
	a := CompareProfile(profileOf(
		dim("op-state", "lag", ""),
		dim("key-order", "declared", ""),
		dim("request-id", "last", ""),
		dim("latency.StopInstances", "min 305ms, median 320ms, max 400ms", "3 operations; seen in flight up to 250ms after an answer"),
		dim("latency.StartInstances", "min 120ms, median 320ms, max 400ms", "3 operations; seen in flight up to 90ms after an answer"),
		dim("error-status", "", "no error answer"),
		dim("regions", "serves ap-guangzhou", ""),
	), c)
	require.Equal(t, 3, a.Identified, "op-state lag is part of mixed; request-id's default is last; StopInstances' 300ms fits")
	require.Equal(t, 1, a.Unobserved, "error-status")
	require.Len(t, a.Wrong, 2, "key-order is sorted, not declared; a StartInstances ended within 120ms cannot take 300ms: %v", a.Wrong)
}

func dim(name, choice, evidence string) report.Dimension {
	return report.Dimension{Name: name, Choice: choice, Evidence: evidence}
}

func profileOf(ds ...report.Dimension) []report.Dimension { return ds }
