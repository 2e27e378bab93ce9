package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/cvmconform/cvmconform/runner/baseline"
	"github.com/cvmconform/cvmconform/runner/passive"
	"github.com/cvmconform/cvmconform/runner/report"
)

const judgeUsage = `Usage: cvmconform judge [flags] FILE...

Judges recorded traffic with the reference model: every StopInstances,
StartInstances and DescribeInstances exchange of each file, in the order
recorded. The reports are those of 'run' (console, --json, --junit, --html), one
check per file, headed "recorded traffic judged" (JSON "kind":
"recorded"), without a seed. Requests of other actions are listed as not
judged, never as findings.

Formats, detected by content: vcrpy and go-vcr (v1 to v4) cassettes, in
YAML or JSON; HAR 1.2; the transcripts 'cvmconform run --transcript' and
'cvmconform proxy --transcript' write.

A recording starts part-way and leaves things out, so the judge widens
where it cannot know: an instance first met in a stop may be in any state;
a signature cannot be verified without the secret key, so the target's
answer stands unless TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY
(and _2) are set; the rate limit is judged from the timeline, and only
when the recording has times; a finding that depends on the order of
exchanges that overlapped in time is withheld. Secrets are never printed
or written.

Exit status: 0 no finding, 1 a finding, 2 a file could not be read, the
flags are wrong, or nothing was judged (no exchange of an action the
model judges, e.g. a HAR with no entries).

Flags:
`

func (c cli) judge(args []string) int {
	fs := flag.NewFlagSet("judge", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	var f judgeFlags
	f.register(fs)
	fs.Usage = func() { fmt.Fprint(c.stderr, judgeUsage); printFlags(fs) }
	if code, ok := parse(fs, args); !ok {
		return code
	}
	f.args = fs.Args()
	fail := func(format string, a ...any) int {
		fmt.Fprintf(c.stderr, "cvmconform judge: "+format+"\n", a...)
		return exitUsage
	}
	cfg, err := resolveJudge(f, c.env)
	if err != nil {
		return fail("%v", err)
	}
	if err := c.checkOutputs(cfg.json, cfg.junit, cfg.html, cfg.gate.markdown, cfg.gate.writeBaseline); err != nil {
		return fail("%v", err)
	}
	// The checks of a judge report are its recordings, named as given.
	known, err := c.loadBaseline(cfg.gate.baseline, baseline.Scope{Checks: cfg.files, What: "recording judged here (name it as on the command line)"})
	if err != nil {
		return fail("%v", err)
	}
	started := time.Now()
	var recs []*passive.Recording
	for _, path := range cfg.files {
		rec, err := passive.ReadFile(path)
		if err != nil {
			return fail("%v", err)
		}
		recs = append(recs, rec)
	}
	var results []*passive.Result
	for _, rec := range recs {
		results = append(results, passive.JudgeRecording(cfg.judge, rec))
	}
	run := passive.Report(passive.ReportInfo{Strict: cfg.judge.Strict, Started: started}, results...)
	run.MinCoverage = cfg.minCoverage
	return c.finishPassive("judge", withBaseline(run, known, time.Now()), cfg.json, cfg.junit, cfg.html, cfg.gate)
}

// finishPassive prints the console report, writes the JSON, JUnit and
// HTML reports and the gate's outputs, and returns the exit status of its
// verdict (verdictExit): 1 with a finding, 2 when nothing was judged or
// the traffic could not all be judged (the proxy's upstream never
// answered), else 0.
func (c cli) finishPassive(cmd string, run report.Run, jsonOut, junitOut, htmlOut outputFile, gate gateConfig) int {
	_, noColor := c.env("NO_COLOR")
	console := c.console(jsonOut, junitOut, htmlOut, gate.markdown, gate.writeBaseline)
	if err := report.Console(console, run, report.ConsoleOptions{Color: report.IsTerminal(console) && !noColor}); err != nil {
		fmt.Fprintf(c.stderr, "cvmconform %s: writing the report: %v\n", cmd, err)
		return exitUsage
	}
	if err := c.writeReports(cmd, run, jsonOut, junitOut, htmlOut, gate); err != nil {
		return exitUsage
	}
	return verdictExit(run, nil)
}

// writeReports writes run's JSON, JUnit and HTML reports and the gate's
// outputs, those named; an error is said on standard error, and returned.
func (c cli) writeReports(cmd string, run report.Run, jsonOut, junitOut, htmlOut outputFile, gate gateConfig) error {
	for _, w := range []struct {
		out    outputFile
		render func(io.Writer, report.Run) error
	}{{jsonOut, report.JSON}, {junitOut, report.JUnit}, {htmlOut, report.HTML}} {
		if err := c.writeOutput(w.out, func(out io.Writer) error { return w.render(out, run) }); err != nil {
			fmt.Fprintf(c.stderr, "cvmconform %s: %v\n", cmd, err)
			return err
		}
	}
	for _, w := range c.gateOutputs(gate, run) {
		if err := c.writeOutput(w.out, w.render); err != nil {
			fmt.Fprintf(c.stderr, "cvmconform %s: %v\n", cmd, err)
			return err
		}
	}
	return nil
}

// printable escapes the control characters of a line from the target, so
// that a target cannot write terminal sequences through cvmconform.
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == unicode.ReplacementChar || unicode.IsControl(r):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
