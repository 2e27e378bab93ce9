package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/conformance"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/passive"
	"github.com/cvmconform/cvmconform/runner/report"
)

const runUsage = `Usage: cvmconform run [flags]

Runs the conformance suite for StopInstances against a target and reports,
check by check, where it departs from the specification.

With no --endpoint it starts the embedded reference emulator on loopback
and checks that. Against any other endpoint the suite uses only the public
API (DescribeInstances, StartInstances, StopInstances): it stops and starts
instances, so it acts only on the instances --instances names
(--all-instances is allowed for targets on this machine only).

Credentials: TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY (and
TENCENTCLOUD_SESSION_TOKEN); the region defaults to TENCENTCLOUD_REGION. A
second pair, TENCENTCLOUD_SECRET_ID_2 / TENCENTCLOUD_SECRET_KEY_2, enables the
account-isolation checks. Secrets are never printed or written.

Exit status: 0 conformant, 1 a check failed, 2 the run could not be made,
or its verdict is INCOMPLETE: it did not reach its end (a signal,
--timeout; --fail-fast exits 1, after the failure that stopped it), a
check could not be carried out, nothing passed, or --require-all and a
check was skipped.

Flags:
`

func (c cli) run(args []string) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	var f runFlags
	f.register(fs)
	fs.Usage = func() { fmt.Fprint(c.stderr, runUsage); printFlags(fs) }
	if code, ok := parse(fs, args); !ok {
		return code
	}
	f.args = fs.Args()
	fail := func(format string, a ...any) int {
		fmt.Fprintf(c.stderr, "cvmconform run: "+format+"\n", a...)
		return exitUsage
	}
	cfg, err := resolveRun(f, c.env)
	if err != nil {
		return fail("%v", err)
	}
	if err := c.checkOutputs(cfg.json, cfg.junit, cfg.transcript, cfg.html, cfg.gate.markdown, cfg.gate.writeBaseline); err != nil {
		return fail("%v", err)
	}
	known, err := c.loadBaseline(cfg.gate.baseline, catalogScope())
	if err != nil {
		return fail("%v", err)
	}
	suite := cfg.suite
	if suite.Seed == 0 {
		// Drawn here (by conformance.NewSeed, as Run would), not by the
		// run, so that the embedded emulator's random choices replay
		// with the same seed.
		suite.Seed = conformance.NewSeed()
	}
	t, err := cfg.target.open(suite.Seed)
	if err != nil {
		return fail("%v", err)
	}
	defer t.close()
	suite.Target, suite.TargetName = t.cfg, t.name
	if t.embedded {
		suite.TargetName = t.url + " (embedded emulator)"
	}
	log := &runner.Transcript{}
	suite.Target.Transcript, suite.Target.Signings = log, cfg.signings
	suite.Replay, suite.Halt = cfg.replay.Line, c.halt
	if cfg.planOnly {
		plan, err := conformance.Schedule(c.ctx, suite)
		if err != nil {
			fmt.Fprintf(c.stderr, "cvmconform run: %v\n", err)
			return exitUsage
		}
		fmt.Fprintf(c.stdout, "cvmconform: the plan for %s (%s), %d check(s)\n%s", suite.TargetName, suite.Target.Region, cfg.selected, plan)
		return exitOK
	}
	ctx := c.ctx
	if cfg.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, cfg.timeout, fmt.Errorf("the --timeout of %s ran out", cfg.timeout))
		defer cancel()
	}
	progress := report.NewProgress(c.stderr, cfg.selected, report.IsTerminal(c.stderr))
	suite.Progress = progress
	progress.Note("cvmconform: checking %s (%s)", suite.TargetName, suite.Target.Region)
	result, err := conformance.Run(ctx, suite)
	result.RequireAll, result.MinCoverage = cfg.requireAll, cfg.minCoverage
	result = withBaseline(result, known, time.Now())
	progress.Close()
	switch {
	case errors.Is(err, conformance.ErrCutShort):
		// The report's verdict says it: INCOMPLETE, and why.
	case err != nil:
		fmt.Fprintf(c.stderr, "cvmconform run: %v\n", err)
		if errors.Is(err, conformance.ErrCannotRun) && len(result.Checks) == 0 {
			return exitUsage
		}
	}
	_, noColor := c.env("NO_COLOR")
	console := c.console(cfg.json, cfg.junit, cfg.transcript, cfg.html, cfg.gate.markdown, cfg.gate.writeBaseline)
	if err := report.Console(console, result, report.ConsoleOptions{Color: report.IsTerminal(console) && !noColor}); err != nil {
		return fail("writing the report: %v", err)
	}
	for _, w := range append([]struct {
		out    outputFile
		render func(io.Writer) error
	}{
		{cfg.json, func(w io.Writer) error { return report.JSON(w, result) }},
		{cfg.junit, func(w io.Writer) error { return report.JUnit(w, result) }},
		{cfg.html, func(w io.Writer) error { return report.HTML(w, result) }},
		{cfg.transcript, func(w io.Writer) error { return passive.WriteTranscript(w, log.Since(0)) }},
	}, c.gateOutputs(cfg.gate, result)...) {
		if err := c.writeOutput(w.out, w.render); err != nil {
			return fail("%v", err)
		}
	}
	return verdictExit(result, err)
}

// verdictExit is the exit status of a report's verdict: 1 when a check
// failed (also in a run cut short: the failure stands), 2 when nothing
// failed but the verdict is not CONFORMANT (the run did not reach its
// end, a check could not be carried out, nothing passed, or a skip under
// --require-all) or the run ended in an error, 0 otherwise.
func verdictExit(r report.Run, err error) int {
	switch r.Verdict() {
	case report.NotConformant:
		return exitFailed
	case report.Incomplete:
		return exitUsage
	}
	if err != nil {
		return exitUsage
	}
	return exitOK
}

// parseSignature reads --signature.
func parseSignature(s string) ([]runner.Signing, error) {
	switch strings.ToLower(s) {
	case "tc3":
		return []runner.Signing{runner.SignTC3}, nil
	case "hmacsha256":
		return []runner.Signing{runner.SignHmacSHA256}, nil
	case "hmacsha1":
		return []runner.Signing{runner.SignHmacSHA1}, nil
	case "all":
		return []runner.Signing{runner.SignTC3, runner.SignHmacSHA256, runner.SignHmacSHA1}, nil
	}
	return nil, fmt.Errorf("--signature %q: want tc3, hmacsha256, hmacsha1 or all", s)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
