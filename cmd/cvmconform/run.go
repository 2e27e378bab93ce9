package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/conformance"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/passive"
	"github.com/cvmconform/cvmconform/runner/report"
)

// embeddedLatency is the operation latency of the embedded emulator: short,
// so that `make run` is quick, and long enough that a listing sent right
// after a start or stop sees STARTING or STOPPING even on a busy 2-core
// machine (at 20 ms, SI-STATE-12 skipped there: every start had ended
// before its listing).
const embeddedLatency = 100 * time.Millisecond

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
	tf := addTargetFlags(fs, "the suite")
	sequences := fs.Int("checks", 100, "the number `N` of random request sequences the state machine SI-PROP-01 runs (not a number of checks)")
	seed := fs.Uint64("seed", 0, "seed `S` for a reproducible run (default: random, printed in the report)")
	tf.seed = seed
	only := fs.String("only", "", "run only the checks whose ID starts with one of these comma-separated `PREFIXES` (e.g. SI-BATCH,SI-ID-01)")
	signature := fs.String("signature", "tc3", "signature `STYLE` of ordinary requests: tc3, hmacsha256, hmacsha1, or all (in turn)")
	strict := fs.Bool("strict", false, "accept only the single most specific error code the current SDK documents (see 'checks --ledger')")
	jsonPath := fs.String("json", "", "also write the JSON report to `FILE` (\"-\": standard output, the console report then going to standard error)")
	junitPath := fs.String("junit", "", "also write a JUnit XML report to `FILE` (\"-\": standard output)")
	skip := fs.String("skip", "", "leave out the checks whose ID starts with one of these comma-separated `PREFIXES` (the inverse of --only)")
	failFast := fs.Bool("fail-fast", false, "start no check after the first failure (the ones running finish); the rest are reported as not run")
	timeout := fs.Duration("timeout", 0, "the whole run's budget `D` (e.g. 5m): when it runs out, running checks are cut short and the rest reported as not run")
	transcriptPath := fs.String("transcript", "", "also write every exchange of the run, secrets redacted, to `FILE` (JSON lines; 'cvmconform judge' reads it, so a run can be judged again after a model change; \"-\": standard output)")
	perAccount := fs.Int("lanes-per-account", 0, "share each account's allow-listed instances out among at most `N` lanes that run checks side by side under the account's one pacer (0: as many as its instances allow, at most 4; 1: one check at a time per account)")
	requireAll := fs.Bool("require-all", false, "fail the gate (exit 2, verdict INCOMPLETE) when any check is skipped: the run must judge every check it selected")
	restoreTimeout := fs.Duration("restore-timeout", 0, "the bound `D` on putting back, at the run's end, every instance it stopped or started (default twice --settle-timeout); a second SIGINT skips it")
	shard := fs.Int("shard", 0, "run only shard `N` of the state machine SI-PROP-01 (as a failing shard's replay command names it): its sequences, seed and lane, as the run with the same --seed and --checks planned them")
	planOnly := fs.Bool("plan", false, "print the schedule (which checks run together, on which lanes/accounts, with the estimated critical path) and exit; only DescribeInstances is sent")
	fs.Usage = func() { fmt.Fprint(c.stderr, runUsage); printFlags(fs) }
	if code, ok := parse(fs, args); !ok {
		return code
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(c.stderr, "cvmconform run: "+format+"\n", a...)
		return exitUsage
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q", fs.Arg(0))
	}
	signings, err := parseSignature(*signature)
	if err != nil {
		return fail("%v", err)
	}
	if *sequences <= 0 {
		return fail("--checks must be positive")
	}
	if *timeout < 0 {
		return fail("--timeout must not be negative")
	}
	if *restoreTimeout < 0 {
		return fail("--restore-timeout must not be negative")
	}
	if *shard < 0 {
		return fail("--shard must not be negative")
	}
	if *perAccount < 0 {
		return fail("--lanes-per-account must not be negative")
	}
	if *seed == 0 {
		// Chosen here, not by the run, so that the embedded emulator's
		// random choices (--variant) replay with the same seed.
		*seed = rand.Uint64() >> 1
	}
	cfg := conformance.Config{Strict: *strict, Seed: *seed, Sequences: *sequences, Only: splitList(*only),
		Skip: splitList(*skip), FailFast: *failFast, LanesPerAccount: *perAccount, Instances: splitList(*tf.instances),
		RestoreTimeout: *restoreTimeout, Halt: c.halt, Shard: *shard}
	selected, err := conformance.Select(conformance.Catalog(), cfg.Only)
	if err == nil {
		selected, err = conformance.Exclude(selected, cfg.Skip)
	}
	if err != nil {
		return fail("%v", err)
	}
	if len(selected) == 0 {
		return fail("nothing was judged: --only and --skip leave no check to run")
	}
	outputs := []outputFile{{"json", *jsonPath}, {"junit", *junitPath}, {"transcript", *transcriptPath}}
	if err := c.checkOutputs(outputs...); err != nil {
		return fail("%v", err)
	}
	t, err := c.resolve(tf, "the suite")
	if err != nil {
		return fail("%v", err)
	}
	defer t.close()
	cfg.Target, cfg.TargetName, cfg.SettleTimeout = t.cfg, t.name, t.settle
	log := &runner.Transcript{}
	cfg.Target.Transcript = log
	cfg.Target.Signings = signings
	if t.embedded {
		cfg.TargetName = t.url + " (embedded emulator)"
	}
	replay := t.replay
	if *strict {
		replay = append(replay, "--strict")
	}
	if *signature != "tc3" {
		replay = append(replay, "--signature", *signature)
	}
	if *sequences != 100 {
		// The state machine's shards and their sequences follow from it.
		replay = append(replay, "--checks", strconv.Itoa(*sequences))
	}
	cfg.Replay = func(seed uint64, check string) string {
		return strings.Join(append(append([]string{"cvmconform", "run"}, replay...), "--seed", strconv.FormatUint(seed, 10), "--only", check), " ")
	}
	if *planOnly {
		plan, err := conformance.Schedule(c.ctx, cfg)
		if err != nil {
			fmt.Fprintf(c.stderr, "cvmconform run: %v\n", err)
			return exitUsage
		}
		fmt.Fprintf(c.stdout, "cvmconform: the plan for %s (%s), %d check(s)\n%s", cfg.TargetName, cfg.Target.Region, len(selected), plan)
		return exitOK
	}
	ctx := c.ctx
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, *timeout, fmt.Errorf("the --timeout of %s ran out", *timeout))
		defer cancel()
	}
	progress := report.NewProgress(c.stderr, len(selected), report.IsTerminal(c.stderr))
	cfg.Progress = progress
	progress.Note("cvmconform: checking %s (%s)", cfg.TargetName, cfg.Target.Region)
	result, err := conformance.Run(ctx, cfg)
	result.RequireAll = *requireAll
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
	console := c.console(outputs...)
	if err := report.Console(console, result, report.ConsoleOptions{Color: report.IsTerminal(console) && !noColor}); err != nil {
		return fail("writing the report: %v", err)
	}
	for _, w := range []struct {
		out    outputFile
		render func(io.Writer) error
	}{
		{outputs[0], func(w io.Writer) error { return report.JSON(w, result) }},
		{outputs[1], func(w io.Writer) error { return report.JUnit(w, result) }},
		{outputs[2], func(w io.Writer) error { return passive.WriteTranscript(w, log.Since(0)) }},
	} {
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

func (c cli) getenv(name string) string {
	v, _ := c.env(name)
	return v
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
