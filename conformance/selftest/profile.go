package selftest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/report"
)

// The profile's proof: a run against a variant target knows, for each
// dimension its profile names, the choice the variant made; the profile
// must name that choice wherever it observed the dimension, and never
// another (DESIGN "Verdicts one can trust": a profile is a claim about
// the target, and a wrong one is as bad as a false failure).

// ProfileAccuracy is how a run's profile compares with the choices of the
// variant it ran against.
type ProfileAccuracy struct {
	// Identified counts the dimensions the profile observed, each
	// naming the variant's choice.
	Identified int
	// Unobserved counts the dimensions with a variant the run could not
	// observe.
	Unobserved int
	// Wrong lists each dimension the profile observed with another choice
	// than the variant's: "op-state: profile lag, variant ahead".
	Wrong []string
}

// Add adds o's counts to a.
func (a *ProfileAccuracy) Add(o ProfileAccuracy) {
	a.Identified += o.Identified
	a.Unobserved += o.Unobserved
	a.Wrong = append(a.Wrong, o.Wrong...)
}

// String reads "412 dimensions identified, 388 not observed, 0 wrong".
func (a ProfileAccuracy) String() string {
	return fmt.Sprintf("%d dimensions identified, %d not observed, %d wrong", a.Identified, a.Unobserved, len(a.Wrong))
}

// latencySlack is what a measured latency may be off by: the emulator's
// clock and the suite's are the same machine's, but the request's time
// at the target lies within its round trip, not at either end.
const latencySlack = 10 * time.Millisecond

// CompareProfile compares profile with the choices c (a variant
// target's; the default where c names none). A dimension is compared
// with the variant of its name; latency.<Action> with the latency
// variant; regions, which no variant decides, are not compared. An
// observed dimension is identified when it names the variant's choice:
// the same word, except where the profile can see only part of it —
// op-state "lag" or "ahead" is identified by the variant "mixed" too
// (one operation seen apart from its state says nothing of the others),
// the limiter when the variant is one of those the profile names ("fixed
// or token": a burst over the limit rules out only a sliding window),
// and a latency when the variant's range holds what was measured (the
// quickest operation ended by the first listing that showed it, the
// slowest still in flight when seen; under op-state mixed, the emulator
// ends some operations at half their latency).
func CompareProfile(profile []report.Dimension, c emulator.Choices) ProfileAccuracy {
	var a ProfileAccuracy
	for _, d := range profile {
		name := d.Name
		if strings.HasPrefix(name, runner.DimLatency+".") {
			name = emulator.VariantLatency
		}
		v, ok := emulator.VariantNamed(name)
		if !ok {
			continue
		}
		if !d.Observed() {
			a.Unobserved++
			continue
		}
		choice, named := c[v.Name]
		if !named {
			choice = v.Choices[0]
		}
		if consistent(d, name, choice, c) {
			a.Identified++
		} else {
			a.Wrong = append(a.Wrong, fmt.Sprintf("%s: profile %s (%s), variant %s", d.Name, d.Choice, d.Evidence, choice))
		}
	}
	return a
}

// consistent reports whether dimension d, of variant name, names choice
// (of the combination c).
func consistent(d report.Dimension, name, choice string, c emulator.Choices) bool {
	switch name {
	case emulator.VariantOpState:
		return d.Choice == choice || choice == "mixed" && slices.Contains([]string{"lag", "ahead"}, d.Choice)
	case emulator.VariantLimiter:
		return slices.Contains(strings.Split(d.Choice, " or "), choice)
	case emulator.VariantLatency:
		lo, hi, err := emulator.LatencyOf(emulator.Choices{emulator.VariantLatency: choice})
		if state, ok := c[emulator.VariantOpState]; ok && state == "mixed" {
			// The emulator shows a mixed operation's in-between view at
			// half its latency, and one drawn "together" ends there; the
			// next operation on the instance ends when that one was due.
			lo /= 2
		}
		slowest, quickest, ok := runner.LatencyBounds(d)
		return err == nil && ok && quickest+latencySlack >= lo && slowest <= hi+latencySlack
	}
	return d.Choice == choice
}
