package baseline

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// findingRuleLiteral is a rule name a finding is given as a string
// literal: Finding{Rule: "OBSERVED-STATE", …}, describe.go's
// find("DESCRIBE-PAGE", …), observer.go's f.Rule, f.Clause =
// "VALID-REQUEST", ….
var findingRuleLiteral = regexp.MustCompile(`(?:\bRule:\s*|\bfind\(|\.Rule, \w+\.Clause = |\.Rule = )"([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*)"`)

// The rule names findings give outside the model's table are written by
// hand in findingRules; this ties the list to the code that gives them,
// so that it cannot rot: every name a finding is given in the model,
// the runner and the checks is one an entry may narrow to (else an entry
// naming it would be refused, and its failures never known), and every
// name of findingRules is still given somewhere (else it is a name no
// failure can carry, and the scan below found nothing).
func TestFindingRulesAreTheCodes(t *testing.T) {
	t.Parallel()
	given := map[string]string{} // a name, where it is given
	for _, dir := range []string{"../../model", "..", "../passive", "../../conformance"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		require.NoError(t, err)
		require.NotEmpty(t, files, dir)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			for _, m := range findingRuleLiteral.FindAllStringSubmatch(string(b), -1) {
				given[m[1]] = f
			}
		}
	}
	names := RuleNames()
	for name, where := range given {
		require.Contains(t, names, name, "%s gives findings the rule %s: add it to findingRules in names.go", where, name)
	}
	for _, name := range findingRules {
		require.Contains(t, given, name, "findingRules lists %s, which no finding is given any more: remove it", name)
	}
	require.False(t, slices.ContainsFunc(findingRules, func(n string) bool {
		return slices.Contains(names[:len(names)-len(findingRules)], n)
	}), "a name of the model's table is not listed again")
}
