package conformance_test

import (
	"testing"

	"github.com/cvmconform/cvmconform/conformance"
	"github.com/cvmconform/cvmconform/conformance/conformancetest"
)

// TestConformance runs the whole suite against the target under test (the
// embedded emulator unless -endpoint says otherwise), one subtest a check,
// through the harness implementers use (conformancetest.Suite): -run
// 'TestConformance/SI-BATCH' runs that area alone.
func TestConformance(t *testing.T) {
	conformancetest.Suite(t, conformance.SuiteUnderTest(t))
}
