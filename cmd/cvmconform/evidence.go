package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/cvmconform/cvmconform/conformance"
	"github.com/cvmconform/cvmconform/runner/report"
)

// The coverage and profile commands read a JSON report back ('run',
// 'judge' or 'proxy' --json) and print its rule coverage or the target's
// profile; profile also compares two.

const coverageUsage = `Usage: cvmconform coverage REPORT.json

Prints the rule coverage of a JSON report (run, judge or proxy --json):
for every rule of the model, every error code of the seed's table, every
state transition and every ledger entry, whether the run exercised it, by
which checks, with which outcomes (error codes, served, rate-limited, no
answer), or why not (a skipped check that would have, when the run knows).
A rule is exercised when a request broke it (or may have, and the answer
was the rule's own code); a code when it was answered where accepted; a
transition when an observer saw it; a ledger entry when one of its rules
was, or its situation arose. A rule no check of the catalog provokes says
so; the last line gives the ceiling: how many rules a full run against the
embedded emulator exercises, the most --min-coverage can ask of a run.

Exit status: 0, or 2 when the report cannot be read.
`

const profileUsage = `Usage: cvmconform profile A.json [B.json]

Prints the target's profile from a JSON report (run, judge or proxy
--json): at each point where the sources leave room (a rule whose answer
is a choice, error precedence, operation-state order, latency, regions,
answer form), which defensible choice the target was seen to make, named
as the emulator's variant of it, or that the run could not observe it.
Given two reports, prints only the dimensions whose choice changed from A
to B, then how many did not: an emulator release that changes a choice is
a visible event. A latency counts as changed only when its median moved by
more than a factor of 2: two runs of one target differ by timing noise,
a release that changes its operations' latency by more.

Exit status: one report: 0, or 2 when it cannot be read. Two reports: 0
when no choice changed, 1 when one did (so that CI can fail on it), 2 when
a report cannot be read.
`

func (c cli) coverage(args []string) int {
	fs := flag.NewFlagSet("coverage", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() { fmt.Fprint(c.stderr, coverageUsage) }
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, err := resolveCoverage(evidenceFlags{args: fs.Args()})
	if err != nil {
		fmt.Fprintf(c.stderr, "cvmconform coverage: %v\n", err)
		return exitUsage
	}
	run, err := readReport(cfg.reports[0])
	if err != nil {
		fmt.Fprintf(c.stderr, "cvmconform coverage: %v\n", err)
		return exitUsage
	}
	fmt.Fprintln(c.stdout, report.Fit("coverage of "+run.Target+" ("+cfg.reports[0]+")", "  ")+"\n")
	if err := report.CoverageTable(c.stdout, run); err != nil {
		fmt.Fprintf(c.stderr, "cvmconform coverage: %v\n", err)
		return exitUsage
	}
	fmt.Fprintln(c.stdout, "\n"+report.Fit(ceilingLine(), ""))
	return exitOK
}

// ceilingLine says how many rules a full run can exercise, so that a
// user choosing --min-coverage knows the most a run reaches and why.
func ceilingLine() string {
	n, of := conformance.CoverageCeiling()
	return fmt.Sprintf("Ceiling: a full run against the embedded emulator exercises %d/%d rules (%d%%); no check provokes the other %d",
		n, of, n*100/of, of-n)
}

func (c cli) profile(args []string) int {
	fs := flag.NewFlagSet("profile", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() { fmt.Fprint(c.stderr, profileUsage) }
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, err := resolveProfile(evidenceFlags{args: fs.Args()})
	if err != nil {
		fmt.Fprintf(c.stderr, "cvmconform profile: %v\n", err)
		return exitUsage
	}
	var runs []report.Run
	for _, path := range cfg.reports {
		run, err := readReport(path)
		if err != nil {
			fmt.Fprintf(c.stderr, "cvmconform profile: %v\n", err)
			return exitUsage
		}
		runs = append(runs, run)
	}
	if len(runs) == 1 {
		fmt.Fprintln(c.stdout, report.Fit("profile of "+runs[0].Target+" ("+cfg.reports[0]+")", "  ")+"\n")
		err = report.ProfileTable(c.stdout, runs[0])
	} else {
		fmt.Fprintln(c.stdout, report.Fit("profile changes from "+cfg.reports[0]+" ("+runs[0].Target+") to "+cfg.reports[1]+" ("+runs[1].Target+")", "  ")+"\n")
		err = report.ProfileDiff(c.stdout, runs[0].Profile, runs[1].Profile)
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "cvmconform profile: %v\n", err)
		return exitUsage
	}
	if len(runs) == 2 {
		if changed, _ := report.CompareProfiles(runs[0].Profile, runs[1].Profile); len(changed) > 0 {
			return exitFailed // a changed choice fails CI, as a failed check does
		}
	}
	return exitOK
}

// readReport reads the coverage and profile of the JSON report at path.
func readReport(path string) (report.Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return report.Run{}, err
	}
	defer f.Close()
	run, err := report.ReadEvidence(f)
	if err != nil {
		return report.Run{}, fmt.Errorf("%s: %w", path, err)
	}
	return run, nil
}
