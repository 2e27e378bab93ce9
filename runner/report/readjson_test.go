package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/runner/report"
)

// TestReadJSONReadsBackWhatJSONWrote: the JSON report read back holds the
// run's checks, a failure's exchanges, coverage and profile as they were
// written (times to the millisecond the report keeps).
func TestReadJSONReadsBackWhatJSONWrote(t *testing.T) {
	t.Parallel()
	r := htmlFixture()
	var b bytes.Buffer
	require.NoError(t, report.JSON(&b, r))
	got, err := report.ReadJSON(&b)
	require.NoError(t, err)
	require.Equal(t, r.Target, got.Target)
	require.Equal(t, r.Seed, got.Seed)
	require.Len(t, got.Checks, len(r.Checks))
	exchanges := 0
	for i, c := range r.Checks {
		g := got.Checks[i]
		require.Equal(t, c.ID, g.ID)
		require.Equal(t, c.Status, g.Status)
		require.Equal(t, c.Counterexample, g.Counterexample)
		require.Len(t, g.Exchanges, len(c.Exchanges), c.ID)
		for j, x := range c.Exchanges {
			require.Equal(t, x.Call, g.Exchanges[j].Call)
			require.Equal(t, x.Finding, g.Exchanges[j].Finding)
			require.Equal(t, x.Headers, g.Exchanges[j].Headers)
			require.True(t, x.Sent.Equal(g.Exchanges[j].Sent), "%s exchange %d sent", c.ID, j)
			exchanges++
		}
	}
	require.NotZero(t, exchanges, "the fixture has exchanges to read back")
	require.Equal(t, r.Coverage, got.Coverage)
	require.Equal(t, r.Profile, got.Profile)

	for _, bad := range []string{"", "[]", `{"checks":[]}`} {
		_, err := report.ReadJSON(strings.NewReader(bad))
		require.Error(t, err, "%q is no JSON report", bad)
	}
}
