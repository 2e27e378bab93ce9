package conformance

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCatalogDoesNotKnowTheEmulator: the catalog and its engine judge any
// target by the sources alone, so nothing they are built from, directly
// or not, is the reference emulator (DESIGN: checks never know the
// emulator). The self-test, which needs both, is conformance/selftest.
func TestCatalogDoesNotKnowTheEmulator(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/cvmconform/cvmconform/runner", "the list is of this package's dependencies")
	for _, d := range deps {
		require.False(t, strings.HasPrefix(d, "github.com/cvmconform/cvmconform/runner/emulator"), "conformance is built from %s", d)
	}
}
