package conformance

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
)

// TestCitationsResolve: every clause a check, a rule or a ledger entry
// cites is a section of model/SOURCES.md (or a ledger entry), so that a
// user can follow it inside the repository.
func TestCitationsResolve(t *testing.T) {
	t.Parallel()
	cited := map[string]string{} // clause text → who cites it
	for _, c := range Catalog() {
		require.NotEmpty(t, model.Citations(c.Clause), "%s cites no section: %q", c.ID, c.Clause)
		cited[c.Clause] = c.ID
	}
	for _, r := range model.Rules {
		cited[r.Clause] = "rule " + r.ID
	}
	for _, e := range model.Ledger {
		cited[e.Sources] = "ledger " + e.ID
	}
	for clause, who := range cited {
		for _, ref := range model.Citations(clause) {
			_, text, ok := model.SourceText(ref)
			require.True(t, ok, "%s cites %s, which model/SOURCES.md lacks (clause %q)", who, ref, clause)
			require.NotEmpty(t, text, "%s: %s has no text", who, ref)
		}
	}
}

func TestCitations(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		clause string
		want   []string
		reason string
	}{
		{`seed §1, §2 InstanceIds.N: at most 100`, []string{"seed §1", "seed §2"}, "a bare § continues the document"},
		{`facts §7–§9; DESIGN "The model"`, []string{"facts §7", "facts §9", `DESIGN "The model"`}, "a range's ends; a DESIGN section by title"},
		{`ledger L-02 (facts "silent" 8)`, []string{"ledger L-02", `facts "silent" 8`}, "a ledger entry; a silent point"},
		{`seed §3 RequestId: "returned for each request"; facts §5`, []string{"seed §3", "facts §5"}, "a quotation cites nothing"},
	} {
		var got []string
		for _, c := range model.Citations(tc.clause) {
			got = append(got, c.String())
		}
		require.Equal(t, tc.want, got, tc.reason)
	}
}
