package conformance

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/report"
)

// The state machine draws every request style the target serves (facts
// §1: the rules hold in each), and never one the target refuses.
func TestPropertyDrawsServedStyles(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		faults  []string
		refused []string
		reason  string
	}{
		{"every style served", nil, nil, "a conforming target serves all six"},
		{"HmacSHA256 refused", []string{emulator.FaultHmacSHA256Refused}, []string{"HmacSHA256-GET", "HmacSHA256-POST"},
			"a style the target refuses is left out, not failed by the property (SI-PROTO-11 judges it)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg := withFaults(t, c.faults...)
			cfg.Transcript = &runner.Transcript{}
			res, err := Run(context.Background(), Config{Target: cfg, Only: []string{propertyID}, Sequences: 20,
				SettleTimeout: 2 * time.Second, Seed: 1})
			require.NoError(t, err)
			for _, r := range res.Checks {
				require.Equal(t, report.Pass, r.Status, "%s: %s\n%s", r.ID, r.Reason, r.Counterexample)
			}
			drawn := map[string]int{}
			for _, x := range cfg.Transcript.Since(0) {
				if x.Check != propertyID || (x.Call.Action != model.ActionStop && x.Call.Action != model.ActionStart) {
					continue
				}
				for _, st := range requestStyles {
					if st.sign.Style == x.Call.Style && (st.sign.V1Method == x.Call.V1Method ||
						st.sign.V1Method == "HmacSHA1" && x.Call.V1Method == "") {
						drawn[st.name]++
					}
				}
			}
			for _, st := range requestStyles {
				if slices.Contains(c.refused, st.name) {
					require.Zero(t, drawn[st.name], "%s drawn: %s", st.name, c.reason)
				} else {
					require.Positive(t, drawn[st.name], "%s never drawn for a stop or start: %s (drawn: %v)", st.name, c.reason, drawn)
				}
			}
		})
	}
}
