package snapshot

import (
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-cmp/cmp"
)

// Drift is how one step of one scenario differs between two records
// ("was", the earlier or reference one, and "now").
type Drift struct {
	Scenario string
	// Step is the step's number, from 1; 0 when the whole scenario is
	// recorded on one side only.
	Step int
	// Name is the step's name.
	Name string
	// Changes are the differing paths, in go-cmp's walk order.
	Changes []Change
	// Diff is go-cmp's report of the step's answers (- was, + now); ""
	// when a side has no answer. Like cmp.Diff's, its text is for people
	// and may change between versions.
	Diff string
}

// Change is one differing value: Path is a dotted path into the answer
// (Response.Error.Code, Response.InstanceSet.0.InstanceState), or
// "(request)", "(step)", "(scenario)" when the request, the step or the
// whole scenario differs; Was and Now are compact JSON, or "(absent)".
type Change struct {
	Path, Was, Now string
}

// Absent stands for a value one side does not have.
const Absent = "(absent)"

// Option changes how Compare compares. Options are values of this
// package only (Ignore).
type Option interface{ apply(*options) }

type options struct{ ignore []path }

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// Ignore leaves out of the comparison the values at these paths (dotted,
// "#" for any array index, as in Normalisation.Exclude), e.g.
// Ignore("Response.Error.Message") to compare a real cloud's record with
// an emulator's whose messages are its own.
func Ignore(paths ...string) Option {
	return optionFunc(func(o *options) {
		for _, p := range paths {
			o.ignore = append(o.ignore, parsePath(p))
		}
	})
}

// Compare returns how the records now depart from the records was,
// scenario by scenario (sorted by name), step by step; nil when they read
// the same. Headers (target, date) are not compared; a scenario recorded
// on one side only is a Drift of Step 0.
func Compare(was, now []*Record, opts ...Option) []Drift {
	var o options
	for _, opt := range opts {
		opt.apply(&o)
	}
	ws, ns := byScenario(was), byScenario(now)
	names := make([]string, 0, len(ws)+len(ns))
	for n := range ws {
		names = append(names, n)
	}
	for n := range ns {
		if ws[n] == nil {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	var out []Drift
	for _, n := range names {
		w, nw := ws[n], ns[n]
		switch {
		case nw == nil:
			out = append(out, Drift{Scenario: n, Changes: []Change{{Path: "(scenario)", Was: "recorded", Now: Absent}}})
		case w == nil:
			out = append(out, Drift{Scenario: n, Changes: []Change{{Path: "(scenario)", Was: Absent, Now: "recorded"}}})
		default:
			out = append(out, compareSteps(w, nw, o)...)
		}
	}
	return out
}

func byScenario(recs []*Record) map[string]*Record {
	m := make(map[string]*Record, len(recs))
	for _, r := range recs {
		m[r.Scenario] = r
	}
	return m
}

func compareSteps(w, n *Record, o options) []Drift {
	var out []Drift
	cmpOpts := cmp.Options{cmp.FilterPath(func(p cmp.Path) bool { return anyMatches(o.ignore, jsonPath(p)) }, cmp.Ignore())}
	for i := range max(len(w.Steps), len(n.Steps)) {
		d := Drift{Scenario: w.Scenario, Step: i + 1}
		switch {
		case i >= len(n.Steps):
			d.Name = w.Steps[i].Name
			d.Changes = []Change{{Path: "(step)", Was: w.Steps[i].Request, Now: Absent}}
		case i >= len(w.Steps):
			d.Name = n.Steps[i].Name
			d.Changes = []Change{{Path: "(step)", Was: Absent, Now: n.Steps[i].Request}}
		default:
			ws, ns := w.Steps[i], n.Steps[i]
			d.Name = ns.Name
			if ws.Request != ns.Request {
				d.Changes = append(d.Changes, Change{Path: "(request)", Was: ws.Request, Now: ns.Request})
			}
			var r changeReporter
			if !cmp.Equal(ws.Response, ns.Response, cmpOpts, cmp.Reporter(&r)) {
				d.Changes = append(d.Changes, r.changes...)
				d.Diff = cmp.Diff(ws.Response, ns.Response, cmpOpts)
			}
		}
		if len(d.Changes) > 0 {
			out = append(out, d)
		}
	}
	return out
}

// changeReporter collects the differing leaves of a go-cmp comparison.
type changeReporter struct {
	path    cmp.Path
	changes []Change
}

func (r *changeReporter) PushStep(ps cmp.PathStep) { r.path = append(r.path, ps) }
func (r *changeReporter) PopStep()                 { r.path = r.path[:len(r.path)-1] }

func (r *changeReporter) Report(rs cmp.Result) {
	if rs.Equal() {
		return
	}
	vx, vy := r.path.Last().Values()
	r.changes = append(r.changes, Change{Path: strings.Join(jsonPath(r.path), "."), Was: render(vx), Now: render(vy)})
}

// jsonPath turns a go-cmp path into the dotted path of the JSON value.
func jsonPath(p cmp.Path) path {
	var out path
	for _, s := range p {
		switch s := s.(type) {
		case cmp.MapIndex:
			out = append(out, fmt.Sprint(s.Key().Interface()))
		case cmp.SliceIndex:
			i := s.Key()
			if i < 0 {
				x, y := s.SplitKeys()
				i = max(x, y)
			}
			out = append(out, strconv.Itoa(i))
		}
	}
	return out
}

func render(v reflect.Value) string {
	if !v.IsValid() {
		return Absent
	}
	b, err := marshal(v.Interface(), "")
	if err != nil {
		return fmt.Sprint(v.Interface())
	}
	return string(b)
}

// WriteDrifts renders drifts for people: a line per change,
//
//	seed-errors / step 1 (malformed ID): Response.Error.Code: was "InvalidInstanceId.Malformed", now "InvalidInstanceId.NotFound"
//
// then go-cmp's diff of the step, labelled (-was +now) with the given
// labels, e.g. "recorded" and "now". The text is for people; do not parse
// it.
func WriteDrifts(w io.Writer, drifts []Drift, was, now string) error {
	var b strings.Builder
	for _, d := range drifts {
		where := d.Scenario
		if d.Step > 0 {
			where = fmt.Sprintf("%s / step %d (%s)", d.Scenario, d.Step, d.Name)
		}
		for _, c := range d.Changes {
			fmt.Fprintf(&b, "%s: %s: was %s, now %s\n", where, c.Path, c.Was, c.Now)
		}
		if d.Diff != "" {
			fmt.Fprintf(&b, "  (-%s +%s):\n", was, now)
			for _, l := range strings.Split(strings.TrimRight(d.Diff, "\n"), "\n") {
				fmt.Fprintf(&b, "  %s\n", l)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
