package conformance

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/report"
)

// TestPerActionLimitOnEveryLimiter: SI-RATE-05 catches describes counted
// as stops whatever the limiter's algorithm and counting (ledger L-12),
// and passes every correct one. TestChecksCatchFaults proves it on the
// default limiter only; the check's design promises more.
func TestPerActionLimitOnEveryLimiter(t *testing.T) {
	if *flagEndpoint != "" {
		t.Skip("about the embedded emulator")
	}
	t.Parallel()
	for _, algorithm := range []string{"sliding", "fixed", "token"} {
		for _, counts := range []string{"accepted", "all"} {
			for _, fault := range []string{"", emulator.FaultDescribesAsStops} {
				name := algorithm + "/" + counts + "/" + fault
				if fault == "" {
					name += "none"
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					o := emulator.EmbeddedOptions{Latency: testLatency, Seed: 1,
						Variants: emulator.Choices{emulator.VariantLimiter: algorithm, emulator.VariantLimiterCount: counts}}
					if fault != "" {
						o.Faults = []string{fault}
					}
					emu, err := emulator.StartEmbedded(o)
					require.NoError(t, err)
					t.Cleanup(func() { emu.Close() })
					target := emu.Target()
					res, err := Run(context.Background(), Config{Target: target, Only: []string{"SI-RATE-05"}, SettleTimeout: 2 * time.Second, Seed: 1})
					require.NoError(t, err)
					require.Len(t, res.Checks, 1)
					r := res.Checks[0]
					want := report.Pass
					if fault != "" {
						want = report.Fail
					}
					require.Equal(t, want, r.Status, "%s: %s\n%s", r.ID, r.Reason, r.Counterexample)
				})
			}
		}
	}
}

// TestEachPerRuleBothWaysOnEveryLimiter: SI-RATE-07 catches describes that
// spend the stop allowance, and SI-RATE-08 one account's traffic spending
// another's, whatever the limiter's algorithm and counting (ledger L-12);
// both pass every correct limiter. Their comments promise every
// algorithm; TestChecksCatchFaults proves the default one only.
func TestEachPerRuleBothWaysOnEveryLimiter(t *testing.T) {
	if *flagEndpoint != "" {
		t.Skip("about the embedded emulator")
	}
	t.Parallel()
	for _, algorithm := range []string{"sliding", "fixed", "token"} {
		for _, counts := range []string{"accepted", "all"} {
			for _, c := range []struct{ check, fault string }{
				{"SI-RATE-07", ""}, {"SI-RATE-07", emulator.FaultDescribesSpendStops},
				{"SI-RATE-08", ""}, {"SI-RATE-08", emulator.FaultAccountsShareLimit},
			} {
				if c.check == "SI-RATE-08" && counts == "all" {
					continue // its arithmetic does not rest on counting refusals: one account's refusals alone
				}
				t.Run(c.check+"/"+algorithm+"/"+counts+"/"+c.fault, func(t *testing.T) {
					t.Parallel()
					o := emulator.EmbeddedOptions{Latency: testLatency, Seed: 1,
						Variants: emulator.Choices{emulator.VariantLimiter: algorithm, emulator.VariantLimiterCount: counts}}
					if c.fault != "" {
						o.Faults = []string{c.fault}
					}
					emu, err := emulator.StartEmbedded(o)
					require.NoError(t, err)
					t.Cleanup(func() { emu.Close() })
					target := emu.Target()
					res, err := Run(context.Background(), Config{Target: target, Only: []string{c.check}, SettleTimeout: 2 * time.Second, Seed: 1})
					require.NoError(t, err)
					require.Len(t, res.Checks, 1)
					r := res.Checks[0]
					want := report.Pass
					if c.fault != "" {
						want = report.Fail
					}
					require.Equal(t, want, r.Status, "%s: %s\n%s", r.ID, r.Reason, r.Counterexample)
				})
			}
		}
	}
}
