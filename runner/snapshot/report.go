package snapshot

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/runner/report"
)

// VerifyInfo is what a verification's report says besides its checks.
type VerifyInfo struct {
	Target  string // the target played, e.g. "the embedded emulator"
	Region  string
	Record  string // the record's directory
	Started time.Time
	// Replay is the command line that verifies again, without --only:
	// each failing scenario's replay adds its own --only.
	Replay string
}

// VerifyReport is snapshot verify's result as a report
// (report.KindSnapshot), so that it reaches every reporter and the
// baseline as run's does: one check per scenario, named as the scenario
// (as 'snapshot list' and --only name it), passing when its answers read
// as the record's and failing when a step drifted. A scenario on one
// side only (in the record, not played; played, not recorded) is a
// failing check too. A failure's Reason lists where it drifted in one
// line; its Counterexample is the drift lines and go-cmp's diff, as
// [WriteDrifts] writes them (-recorded +now). Requests counts the
// requests the scenarios' steps sent (a burst of 15 counts 15); the
// polls that wait for instances to settle are not counted.
func VerifyReport(info VerifyInfo, played []*Scenario, drifts []Drift) report.Run {
	run := report.Run{Kind: report.KindSnapshot, Target: info.Target, Region: info.Region, Fleet: info.Record,
		Started: info.Started, Duration: time.Since(info.Started)}
	if info.Started.IsZero() {
		run.Duration = 0
	}
	byName := map[string][]Drift{}
	var names []string
	for _, sc := range played {
		names = append(names, sc.Name)
	}
	for _, d := range drifts {
		byName[d.Scenario] = append(byName[d.Scenario], d)
		if !slices.Contains(names, d.Scenario) {
			names = append(names, d.Scenario)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		c := report.Check{ID: n, Status: report.Pass}
		if i := slices.IndexFunc(played, func(sc *Scenario) bool { return sc.Name == n }); i >= 0 {
			sc := played[i]
			c.Title, c.Spec, c.Requests = sc.Title, sc.Source, requests(sc)
			run.Requests += c.Requests
		}
		if ds := byName[n]; len(ds) > 0 {
			var b strings.Builder
			_ = WriteDrifts(&b, ds, "recorded", "now") // a strings.Builder does not fail
			c.Status, c.Reason, c.Counterexample = report.Fail, driftReason(ds), b.String()
			if info.Replay != "" {
				c.Replay = info.Replay + " --only " + n
			}
		}
		run.Checks = append(run.Checks, c)
	}
	return run
}

// requests is how many requests sc's steps send.
func requests(sc *Scenario) int {
	n := 0
	for _, st := range sc.Steps {
		n += max(st.Burst, 1)
	}
	return n
}

// driftReason is a scenario's drifts in one line: "drifted from the
// record: step 1 (malformed ID): Response.Error.Code; step 3 (…): …".
func driftReason(ds []Drift) string {
	var parts []string
	for _, d := range ds {
		var paths []string
		for _, c := range d.Changes {
			paths = append(paths, c.Path)
		}
		where := "the scenario"
		if d.Step > 0 {
			where = fmt.Sprintf("step %d (%s)", d.Step, d.Name)
		}
		parts = append(parts, where+": "+strings.Join(paths, ", "))
	}
	return "drifted from the record: " + strings.Join(parts, "; ")
}

// Paths are every path a drift of recs could name, sorted: each value's
// in the recorded answers (Response, Response.Error, Response.Error.Code,
// Response.InstanceSet.0, …) and "(request)", "(step)", "(scenario)".
// A baseline entry's rule names one of them: a path the record does not
// hold is a typo, refused before anything is sent.
func Paths(recs []*Record) []string {
	seen := map[string]bool{"(request)": true, "(step)": true, "(scenario)": true}
	var walk func(p string, v any)
	walk = func(p string, v any) {
		if p != "" {
			seen[p] = true
		}
		join := func(k string) string {
			if p == "" {
				return k
			}
			return p + "." + k
		}
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				walk(join(k), x)
			}
		case []any:
			for i, x := range v {
				walk(join(strconv.Itoa(i)), x)
			}
		}
	}
	for _, r := range recs {
		for _, st := range r.Steps {
			walk("", st.Response)
		}
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
