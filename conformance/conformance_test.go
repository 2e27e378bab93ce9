package conformance

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/runner/emulator"
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
func TestStrictModePassesTheReferenceEmulator(t *testing.T) {
	if *flagEndpoint != "" {
		t.Skip("about the embedded emulator")
	}
	res, err := Run(context.Background(), Config{Target: targetConfig(t), Strict: true, Sequences: 5,
		Only: []string{"SI-PROTO", "SI-AUTH", "SI-PARAM", "SI-BATCH", "SI-ID", "SI-STATE-0", "SI-ATOMIC"}})
	require.NoError(t, err)
	for _, c := range res.Checks {
		require.NotEqual(t, report.Fail, c.Status, "%s: %s\n%s", c.ID, c.Reason, c.Counterexample)
		require.NotEqual(t, report.Error, c.Status, "%s: %s", c.ID, c.Reason)
	}
}

// TestChecksCatchFaults proves the checks: against an emulator with one
// fault, the checks of the rule it breaks fail, and the others of the
// area still pass. An unproven check is a guess.
func TestChecksCatchFaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		fault string
		only  []string
		fail  []string // these must fail
	}{
		{emulator.FaultFinanceAnywhere, []string{"SI-PROTO-07"}, []string{"SI-PROTO-07"}},
		{emulator.FaultVersionIgnored, []string{"SI-PROTO-04", "SI-PROTO-05"}, []string{"SI-PROTO-05"}},
		{emulator.FaultRepeatedRequestID, []string{"SI-PROTO-03", "SI-PROTO-04", "SI-PROTO-05", "SI-PROTO-06", "SI-AUTH-0", "SI-PROTO-02"}, []string{"SI-PROTO-02"}},
		{emulator.FaultSignatureUnchecked, []string{"SI-AUTH-01", "SI-AUTH-02", "SI-AUTH-07"}, []string{"SI-AUTH-01", "SI-AUTH-07"}},
		{emulator.FaultExpiryUnchecked, []string{"SI-AUTH-03", "SI-AUTH-04", "SI-AUTH-05"}, []string{"SI-AUTH-03", "SI-AUTH-04"}},
		{emulator.FaultEnumsUnchecked, []string{"SI-PARAM-05", "SI-PARAM-06", "SI-PARAM-01"}, []string{"SI-PARAM-05", "SI-PARAM-06"}},
		{emulator.FaultTypesUnchecked, []string{"SI-PARAM-03", "SI-PARAM-04", "SI-PARAM-02"}, []string{"SI-PARAM-03", "SI-PARAM-04"}},
		{emulator.FaultBatchLimitOff, []string{"SI-BATCH-01", "SI-BATCH-02", "SI-BATCH-05"}, []string{"SI-BATCH-02"}},
		{emulator.FaultMalformedIsNotFound, []string{"SI-ID-01", "SI-ID-02"}, []string{"SI-ID-01"}},
		// A PENDING instance the suite did not start may be RUNNING by the
		// time it is named, so only stable states prove this fault.
		{emulator.FaultStopAnyState, []string{"SI-STATE-02", "SI-STATE-03", "SI-STATE-11", "SI-STATE-18", "SI-STATE-04"},
			[]string{"SI-STATE-02", "SI-STATE-03", "SI-STATE-11", "SI-STATE-18"}},
		{emulator.FaultWrongRequestID, []string{"SI-ASYNC-02", "SI-ASYNC-03"}, []string{"SI-ASYNC-02", "SI-ASYNC-03"}},
		{emulator.FaultStuckStopping, []string{"SI-ASYNC-01", "SI-ASYNC-04", "SI-ATOMIC-01"}, []string{"SI-ASYNC-01", "SI-ASYNC-04"}},
		{emulator.FaultPartialBatch, []string{"SI-ATOMIC", "SI-STATE-04"}, []string{"SI-ATOMIC-01", "SI-ATOMIC-02", "SI-ATOMIC-03", "SI-ATOMIC-04"}},
		{emulator.FaultSharedAccounts, []string{"SI-ACCT"}, []string{"SI-ACCT-01", "SI-ACCT-02", "SI-ACCT-03"}},
		{emulator.FaultStopAnyState, []string{"SI-PROP-01"}, []string{"SI-PROP-01"}},
		{emulator.FaultNoRateLimit, []string{"SI-RATE-01", "SI-RATE-05", "SI-RATE-06"}, []string{"SI-RATE-01", "SI-RATE-06"}},
		{emulator.FaultStrictRateLimit, []string{"SI-RATE-01", "SI-RATE-02"}, []string{"SI-RATE-01", "SI-RATE-02"}},
		{emulator.FaultLimitedTakesEffect, []string{"SI-RATE-03"}, []string{"SI-RATE-03"}},
		// Describes eat the stop limit: discovery leaves too little for the
		// first burst, which the too-strict rule catches as well.
		{emulator.FaultDescribesAsStops, []string{"SI-RATE-01", "SI-RATE-05"}, []string{"SI-RATE-01", "SI-RATE-05"}},
		{emulator.FaultLostTransition, []string{"SI-CONC-02"}, []string{"SI-CONC-02"}},
		{emulator.FaultLostTransition, []string{"SI-CONC-01"}, []string{"SI-CONC-01"}},
		{emulator.FaultRegionUnchecked, []string{"SI-PROTO-06", "SI-PROTO-05"}, []string{"SI-PROTO-06"}},
		{emulator.FaultIDsOptional, []string{"SI-PARAM-01", "SI-PARAM-02", "SI-PARAM-03"}, []string{"SI-PARAM-01", "SI-PARAM-02"}},
		{emulator.FaultUnknownIDsIgnored, []string{"SI-ID-02", "SI-ATOMIC-01", "SI-ID-01"}, []string{"SI-ID-02", "SI-ATOMIC-01"}},
		{emulator.FaultStopChargingIgnored, []string{"SI-STATE-05", "SI-STATE-07"}, []string{"SI-STATE-05"}},
		{emulator.FaultUnsignedAccepted, []string{"SI-AUTH-05", "SI-AUTH-06"}, []string{"SI-AUTH-05"}},
		{emulator.FaultHmacSHA256Refused, []string{"SI-PROTO-10", "SI-PROTO-11", "SI-PROTO-12"}, []string{"SI-PROTO-11"}},
	}
	for _, c := range cases {
		t.Run(c.fault+"/"+strings.Join(c.only, ","), func(t *testing.T) {
			t.Parallel()
			// A fixed seed: the same requests every time, so that a
			// fault is caught by design, not by luck.
			res, err := Run(context.Background(), Config{Target: withFaults(t, c.fault), Only: c.only, Sequences: 20,
				SettleTimeout: 2 * time.Second, Seed: 1})
			require.NoError(t, err)
			for _, r := range res.Checks {
				wantFail := false
				for _, id := range c.fail {
					wantFail = wantFail || r.ID == id
				}
				if wantFail {
					require.Equal(t, report.Fail, r.Status, "%s should catch %s: %s\n%s", r.ID, c.fault, r.Reason, r.Counterexample)
					require.NotEmpty(t, r.Counterexample)
					require.Contains(t, r.Replay, "--only "+r.ID)
				} else if r.Status != report.Skip {
					require.Equal(t, report.Pass, r.Status, "%s is not about %s: %s\n%s", r.ID, c.fault, r.Reason, r.Counterexample)
				}
			}
		})
	}
}

func uintString(n uint64) string { return strconv.FormatUint(n, 10) }
