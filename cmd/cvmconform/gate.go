package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/cvmconform/cvmconform/conformance"
	"github.com/cvmconform/cvmconform/runner/baseline"
	"github.com/cvmconform/cvmconform/runner/report"
)

// The CI gate's side of run, judge and proxy: a baseline read and checked
// before anything runs (an entry naming nothing the report can hold is a
// usage error, exit 2), applied to the report before it is written, and
// the outputs only a gate has (--markdown, --write-baseline).

// loadBaseline reads the baseline at path and checks it against what the
// command's report can hold (scope); nil when path is "".
func (c cli) loadBaseline(path string, scope baseline.Scope) (*baseline.File, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--baseline: %w", err)
	}
	f, err := baseline.Parse(path, data)
	if err != nil {
		return nil, fmt.Errorf("--baseline: %w", err)
	}
	if scope.Rules == nil && scope.Cases == nil { // the model's rules and the corpus's cases, unless the scope has its own
		scope.Rules, scope.Cases = baseline.RuleNames(), baseline.CaseNames()
	}
	if err := baseline.Validate(f, scope); err != nil {
		return nil, fmt.Errorf("--baseline: %w", err)
	}
	if todo := baseline.Placeholders(f); len(todo) > 0 {
		// Accepted, so that a baseline just written gates at once; but a
		// known failure nobody has said why it is known is said every run.
		fmt.Fprintf(c.stderr, "cvmconform: --baseline %s: %d of its %d entries still say %q (the first at line %d): say why each failure is known\n",
			path, len(todo), len(f.Entries), baseline.TODO, todo[0].Line)
	}
	return &f, nil
}

// catalogScope is what a run's report can hold: every check of the
// catalog (one left out by --only is reported "unused", not refused).
func catalogScope() baseline.Scope {
	var ids []string
	for _, c := range conformance.Catalog() {
		ids = append(ids, c.ID)
	}
	return baseline.Scope{Checks: ids, What: "check of the catalog (see 'cvmconform checks')"}
}

// withBaseline is run judged with f on the day now, or run as it was
// when there is no baseline.
func withBaseline(run report.Run, f *baseline.File, now time.Time) report.Run {
	if f == nil {
		return run
	}
	return baseline.Apply(run, *f, now)
}

// gateOutputs are the writes of --markdown and --write-baseline; the
// latter says on standard error what it wrote.
func (c cli) gateOutputs(g gateConfig, run report.Run) []struct {
	out    outputFile
	render func(io.Writer) error
} {
	return []struct {
		out    outputFile
		render func(io.Writer) error
	}{
		{g.markdown, func(w io.Writer) error { return report.Markdown(w, run) }},
		{g.writeBaseline, func(w io.Writer) error {
			if err := baseline.Write(w, run); err != nil {
				return err
			}
			fmt.Fprintf(c.stderr, "cvmconform: --write-baseline %s: the run's failures, each entry with reason %q to fill in\n", g.writeBaseline.path, baseline.TODO)
			return nil
		}},
	}
}
