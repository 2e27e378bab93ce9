package conformance

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/runner/report"
)

// TestConformance runs the whole suite against the target under test (the
// embedded emulator unless -endpoint says otherwise), one subtest a check.
func TestConformance(t *testing.T) {
	sequences := *flagSequences
	if testing.Short() {
		sequences /= 5
	}
	res, err := Run(context.Background(), Config{Target: targetConfig(t), TargetName: "test target",
		Strict: *flagStrict, Seed: *flagSeed, Sequences: sequences,
		Replay: func(seed uint64, check string) string {
			return "go test ./conformance -run 'TestConformance/" + check + "$' -seed " + uintString(seed)
		}})
	require.NoError(t, err)
	require.NotEmpty(t, res.Checks)
	if embedded != nil && !testing.Short() && sequences >= 100 {
		// The ceiling coverage prints: a full run against the embedded
		// emulator exercises every rule but those no check provokes.
		var notExercised []string
		for _, c := range res.Coverage {
			if c.Kind == report.CoverRule && !c.Exercised() {
				notExercised = append(notExercised, c.ID)
			}
		}
		var want []string
		for _, r := range unprovoked {
			want = append(want, r.ID)
		}
		require.ElementsMatch(t, want, notExercised, "the rules a full run leaves unexercised are those no check provokes (conformance/coverage.go unprovoked)")
		n, of := CoverageCeiling()
		require.Equal(t, of-len(notExercised), n)
	}
	for _, c := range res.Checks {
		t.Run(c.ID, func(t *testing.T) {
			switch c.Status {
			case report.Fail:
				t.Errorf("%s: %s\n%s\nreplay: %s", c.Title, c.Reason, c.Counterexample, c.Replay)
			case report.Error:
				t.Errorf("%s could not be carried out: %s\n%s", c.Title, c.Reason, c.Counterexample)
			case report.Skip:
				t.Skip(c.Reason)
			}
		})
	}
}

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
