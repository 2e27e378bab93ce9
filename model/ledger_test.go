package model

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLedgerIsComplete(t *testing.T) {
	t.Parallel()
	ids := map[string]bool{}
	prev := ""
	for _, e := range Ledger {
		require.False(t, ids[e.ID], "duplicate %s", e.ID)
		require.Greater(t, e.ID, prev, "entries in ID order")
		prev = e.ID
		ids[e.ID] = true
		require.NotEmpty(t, e.Topic, e.ID)
		require.NotEmpty(t, e.Sources, e.ID)
		require.NotEmpty(t, e.Choice, e.ID)
		require.True(t, len(e.Rules) > 0 || e.Decision != "", "%s needs rules or a decision", e.ID)
		for _, r := range e.Rules {
			require.Equal(t, e.ID, r.Ledger, "rule %s is listed under %s but names %s", r.ID, e.ID, r.Ledger)
		}
	}
	// Every rule that names an entry is listed by it.
	for _, r := range Rules {
		if r.Ledger == "" {
			continue
		}
		found := false
		for _, e := range Ledger {
			for _, x := range e.Rules {
				found = found || (e.ID == r.Ledger && x == r)
			}
		}
		require.True(t, found, "rule %s names %s, which does not list it", r.ID, r.Ledger)
	}
	// The minimum list of topics.
	var topics []string
	for _, e := range Ledger {
		topics = append(topics, strings.ToLower(e.Topic))
	}
	all := strings.Join(topics, "\n")
	for _, must := range []string{"forcestop together with stoptype", "duplicate", "empty instanceids", "not running",
		"precedence", "malformed", "stop_charging", "unknown parameters"} {
		require.Contains(t, all, must)
	}
}
