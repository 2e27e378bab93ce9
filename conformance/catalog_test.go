package conformance

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
)

func TestCatalogIsWellFormed(t *testing.T) {
	t.Parallel()
	checks := Catalog()
	require.NoError(t, validate(checks))
	require.GreaterOrEqual(t, len(checks), 40)
	areas := map[string]bool{}
	for _, c := range checks {
		areas[checkID.FindStringSubmatch(c.ID)[1]] = true
	}
	for _, a := range []string{"PROTO", "AUTH", "PARAM", "BATCH", "ID", "STATE", "ASYNC", "ATOMIC", "ACCT", "RATE", "CONC", "PROP"} {
		require.True(t, areas[a], "area %s has checks", a)
	}
	for _, bad := range []*Check{
		{ID: "SI-FOO-01", Title: "t", Clause: "c", Severity: MUST, Run: func(*Ctx) error { return nil }},
		{ID: "SI-ID-1", Title: "t", Clause: "c", Severity: MUST, Run: func(*Ctx) error { return nil }},
		{ID: "SI-ID-01", Title: "", Clause: "c", Severity: MUST, Run: func(*Ctx) error { return nil }},
		{ID: "SI-ID-01", Title: "t", Clause: "c", Severity: "MAY", Run: func(*Ctx) error { return nil }},
	} {
		require.Error(t, validate([]*Check{bad}), bad.ID)
	}
	require.ErrorContains(t, validate([]*Check{checks[0], checks[0]}), "twice")
}

func TestSelect(t *testing.T) {
	t.Parallel()
	all := Catalog()
	for _, tt := range []struct {
		prefixes []string
		want     []string
		reason   string
	}{
		{nil, nil, "no prefix selects everything"},
		{[]string{"SI-BATCH-02"}, []string{"SI-BATCH-02"}, "one check"},
		{[]string{"si-id"}, []string{"SI-ID-01", "SI-ID-02", "SI-ID-03", "SI-ID-04"}, "an area, case-insensitive"},
		{[]string{"SI-ID-01", "SI-BATCH-02", "SI-ID-01"}, []string{"SI-BATCH-02", "SI-ID-01"}, "catalog order, no repeats"},
	} {
		got, err := Select(all, tt.prefixes)
		require.NoError(t, err, tt.reason)
		if tt.want == nil {
			require.Len(t, got, len(all), tt.reason)
			continue
		}
		var ids []string
		for _, c := range got {
			ids = append(ids, c.ID)
		}
		require.Equal(t, tt.want, ids, tt.reason)
	}
	_, err := Select(all, []string{"SI-NOPE"})
	require.ErrorContains(t, err, "SI-NOPE")
}

func TestNeedsString(t *testing.T) {
	t.Parallel()
	require.Equal(t, "2 RUNNING, 1 STOPPED, a PENDING, a second account",
		Needs{Running: 2, Stopped: 1, States: []model.InstanceState{model.Pending}, SecondAccount: true}.String())
}

func TestExclude(t *testing.T) {
	t.Parallel()
	all := Catalog()
	out, err := Exclude(all, []string{"si-rate", "SI-CONC-01"})
	require.NoError(t, err)
	rate := 0
	for _, c := range all {
		if strings.HasPrefix(c.ID, "SI-RATE-") {
			rate++
		}
	}
	require.GreaterOrEqual(t, rate, 2)
	require.Len(t, out, len(all)-rate-1, "every SI-RATE check and SI-CONC-01, matched without regard to case")
	require.False(t, slices.ContainsFunc(out, func(c *Check) bool { return c.ID == "SI-RATE-03" || c.ID == "SI-CONC-01" }))
	require.True(t, slices.ContainsFunc(out, func(c *Check) bool { return c.ID == "SI-CONC-02" }))
	_, err = Exclude(all, []string{"SI-NOPE"})
	require.ErrorContains(t, err, "--skip SI-NOPE matches no check")
}
