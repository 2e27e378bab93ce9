package conformance_test

import (
	"testing"

	"github.com/cvmconform/cvmconform/conformance"
	"github.com/cvmconform/cvmconform/conformance/conformancetest"
	"github.com/cvmconform/cvmconform/runner/report"
	"github.com/stretchr/testify/require"
)

// TestConformance runs the whole suite against the target under test (the
// embedded emulator unless -endpoint says otherwise), one subtest a check,
// through the harness implementers use (conformancetest.Suite): -run
// 'TestConformance/SI-BATCH' runs that area alone.
//
// A full run against the embedded emulator also proves the ceiling
// `cvmconform coverage` prints: it exercises every rule of the model but
// those no check provokes (conformance/coverage.go).
func TestConformance(t *testing.T) {
	res := conformancetest.Suite(t, conformance.SuiteUnderTest(t))
	if !conformance.FullRunOnEmbedded() || len(res.Checks) < len(conformance.Catalog()) {
		return
	}
	var notExercised []string
	for _, c := range res.Coverage {
		if c.Kind == report.CoverRule && !c.Exercised() {
			notExercised = append(notExercised, c.ID)
		}
	}
	require.ElementsMatch(t, conformance.UnprovokedRules(), notExercised,
		"the rules a full run leaves unexercised are those no check provokes (conformance/coverage.go unprovoked)")
	n, of := conformance.CoverageCeiling()
	require.Equal(t, of-len(notExercised), n)
}
