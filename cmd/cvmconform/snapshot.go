package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cvmconform/cvmconform/runner/baseline"
	"github.com/cvmconform/cvmconform/runner/snapshot"
)

const snapshotUsage = `Usage:
  cvmconform snapshot record [flags] --out DIR
  cvmconform snapshot verify [flags] --against DIR
  cvmconform snapshot diff [--ignore PATHS] DIR_A DIR_B
  cvmconform snapshot list

Snapshots say whether a target's responses changed, where the checks of
'run' say whether they are acceptable. Each scenario of fixtures/scenarios
is a short deterministic request script over instance roles ($running1,
$missing, …); its normalised exchanges make one plain-text file,
DIR/<scenario>.txt (the format is in README.md, "Snapshots: parity between
targets").

  record   plays every scenario against a target and writes its record
  verify   plays them again and compares with a record: exit 1 on any drift,
           with a line per changed value (scenario / step N (name): path:
           was X, now Y) and go-cmp's diff of the step (-recorded +now)
  diff     compares two records without a target (e.g. the real cloud's and
           the emulator's): exit 1 if they differ
  list     lists the scenarios

record and verify take run's target flags, with the same safety rules: no
--endpoint means the embedded emulator; against any other endpoint the
scenarios stop and start instances, so roles are bound only to the
instances --instances names (--all-instances for targets on this machine).
Every instance a scenario moved is brought back to its state afterwards.
Credentials: TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY (and
TENCENTCLOUD_SESSION_TOKEN); the region defaults to TENCENTCLOUD_REGION.

verify also writes a report of one check per scenario, named as the
scenario (--json, --junit, --markdown), and takes run's gate: --baseline
FILE lists known drifts (check: a scenario; rule, optionally: a path that
drifted), --write-baseline FILE writes the drifts as one (see README.md,
"Snapshots").

Exit status: 0 recorded, or no drift (but known ones); 1 drift, or a
baseline entry stale or expired; 2 the command could not be carried out
(usage, a baseline naming no scenario or path, target, a role that cannot
be bound, unreadable record).
`

func (c cli) snapshot(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, snapshotUsage)
		return exitUsage
	}
	switch args[0] {
	case "record", "verify":
		return c.snapshotPlay(args[0], args[1:])
	case "diff":
		return c.snapshotDiff(args[1:])
	case "list":
		return c.snapshotList(args[1:])
	case "-h", "-help", "--help", "help":
		fmt.Fprint(c.stdout, snapshotUsage)
		return exitOK
	}
	fmt.Fprintf(c.stderr, "cvmconform snapshot: unknown subcommand %q\n\n%s", args[0], snapshotUsage)
	return exitUsage
}

// snapshotPlay is record and verify: both play the scenarios against a
// target; record writes what it saw, verify compares it with a record.
func (c cli) snapshotPlay(sub string, args []string) int {
	fs := flag.NewFlagSet("snapshot "+sub, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	var f snapshotFlags
	f.register(fs, sub)
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "Usage: cvmconform snapshot %s [flags]\n\n", sub)
		printFlags(fs)
		fmt.Fprint(c.stderr, "\nSee 'cvmconform snapshot --help'.\n")
	}
	if code, ok := parse(fs, args); !ok {
		return code
	}
	f.args = fs.Args()
	fail := func(format string, a ...any) int {
		fmt.Fprintf(c.stderr, "cvmconform snapshot %s: "+format+"\n", append([]any{sub}, a...)...)
		return exitUsage
	}
	conf, err := resolveSnapshot(sub, f, c.env)
	if err != nil {
		return fail("%v", err)
	}
	var recorded []*snapshot.Record
	var known *baseline.File
	if sub == "record" {
		if err := checkOutputDir("out", conf.dir); err != nil {
			return fail("%v", err)
		}
	} else {
		if recorded, err = snapshot.ReadDir(conf.dir); err != nil {
			return fail("%v", err)
		}
		if conf.only {
			recorded = slices.DeleteFunc(recorded, func(r *snapshot.Record) bool {
				return !slices.ContainsFunc(conf.scenarios, func(sc *snapshot.Scenario) bool { return sc.Name == r.Scenario })
			})
		}
		if err := c.checkOutputs(conf.json, conf.junit, conf.gate.markdown, conf.gate.writeBaseline); err != nil {
			return fail("%v", err)
		}
		if known, err = c.loadBaseline(conf.gate.baseline, snapshotScope(conf.dir, recorded)); err != nil {
			return fail("%v", err)
		}
	}
	t, err := conf.target.open(0)
	if err != nil {
		return fail("%v", err)
	}
	defer t.close()
	cfg := snapshot.Config{Target: t.cfg, TargetName: t.name, SettleTimeout: conf.target.settle}
	fmt.Fprintf(c.stderr, "cvmconform snapshot %s: %s (%s), %d scenario(s)\n", sub, cfg.TargetName, cfg.Target.Region, len(conf.scenarios))
	player, err := snapshot.NewPlayer(c.ctx, cfg)
	if err != nil {
		return fail("%v", err)
	}
	for _, sc := range conf.scenarios {
		if err := player.CanPlay(sc); err != nil {
			return fail("%v", err)
		}
	}
	var now []*snapshot.Record
	started := time.Now()
	for _, sc := range snapshot.PlayOrder(conf.scenarios) {
		start := time.Now()
		rec, err := player.Play(c.ctx, sc)
		if err != nil {
			return fail("%v", err)
		}
		fmt.Fprintf(c.stderr, "  %-26s %2d step(s) in %s\n", sc.Name, len(rec.Steps), time.Since(start).Round(time.Millisecond))
		now = append(now, rec)
	}
	if sub == "record" {
		if err := snapshot.WriteDir(conf.dir, now); err != nil {
			return fail("%v", err)
		}
		fmt.Fprintf(c.stdout, "recorded %d scenario(s) of %s in %s\n", len(now), cfg.TargetName, conf.dir)
		return exitOK
	}
	drifts := snapshot.Compare(recorded, now, snapshot.Ignore(conf.ignore...))
	run := snapshot.VerifyReport(snapshot.VerifyInfo{Target: cfg.TargetName, Region: cfg.Target.Region, Record: conf.dir,
		Started: started, Replay: verifyReplay(conf)}, conf.scenarios, drifts)
	run = withBaseline(run, known, time.Now())
	if known != nil {
		// Judged with a baseline, the verdict is the report's (a known
		// drift passes the gate), so the console is the report's too.
		return c.finishPassive("snapshot verify", run, conf.json, conf.junit, outputFile{}, conf.gate)
	}
	console := c.console(conf.json, conf.junit, conf.gate.markdown, conf.gate.writeBaseline)
	code := c.reportDrifts(console, drifts, "recorded", "now", fmt.Sprintf("%s against the record in %s", cfg.TargetName, conf.dir), len(now))
	if err := c.writeReports("snapshot verify", run, conf.json, conf.junit, outputFile{}, conf.gate); err != nil {
		return exitUsage
	}
	return code
}

// snapshotScope is what a verification's report can hold, against
// which a baseline is checked before anything is sent: every scenario
// of fixtures/scenarios (one --only left out is reported "unused"),
// and, for an entry's rule, every path of the record read (drifts name
// paths, not model rules). An entry cannot narrow by case.
func snapshotScope(dir string, recorded []*snapshot.Record) baseline.Scope {
	var names []string
	if all, err := snapshot.Scenarios(); err == nil { // resolveSnapshot read them already
		for _, sc := range all {
			names = append(names, sc.Name)
		}
	}
	return baseline.Scope{Checks: names, What: "scenario of fixtures/scenarios (see 'cvmconform snapshot list')",
		Rules:    snapshot.Paths(recorded),
		RuleWhat: "path of the record in " + dir + " (as a drift line names it: Response.Error.Code, (request), (step), (scenario))",
		CaseWhat: "case of snapshot verify: an entry narrows a scenario by rule, a path that drifted"}
}

// verifyReplay is the command that verifies conf's target against its
// record again, but for --only: run's replay of the same target, as
// snapshot verify.
func verifyReplay(conf snapshotConfig) string {
	line := strings.TrimSuffix(conf.target.replay.Line(0, ""), " --seed 0")
	line = "cvmconform snapshot verify" + strings.TrimPrefix(line, "cvmconform run")
	if len(conf.ignore) > 0 {
		line += " --ignore " + strings.Join(conf.ignore, ",")
	}
	return line + " --against " + conf.dir
}

func (c cli) snapshotDiff(args []string) int {
	fs := flag.NewFlagSet("snapshot diff", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	ignore := fs.String("ignore", "", "leave these comma-separated `PATHS` out of the comparison, e.g. Response.Error.Message (\"#\" for any array index)")
	fs.Usage = func() {
		fmt.Fprint(c.stderr, "Usage: cvmconform snapshot diff [--ignore PATHS] DIR_A DIR_B\n\nCompares two records without a target: exit 0 if they read the same, 1 if not.\n\n")
		printFlags(fs)
	}
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() != 2 {
		fmt.Fprintln(c.stderr, "cvmconform snapshot diff: want two record directories, DIR_A DIR_B")
		return exitUsage
	}
	var recs [2][]*snapshot.Record
	for i := range recs {
		var err error
		if recs[i], err = snapshot.ReadDir(fs.Arg(i)); err != nil {
			fmt.Fprintf(c.stderr, "cvmconform snapshot diff: %v\n", err)
			return exitUsage
		}
	}
	drifts := snapshot.Compare(recs[0], recs[1], snapshot.Ignore(splitList(*ignore)...))
	return c.reportDrifts(c.stdout, drifts, fs.Arg(0), fs.Arg(1), fs.Arg(1)+" against "+fs.Arg(0), max(len(recs[0]), len(recs[1])))
}

// reportDrifts prints the drifts and a summary line to w, and returns the
// exit status: 1 on any drift.
func (c cli) reportDrifts(w io.Writer, drifts []snapshot.Drift, was, now, what string, scenarios int) int {
	if err := snapshot.WriteDrifts(w, drifts, was, now); err != nil {
		fmt.Fprintf(c.stderr, "cvmconform snapshot: %v\n", err)
		return exitUsage
	}
	if len(drifts) == 0 {
		fmt.Fprintf(w, "no drift: %d scenario(s) of %s read the same\n", scenarios, what)
		return exitOK
	}
	changed := map[string]bool{}
	for _, d := range drifts {
		changed[d.Scenario] = true
	}
	fmt.Fprintf(w, "drift: %d step(s) of %d scenario(s) (of %d) differ, %s\n", len(drifts), len(changed), scenarios, what)
	return exitFailed
}

func (c cli) snapshotList(args []string) int {
	fs := flag.NewFlagSet("snapshot list", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprint(c.stderr, "Usage: cvmconform snapshot list\n\nLists the scenarios: name, steps, roles, title.\n\nSee 'cvmconform snapshot --help'.\n")
	}
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(c.stderr, "cvmconform snapshot list: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	scenarios, err := snapshot.Scenarios()
	if err != nil {
		fmt.Fprintf(c.stderr, "cvmconform snapshot list: %v\n", err)
		return exitUsage
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tSTEPS\tROLES\tTITLE")
	for _, sc := range scenarios {
		roles := make([]string, 0, len(sc.Roles))
		for n, r := range sc.Roles {
			roles = append(roles, n+"="+r.String())
		}
		slices.Sort(roles)
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", sc.Name, len(sc.Steps), strings.Join(roles, " "), sc.Title)
	}
	return flushErr(tw)
}

func flushErr(tw *tabwriter.Writer) int {
	if err := tw.Flush(); err != nil {
		return exitUsage
	}
	return exitOK
}
