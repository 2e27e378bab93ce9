package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/passive"
	"github.com/cvmconform/cvmconform/runner/report"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

const judgeUsage = `Usage: cvmconform judge [flags] FILE...

Judges recorded traffic with the reference model: every StopInstances,
StartInstances and DescribeInstances exchange of each file, in the order
recorded. The reports are those of 'run' (console, --json, --junit), one
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
	pf := addPassiveFlags(fs)
	jsonPath := fs.String("json", "", "also write the JSON report to `FILE` (\"-\": standard output, the console report then going to standard error)")
	junitPath := fs.String("junit", "", "also write a JUnit XML report to `FILE` (\"-\": standard output)")
	fs.Usage = func() { fmt.Fprint(c.stderr, judgeUsage); printFlags(fs) }
	if code, ok := parse(fs, args); !ok {
		return code
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(c.stderr, "cvmconform judge: "+format+"\n", a...)
		return exitUsage
	}
	if fs.NArg() == 0 {
		return fail("name the recordings to judge (cassettes, HAR files, transcripts)")
	}
	cfg, err := c.passiveConfig(pf)
	if err != nil {
		return fail("%v", err)
	}
	if err := c.checkOutputs(outputFile{"json", *jsonPath}, outputFile{"junit", *junitPath}); err != nil {
		return fail("%v", err)
	}
	started := time.Now()
	var recs []*passive.Recording
	for _, path := range fs.Args() {
		rec, err := passive.ReadFile(path)
		if err != nil {
			return fail("%v", err)
		}
		recs = append(recs, rec)
	}
	var results []*passive.Result
	for _, rec := range recs {
		results = append(results, passive.JudgeRecording(cfg, rec))
	}
	run := passive.Report(passive.ReportInfo{Strict: cfg.Strict, Started: started}, results...)
	return c.finishPassive("judge", run, *jsonPath, *junitPath)
}

// passiveFlags are the flags judge and proxy share: how strictly to
// judge, and the rate limit to expect.
type passiveFlags struct {
	strict *bool
	rate   *int
}

func addPassiveFlags(fs *flag.FlagSet) *passiveFlags {
	return &passiveFlags{
		strict: fs.Bool("strict", false, "accept only the single most specific error code the current SDK documents (see 'checks --ledger')"),
		rate: fs.Int("rate-limit", model.RateLimit(model.ActionStop),
			"the StopInstances limit per second `N` the target is expected to enforce (StartInstances and DescribeInstances: their documented limits)"),
	}
}

// passiveConfig reads the flags and the keys in the environment.
func (c cli) passiveConfig(pf *passiveFlags) (passive.Config, error) {
	if *pf.rate <= 0 {
		return passive.Config{}, errors.New("--rate-limit must be positive")
	}
	keys, err := c.passiveKeys()
	if err != nil {
		return passive.Config{}, err
	}
	cfg := passive.Config{Strict: *pf.strict, StopRateLimit: *pf.rate}
	if keys != nil {
		cfg.Keys = keys
	}
	return cfg, nil
}

// passiveKeyVars are the environment variables of the keys judge and
// proxy verify with, each an ID and its key: TENCENTCLOUD_SECRET_ID and
// _KEY, then _ID_2 and _KEY_2 up to _16 (the second account, and a run's
// lanes).
var passiveKeyVars = func() [][2]string {
	out := [][2]string{{"TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"}}
	for i := 2; i <= 16; i++ {
		out = append(out, [2]string{fmt.Sprintf("TENCENTCLOUD_SECRET_ID_%d", i), fmt.Sprintf("TENCENTCLOUD_SECRET_KEY_%d", i)})
	}
	return out
}()

// passiveKeys are the keys in the environment that verify signatures
// (and, for proxy --resign, sign again): TENCENTCLOUD_SECRET_ID and
// TENCENTCLOUD_SECRET_KEY with TENCENTCLOUD_SESSION_TOKEN, and the
// numbered pairs (passiveKeyVars). Each is labelled with its masked SecretId, as the judge labels
// accounts. Nil when none is set; an error for a key without its ID.
func (c cli) passiveKeys() (tcapi.KeyMap, error) {
	var keys tcapi.KeyMap
	for i, pair := range passiveKeyVars {
		id, key := c.getenv(pair[0]), c.getenv(pair[1])
		switch {
		case id == "" && key == "":
			continue
		case id == "" || key == "":
			return nil, fmt.Errorf("set %s and %s together", pair[0], pair[1])
		}
		if keys == nil {
			keys = tcapi.KeyMap{}
		}
		k := tcapi.Key{SecretKey: key, Account: runner.MaskSecretID(id)}
		if i == 0 {
			k.Token = c.getenv("TENCENTCLOUD_SESSION_TOKEN")
		}
		keys[id] = k
	}
	return keys, nil
}

// finishPassive prints the console report, writes the JSON and JUnit
// reports, and returns the exit status of its verdict (verdictExit): 1
// with a finding, 2 when nothing was judged or the traffic could not all
// be judged (the proxy's upstream never answered), else 0.
func (c cli) finishPassive(cmd string, run report.Run, jsonPath, junitPath string) int {
	_, noColor := c.env("NO_COLOR")
	jsonOut, junitOut := outputFile{"json", jsonPath}, outputFile{"junit", junitPath}
	console := c.console(jsonOut, junitOut)
	if err := report.Console(console, run, report.ConsoleOptions{Color: report.IsTerminal(console) && !noColor}); err != nil {
		fmt.Fprintf(c.stderr, "cvmconform %s: writing the report: %v\n", cmd, err)
		return exitUsage
	}
	for _, w := range []struct {
		out    outputFile
		render func(io.Writer, report.Run) error
	}{{jsonOut, report.JSON}, {junitOut, report.JUnit}} {
		if err := c.writeOutput(w.out, func(out io.Writer) error { return w.render(out, run) }); err != nil {
			fmt.Fprintf(c.stderr, "cvmconform %s: %v\n", cmd, err)
			return exitUsage
		}
	}
	return verdictExit(run, nil)
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
