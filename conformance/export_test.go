package conformance

import "testing"

// SuiteUnderTest is the run TestConformance (conformance_external_test.go)
// makes: the target under test (the embedded emulator unless -endpoint
// says otherwise) with the package's test flags. It is exported to the
// external test, which drives it through conformancetest.Suite, the
// harness implementers call from their own modules, so that the two
// share one mechanism.
func SuiteUnderTest(t testing.TB) Config {
	sequences := *flagSequences
	if testing.Short() {
		sequences /= 5
	}
	return Config{Target: targetConfig(t), TargetName: "test target",
		Strict: *flagStrict, Seed: *flagSeed, Sequences: sequences,
		Replay: func(seed uint64, check string) string {
			return "go test ./conformance -run 'TestConformance/" + check + "$' -seed " + uintString(seed)
		}}
}

// UnprovokedRules are the IDs of the rules no check of the catalog provokes
// (coverage.go), for TestConformance's ceiling.
func UnprovokedRules() []string {
	var out []string
	for _, r := range unprovoked {
		out = append(out, r.ID)
	}
	return out
}

// FullRunOnEmbedded reports whether TestConformance makes a full run
// against the embedded emulator: every state-machine sequence, no
// -endpoint.
func FullRunOnEmbedded() bool {
	return embedded != nil && !testing.Short() && *flagSequences >= 100
}
