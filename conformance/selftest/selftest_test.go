package selftest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSelftestBounded is the bounded self-test CI runs (make test): a few
// random variant combinations over the request-level areas, each of which
// must pass, and every fault, each on its own random variant with only the
// checks of its area, each of which must be caught. The whole self-test is
// `make selftest`.
func TestSelftestBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("the bounded self-test runs in the full pass of make test")
	}
	t.Parallel()
	// A fixed seed, so that CI judges the same combinations every time;
	// make selftest draws new ones.
	res, err := Run(context.Background(), Config{Seed: 1, Variants: 3, Quick: true, Parallel: 4, Sequences: 10,
		Only: []string{"SI-PROTO", "SI-AUTH", "SI-PARAM", "SI-BATCH", "SI-ID", "SI-STATE", "SI-ASYNC", "SI-ATOMIC", "SI-ACCT", "SI-HOSTILE"}})
	require.NoError(t, err)
	for _, p := range res.Precision {
		for _, f := range p.Failures() {
			t.Errorf("variant %d: %s %s: %s\n%s\nreplay: %s", p.Seed, f.Status, f.ID, f.Reason, f.Counterexample, p.Replay)
		}
		require.NoError(t, p.Err)
		require.Empty(t, p.Profile.Wrong, "variant %d: the profile names the variant's choices wherever it observed them", p.Seed)
	}
	for _, r := range res.Recall {
		require.NoError(t, r.Err, r.Proof.Fault)
		if !r.Detected() {
			t.Errorf("fault %s was not detected on variant %d; replay: %s", r.Proof.Fault, r.Seed, r.Replay)
		}
	}
	t.Logf("%s; profile: %s", res.Summary(), res.ProfileAccuracy())
}
