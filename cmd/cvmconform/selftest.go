package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cvmconform/cvmconform/conformance/selftest"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/report"
)

const selftestUsage = `Usage: cvmconform selftest [flags]

Proves both halves of the suite's verdicts, against its own emulator:

  precision  the whole suite against the two corners of the emulator's
             variants (lenient: every variant at its most permissive
             defensible choice; strict: at its most refusing) and N random
             combinations (each variant a defensible way to answer where
             the sources leave room: see 'cvmconform emulate
             --list-variants'); every one must pass.
  recall     every emulator fault ('cvmconform emulate --list-faults'),
             each on a random variant so that detection does not rest on
             the canonical choices; every one must be caught.

Each suite gets its own emulator, so the documented rate limits hold in
each; --parallel of them run at once. A failure prints the combination
and the command that replays it. The last line is
  precision: N/N variant targets pass; recall: M/M faults detected; median detection S s

Exit status: 0 every variant passed and every fault was caught, 1 not,
2 the self-test could not be made.

Flags:
`

func (c cli) selftest(args []string) int {
	fs := flag.NewFlagSet("selftest", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	var f selftestFlags
	f.register(fs)
	fs.Usage = func() { fmt.Fprint(c.stderr, selftestUsage); printFlags(fs) }
	if code, ok := parse(fs, args); !ok {
		return code
	}
	f.args = fs.Args()
	fail := func(format string, a ...any) int {
		fmt.Fprintf(c.stderr, "cvmconform selftest: "+format+"\n", a...)
		return exitUsage
	}
	cfg, err := resolveSelftest(f)
	if err != nil {
		return fail("%v", err)
	}
	if err := c.checkOutputs(cfg.html); err != nil {
		return fail("%v", err)
	}
	start := time.Now()
	suite := cfg.suite
	suite.Progress = func(line string) {
		fmt.Fprintf(c.stderr, "[%5.1fs] %s\n", time.Since(start).Seconds(), line)
	}
	res, err := selftest.Run(c.ctx, suite)
	if err != nil && len(res.Precision)+len(res.Recall) == 0 {
		return fail("%v", err)
	}
	took := time.Since(start)
	writeSelftest(c.console(cfg.html), res, took)
	if err := c.writeOutput(cfg.html, func(w io.Writer) error { return report.HTMLPage(w, selftestPage(res, took)) }); err != nil {
		return fail("%v", err)
	}
	switch {
	case err != nil:
		fmt.Fprintf(c.stderr, "cvmconform selftest: %v\n", err)
		return exitUsage
	case !res.OK():
		return exitFailed
	}
	return exitOK
}

// writeSelftest renders the self-test's table.
func writeSelftest(w io.Writer, res selftest.Result, took time.Duration) {
	fmt.Fprintf(w, "cvmconform selftest (seed %d, %s)\n\n", res.Seed, took.Round(time.Second))
	if len(res.Precision) > 0 {
		fmt.Fprintf(w, "Precision: the suite against the lenient and strict corners and %d random variant combinations; each must pass\n\n",
			len(res.Precision)-corners(res.Precision))
		var table bytes.Buffer
		tw := tabwriter.NewWriter(&table, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VARIANTS\tRESULT\tCHECKS\tREQUESTS\tTIME\tNOTABLE CHOICES")
		for _, p := range res.Precision {
			s := p.Result.Summary()
			fmt.Fprintf(tw, "%s\t%s\t%d pass, %d skip\t%d\t%.1fs\t%s\n", precisionName(p), p.Word(),
				s.Pass, s.Skip, p.Result.Requests, p.Result.Duration.Seconds(), notable(p.Variants))
		}
		tw.Flush()
		// The last column wraps under itself, so that the table fits the
		// screen however many choices a row names.
		lines := strings.Split(strings.TrimSuffix(table.String(), "\n"), "\n")
		hang := strings.Repeat(" ", strings.Index(lines[0], "NOTABLE CHOICES"))
		for _, line := range lines {
			fmt.Fprintln(w, report.Fit(line, hang))
		}
		for _, p := range res.Precision {
			if p.Passed() {
				continue
			}
			fmt.Fprintf(w, "\n✗ variants %s failed:\n", precisionName(p))
			if p.Err != nil {
				fmt.Fprintf(w, "  the run could not be made: %v\n", p.Err)
			}
			for _, f := range p.Failures() {
				fmt.Fprintln(w, report.Fit(fmt.Sprintf("  %s %s: %s", strings.ToUpper(string(f.Status)), f.ID, f.Reason), "    "))
			}
			fmt.Fprintf(w, "  variants: %s\n  replay:   %s\n", p.Variants.Changed(), p.Replay)
		}
		fmt.Fprintln(w)
		writeProfileAccuracy(w, res)
	}
	if len(res.Recall) > 0 {
		fmt.Fprintf(w, "Recall: every fault on a random variant; each must be detected\n\n")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "FAULT\tFIRST FAILING CHECK\tREQUESTS\tSECONDS\tSTEPS\tVARIANT SEED")
		for _, r := range res.Recall {
			first := "MISSED"
			if r.Detected() {
				first = r.First.ID
				if !r.Expected() {
					first += " (before its own " + strings.Join(r.Proof.Catch, ", ") + ")"
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\t%d\t%d\n", r.Proof.Fault, first, r.Requests, r.Elapsed.Seconds(), r.Steps, r.Seed)
		}
		tw.Flush()
		for _, r := range res.Recall {
			if r.Detected() && r.Err == nil {
				continue
			}
			fmt.Fprintf(w, "\n✗ fault %s was not detected", r.Proof.Fault)
			if r.Err != nil {
				fmt.Fprintf(w, " (the run could not be made: %v)", r.Err)
			}
			fmt.Fprintln(w)
			// What the checks that prove the fault said instead: a pass,
			// or a skip with why it could not judge.
			for _, c := range r.Result.Checks {
				for _, p := range r.Proof.Catch {
					if strings.HasPrefix(c.ID, p) {
						fmt.Fprintln(w, report.Fit(fmt.Sprintf("  %s %s: %s", c.Status, c.ID, c.Reason), "    "))
					}
				}
			}
			fmt.Fprintf(w, "  variants: %s\n  replay:   %s\n", r.Variants.Changed(), r.Replay)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, res.Summary())
}

// writeProfileAccuracy says how the precision runs' profiles compare
// with the variants they ran against, and names each dimension named
// wrongly.
func writeProfileAccuracy(w io.Writer, res selftest.Result) {
	a := res.ProfileAccuracy()
	fmt.Fprintf(w, "Profile: over %d variant targets, %s\n", len(res.Precision), a)
	for _, p := range res.Precision {
		for _, wrong := range p.Profile.Wrong {
			fmt.Fprintln(w, report.Fit(fmt.Sprintf("  ✗ %s: %s", precisionName(p), wrong), "    "))
		}
	}
	fmt.Fprintln(w)
}

// selftestPage is the self-test as a page for --html: its two tables,
// each failing row with its failures and replay command.
func selftestPage(res selftest.Result, took time.Duration) report.Page {
	p := report.Page{Title: "cvmconform selftest", Headline: "SELF-TEST PASSED", OK: res.OK(), Line: res.Summary(),
		Facts: [][2]string{{"seed", fmt.Sprint(res.Seed)}, {"duration", took.Round(time.Second).String()}}}
	if !p.OK {
		p.Headline = "SELF-TEST FAILED"
	}
	if len(res.Precision) > 0 {
		t := report.PageTable{Title: "Precision", Note: fmt.Sprintf("The suite against the lenient and strict corners and %d random variant combinations; each must pass.",
			len(res.Precision)-corners(res.Precision)), Header: []string{"variants", "result", "checks", "requests", "time", "notable choices"}}
		for _, r := range res.Precision {
			s := r.Result.Summary()
			row := report.PageRow{Cells: []string{precisionName(r), map[bool]string{true: "pass", false: "FAIL"}[r.Passed()],
				fmt.Sprintf("%d pass, %d skip", s.Pass, s.Skip), fmt.Sprint(r.Result.Requests), fmt.Sprintf("%.1fs", r.Result.Duration.Seconds()), notable(r.Variants)},
				Bad: !r.Passed()}
			if row.Bad {
				if r.Err != nil {
					row.Details = append(row.Details, "the run could not be made: "+r.Err.Error())
				}
				for _, f := range r.Failures() {
					row.Details = append(row.Details, strings.ToUpper(string(f.Status))+" "+f.ID+": "+f.Reason)
				}
				row.Details = append(row.Details, fmt.Sprintf("variants: %s", r.Variants.Changed()), "replay:   "+r.Replay)
			}
			t.Rows = append(t.Rows, row)
		}
		p.Tables = append(p.Tables, t)
	}
	if len(res.Recall) > 0 {
		t := report.PageTable{Title: "Recall", Note: "Every fault on a random variant; each must be detected.",
			Header: []string{"fault", "first failing check", "requests", "seconds", "steps", "variant seed"}}
		for _, r := range res.Recall {
			first := "MISSED"
			if r.Detected() {
				first = r.First.ID
				if !r.Expected() {
					first += " (before its own " + strings.Join(r.Proof.Catch, ", ") + ")"
				}
			}
			row := report.PageRow{Cells: []string{r.Proof.Fault, first, fmt.Sprint(r.Requests), fmt.Sprintf("%.1f", r.Elapsed.Seconds()),
				fmt.Sprint(r.Steps), fmt.Sprint(r.Seed)}, Bad: !r.Detected() || r.Err != nil}
			if row.Bad {
				if r.Err != nil {
					row.Details = append(row.Details, "the run could not be made: "+r.Err.Error())
				}
				row.Details = append(row.Details, fmt.Sprintf("variants: %s", r.Variants.Changed()), "replay:   "+r.Replay)
			}
			t.Rows = append(t.Rows, row)
		}
		p.Tables = append(p.Tables, t)
	}
	return p
}

// precisionName names a precision run's combination: its corner, or the
// seed it was drawn from.
func precisionName(p selftest.PrecisionRun) string {
	if p.Corner != "" {
		return p.Corner + " corner"
	}
	return fmt.Sprintf("random:%d", p.Seed)
}

// corners counts the corner runs among ps.
func corners(ps []selftest.PrecisionRun) int {
	n := 0
	for _, p := range ps {
		if p.Corner != "" {
			n++
		}
	}
	return n
}

// notable lists the choices of a combination that most change how a target
// behaves, for the table; the full combination is the seed's.
func notable(c emulator.Choices) string {
	var parts []string
	for _, name := range []string{emulator.VariantLatency, emulator.VariantOpState, emulator.VariantLimiter, emulator.VariantPrecedence, "proto-region-not-served"} {
		if v, ok := c[name]; ok {
			parts = append(parts, name+"="+v)
		}
	}
	return strings.Join(parts, " ")
}
