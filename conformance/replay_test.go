package conformance

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRunCommandLine: the one builder of replay commands says only what
// differs from run's defaults, in one order, the seed and the selection
// last.
func TestRunCommandLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cmd    RunCommand
		only   string
		want   string
		reason string
	}{
		{"zero", RunCommand{}, "SI-ID-01", "cvmconform run --seed 7 --only SI-ID-01",
			"the embedded emulator, every default: Run's own replay when its Config has none"},
		{"defaults-left-out", RunCommand{RateLimit: 10, Signature: "tc3", Sequences: 100}, "SI-ID-01", "cvmconform run --seed 7 --only SI-ID-01",
			"a value a flag has by default is not repeated"},
		{"no-selection", RunCommand{}, "", "cvmconform run --seed 7", "a whole run"},
		{"endpoint", RunCommand{Endpoint: "tencentcloud", Region: "ap-shanghai", RateLimit: 5, SettleTimeout: 2 * time.Minute,
			Instances: "ins-12345678,ins-87654321", Strict: true, Signature: "all", Sequences: 20}, "SI-RATE",
			"cvmconform run --endpoint tencentcloud --region ap-shanghai --rate-limit 5 --settle-timeout 2m0s --instances ins-12345678,ins-87654321 " +
				"--strict --signature all --checks 20 --seed 7 --only SI-RATE",
			"every flag that changes the run, in run's order"},
		{"all-instances", RunCommand{Endpoint: "http://127.0.0.1:8080", Region: "ap-guangzhou", AllInstances: true}, "SI-ID-01",
			"cvmconform run --endpoint http://127.0.0.1:8080 --region ap-guangzhou --all-instances --seed 7 --only SI-ID-01",
			"the allow-list of a target on this machine"},
		{"self-test", RunCommand{Variants: []string{"random:7", "limiter=token"}, Faults: []string{"no-rate-limit"}, SettleTimeout: 5 * time.Second,
			Sequences: 20}, "SI-RATE,SI-ID",
			"cvmconform run --settle-timeout 5s --variant random:7 --variant limiter=token --fault no-rate-limit --checks 20 --seed 7 --only SI-RATE,SI-ID",
			"the embedded emulator's variants, each a flag, later ones winning, and its faults"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, tc.cmd.Line(7, tc.only), tc.reason)
		})
	}
}

// TestNewSeedFitsASignedInteger: a drawn seed reads back the same as a
// signed 64-bit number.
func TestNewSeedFitsASignedInteger(t *testing.T) {
	t.Parallel()
	for range 100 {
		require.Less(t, NewSeed(), uint64(1)<<63)
	}
}
