package conformance

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/report"
)

// TestExplainCoverage: an item not exercised names the skipped check the
// catalog ties to it, with the check's reason; one exercised, or tied to
// no skipped check, keeps what coverage said.
func TestExplainCoverage(t *testing.T) {
	t.Parallel()
	noop := func(*Ctx) error { return nil }
	checks := []*Check{
		{ID: "SI-BATCH-02", Clause: "seed §1; seed §6 InvalidParameterValue.LimitExceeded", Run: noop},
		{ID: "SI-BATCH-06", Clause: "ledger L-02 (facts \"silent\" 8)", Run: noop},
		{ID: "SI-STATE-05", Clause: "seed §1", Needs: Needs{States: []model.InstanceState{model.Pending}}, Run: noop},
		{ID: "SI-PARAM-01", Clause: "ledger L-08", Run: noop},
		{ID: "SI-PROTO-07", Clause: "seed §1 Note (Finance regions); facts §12", Run: noop},
	}
	results := []report.Check{
		{ID: "SI-BATCH-02", Status: report.Skip, Reason: "needs 101 RUNNING instances"},
		{ID: "SI-BATCH-06", Status: report.Skip, Reason: "needs 1 RUNNING instance"},
		{ID: "SI-STATE-05", Status: report.Skip, Reason: "needs a PENDING instance"},
		{ID: "SI-PARAM-01", Status: report.Pass},
		{ID: "SI-PROTO-07", Status: report.Skip, Reason: "the check needs a target that serves the Finance region"},
	}
	item := func(kind, id string, exercised bool) report.CoverageItem {
		c := report.CoverageItem{Kind: kind, ID: id, Unexercised: "no exchange broke it"}
		if exercised {
			c.Checks, c.Unexercised = []string{"SI-X-01"}, ""
		}
		return c
	}
	cases := []struct {
		item   report.CoverageItem
		want   string
		reason string
	}{
		{item(report.CoverCode, model.CodeLimitExceeded, false), "SI-BATCH-02 skipped: needs 101 RUNNING instances", "its clause names the code"},
		{item(report.CoverRule, model.RuleDuplicates.ID, false), "SI-BATCH-06 skipped: needs 1 RUNNING instance", "its clause cites the rule's ledger entry, L-02"},
		{item(report.CoverLedger, "L-02", false), "SI-BATCH-06 skipped: needs 1 RUNNING instance", "its clause cites the entry"},
		{item(report.CoverTransition, "PENDING → RUNNING", false), "SI-STATE-05 skipped: needs a PENDING instance", "it needs an instance in the state the transition starts from"},
		{item(report.CoverRule, model.RuleParamUnknown.ID, false), "no exchange broke it", "the check tied to it (L-08) ran: coverage's own reason stands"},
		{item(report.CoverLedger, "L-02", true), "", "exercised: nothing to explain"},
		{item(report.CoverRule, model.RuleSignature.ID, false), "no exchange broke it", "no check is tied to it"},
		{item(report.CoverRule, model.RuleFinanceHost.ID, false), "SI-PROTO-07 skipped: the check needs a target that serves the Finance region",
			"the rule and the check both cite facts §12, which few checks of the catalog cite"},
		{item(report.CoverRule, model.RuleStopState.ID, false), "no exchange broke it", "seed §1, which it shares with SI-STATE-05 and SI-PROTO-07, is cited by many checks: no tie"},
		{item(report.CoverRule, model.RuleToken.ID, false), NotProvoked, "no check of the catalog sends a wrong session token: no run would exercise it"},
		{item(report.CoverRule, model.RuleAtFinanceHost.ID, false), "SI-PROTO-07 skipped: the check needs a target that serves the Finance region",
			"a skipped check tied to it says more than that none provokes it"},
	}
	for _, c := range cases {
		got := explainCoverage([]report.CoverageItem{c.item}, checks, results)
		require.Equal(t, c.want, got[0].Unexercised, "%s %s: %s", c.item.Kind, c.item.ID, c.reason)
	}
}
