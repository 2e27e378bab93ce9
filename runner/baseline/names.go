package baseline

import (
	"github.com/cvmconform/cvmconform/fixtures/hostile"
	"github.com/cvmconform/cvmconform/model"
)

// findingRules are the names a finding gives the rule it breaks besides
// the model's rule table (model.Rules): a transition or a listing that
// contradicts what the model knows (model/observer.go, describe.go), the
// rate limit judged on a timeline (model/ratelimit.go), and the shape of
// an answer (runner/judging.go). The model gives these names as string
// literals where it finds; TestFindingRulesAreTheCodes scans the code
// that gives them and fails when a name is given that this list lacks,
// or listed that nothing gives any more.
var findingRules = []string{
	"VALID-REQUEST", "OBSERVED-STATE",
	"RATE-TOO-LOOSE", "RATE-TOO-STRICT",
	"DESCRIBE-PAGE", "DESCRIBE-DUPLICATE", "DESCRIBE-ISOLATION", "DESCRIBE-FILTER", "DESCRIBE-MISSING", "DESCRIBE-TOTAL",
	"ENVELOPE", "DESCRIBE-SHAPE",
}

// RuleNames are the rules an entry may narrow a check to: every rule of
// the model's table, in its order, then the names findings give the rest.
func RuleNames() []string {
	out := make([]string, 0, len(model.Rules)+len(findingRules))
	for _, r := range model.Rules {
		out = append(out, r.ID)
	}
	return append(out, findingRules...)
}

// CaseNames are the cases an entry may narrow an SI-HOSTILE check to:
// fixtures/hostile/corpus.txt's, in its order.
func CaseNames() []string {
	var out []string
	for _, c := range hostile.Cases() {
		out = append(out, c.Name)
	}
	return out
}
