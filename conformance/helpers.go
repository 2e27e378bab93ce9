package conformance

import (
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// jsonOnly sends s as TC3 JSON whatever --signature says: a check about
// JSON types needs JSON.
func jsonOnly(s runner.Send) runner.Send {
	s.Call.Style, s.Call.V1Method, s.ExactStyle = tcapi.StyleTC3JSON, "", true
	return s
}

// unknownIDs returns n well-formed instance IDs that name no instance the
// discovery saw (facts §11 ^ins-[a-z0-9]{8}$).
func (c *Ctx) unknownIDs(n int) []string {
	var out []string
	seen := map[string]bool{}
	for len(out) < n {
		id := "ins-" + randomSuffix(c, 8)
		if _, known := c.run.views[id]; known || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	return out
}
