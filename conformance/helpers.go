package conformance

import (
	"hash/fnv"
	"math/rand/v2"
	"slices"

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

// checkRand returns the check's own random source, derived from the run's
// seed and its ID, so that one check replays the same with --only.
func checkRand(seed uint64, id string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(id))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// pick returns n of ids chosen by r, in a stable order.
func pick(r *rand.Rand, ids []string, n int) []string {
	ids = slices.Clone(ids)
	r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	ids = ids[:min(n, len(ids))]
	return ids
}
