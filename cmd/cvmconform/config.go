package main

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/conformance"
	"github.com/cvmconform/cvmconform/conformance/selftest"
	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/passive"
	"github.com/cvmconform/cvmconform/runner/snapshot"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Each command with more than a couple of flags has here one struct of
// its flags, registered by its register method, and one resolve function
// from those flags and the environment to the configuration it runs with.
// A resolve function is pure: it reads nothing but its arguments (the
// environment through env), starts nothing, and holds every check of the
// flags and the variables, each failing with a one-line usage error. What
// only the world can say is checked where the command meets it, before
// anything is sent: whether an output can be written (checkOutputs), a
// recording or a record read, an address listened on, the embedded
// emulator started (its fault names are the emulator's to know).

// faultFlags collects repeated --fault values.
type faultFlags []string

func (f *faultFlags) String() string     { return strings.Join(*f, ",") }
func (f *faultFlags) Set(v string) error { *f = append(*f, v); return nil }

// variantFlags collects repeated --variant values.
type variantFlags []string

func (f *variantFlags) String() string     { return strings.Join(*f, ",") }
func (f *variantFlags) Set(v string) error { *f = append(*f, v); return nil }

// choices merges the --variant values in order, later ones winning, and
// says them again as a replay must: a bare "random" as the random:SEED it
// drew (the one thing a resolve function leaves to chance), so that the
// replay meets the same combination.
func (f variantFlags) choices() (emulator.Choices, []string, error) {
	out := emulator.Choices{}
	var again []string
	for _, spec := range f {
		c, seed, err := emulator.ParseChoices(spec)
		if err != nil {
			return nil, nil, err
		}
		if strings.TrimSpace(spec) == "random" {
			spec = fmt.Sprintf("random:%d", seed)
		}
		out, again = out.Merge(c), append(again, spec)
	}
	return out, again, nil
}

// targetFlags are the flags run and snapshot record|verify share: what to
// check, and which of its instances may be stopped and started.
type targetFlags struct {
	endpoint, region, instances string
	all                         bool
	rate                        int
	settle                      time.Duration
	variants                    variantFlags
	faults                      faultFlags
}

// register registers the target flags; actor says who stops instances
// ("the suite", "the scenarios") in the help.
func (f *targetFlags) register(fs *flag.FlagSet, actor string) {
	fs.StringVar(&f.endpoint, "endpoint", "", "target `URL` (e.g. http://127.0.0.1:8080), or \"tencentcloud\" / \"tencentcloud-intl\" for the real cloud's host for --region; default: the embedded emulator")
	fs.StringVar(&f.region, "region", "", "region `REGION` (default $TENCENTCLOUD_REGION, else ap-guangzhou)")
	fs.StringVar(&f.instances, "instances", "", "comma-separated instance `IDs` "+actor+" may stop and start")
	fs.BoolVar(&f.all, "all-instances", false, "let "+actor+" stop and start every discovered instance (targets on this machine only)")
	fs.IntVar(&f.rate, "rate-limit", model.RateLimit(model.ActionStop), "the StopInstances limit per second `N` the target is expected to enforce; ordinary requests are paced under it")
	fs.DurationVar(&f.settle, "settle-timeout", 0, "how long an operation (STOPPING, STARTING) may take before it counts as stuck, `D` (e.g. 5m); the API gives no bound. "+
		"Default: 90s on this machine, 10m elsewhere. The first operation past it fails once; later checks that need a transition skip at once")
	fs.Var(&f.variants, "variant", "embedded emulator only: answer another defensible way, `NAME=CHOICE,…`, random[:SEED], lenient or strict (see 'cvmconform emulate --list-variants'); how 'cvmconform selftest' replays")
	fs.Var(&f.faults, "fault", "embedded emulator only: break one rule, a fault `NAME` from 'cvmconform emulate --list-faults' (repeatable); how 'cvmconform selftest' replays")
}

// targetConfig is a resolved target, not yet reached: open starts the
// embedded emulator when it names no endpoint.
type targetConfig struct {
	// runner is the target without what only open knows: for the
	// embedded emulator its endpoint and credentials, and for every
	// target the allow-list as a function (allowAll, allowed).
	runner runner.TargetConfig
	// name names a target at an endpoint in reports: its URL, with no
	// password.
	name     string
	allowAll bool
	allowed  []string
	settle   time.Duration    // --settle-timeout; 0 for the target's default
	variants emulator.Choices // the embedded emulator's
	faults   []string
	replay   conformance.RunCommand // the flags that name the target again
}

// embedded reports whether the target is the embedded emulator, started
// by open.
func (t targetConfig) embedded() bool { return t.runner.Endpoint == "" }

// resolveTarget checks the target flags and the environment. It refuses a
// target that is not on this machine unless --instances names what may be
// stopped: the suite stops real machines.
func resolveTarget(f targetFlags, env environment, actor string) (targetConfig, error) {
	var t targetConfig
	region := f.region
	if region == "" {
		region = lookup(env, "TENCENTCLOUD_REGION")
	}
	if region == "" {
		region = "ap-guangzhou"
	}
	switch {
	case !model.KnownRegion(region):
		return t, fmt.Errorf("--region %q is not a region the SDK lists (%s)", region, strings.Join(model.Regions, ", "))
	case f.rate <= 0:
		return t, errors.New("--rate-limit must be positive")
	case f.settle < 0:
		return t, errors.New("--settle-timeout must not be negative")
	}
	t.settle = f.settle
	t.runner = runner.TargetConfig{Region: region, StopRateLimit: f.rate}
	t.replay = conformance.RunCommand{RateLimit: f.rate, SettleTimeout: f.settle}
	if f.endpoint == "" {
		if f.instances != "" || f.all {
			return t, errors.New("--instances and --all-instances are for an --endpoint; every instance of the embedded emulator may be stopped")
		}
		choices, again, err := f.variants.choices()
		if err != nil {
			return t, fmt.Errorf("--variant: %w", err)
		}
		t.allowAll, t.variants, t.faults = true, choices, f.faults
		t.replay.Variants, t.replay.Faults = again, f.faults
		return t, nil
	}
	if len(f.variants) > 0 || len(f.faults) > 0 {
		return t, errors.New("--variant and --fault change the embedded emulator; for another endpoint, start 'cvmconform emulate --variant … --fault …' and point --endpoint at it")
	}
	endpoint, err := runner.ResolveEndpoint(f.endpoint, region)
	if err != nil {
		return t, err
	}
	t.runner.Endpoint, t.name = endpoint, endpoint
	if u, err := url.Parse(endpoint); err == nil {
		t.name = u.Redacted() // a report names its target, never a password
	}
	t.replay.Endpoint, t.replay.Region = f.endpoint, region
	creds, err := readCredentials(env)
	if err != nil {
		return t, err
	}
	if creds.main.SecretID == "" {
		return t, errors.New("set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY to the target's credentials")
	}
	t.runner.Cred, t.runner.Cred2, t.runner.Lanes = creds.main, creds.second, creds.lanes
	switch ids := splitList(f.instances); {
	case len(ids) > 0 && f.all:
		return t, errors.New("give --instances or --all-instances, not both")
	case len(ids) > 0:
		for _, id := range ids {
			if !model.ValidInstanceID(id) {
				return t, fmt.Errorf("--instances: %q is not an instance ID (ins-xxxxxxxx)", id)
			}
		}
		t.allowed, t.replay.Instances = ids, f.instances
	case f.all && runner.Loopback(endpoint):
		t.allowAll, t.replay.AllInstances = true, true
	case f.all:
		return t, fmt.Errorf("--all-instances is only for a target on this machine; %s is not: name the instances %s may stop with --instances", t.name, actor)
	case runner.Loopback(endpoint):
		return t, fmt.Errorf("name the instances %s may stop and start with --instances, or allow all of them with --all-instances", actor)
	default:
		return t, fmt.Errorf("%s is not on this machine, and stopping instances there needs an allow-list: name the instances %s may stop and start with --instances", t.name, actor)
	}
	return t, nil
}

// htmlUsage is the --html flag's usage, the same on run and judge.
const htmlUsage = "also write the HTML report to `FILE`: one self-contained page (no network) with the verdict, the failures and their exchanges, per-instance timelines, request rates against the limits, and every check (\"-\": standard output)"

// artifactsDir is where a run writes the files a failure refers to
// (porcupine's visualisation of a history no order explains): beside the
// first report given a file (--html, --json, --junit, in that order), so
// that CI keeps it with the report and the HTML report's link finds it;
// the working directory when none is, never the temporary directory,
// which nobody keeps.
func artifactsDir(outs ...outputFile) string {
	for _, o := range outs {
		if o.path != "" && o.path != "-" {
			return filepath.Dir(o.path)
		}
	}
	return "."
}

// runFlags are the flags of 'cvmconform run'.
type runFlags struct {
	target                              targetFlags
	sequences                           int
	seed                                uint64
	only, skip, signature               string
	strict, failFast, requireAll, plan  bool
	jsonPath, junitPath, transcriptPath string
	htmlPath                            string
	timeout, restoreTimeout             time.Duration
	perAccount, shard                   int
	minCoverage                         float64
	gate                                gateFlags
	args                                []string // what is not a flag
}

func (f *runFlags) register(fs *flag.FlagSet) {
	f.target.register(fs, "the suite")
	fs.IntVar(&f.sequences, "checks", conformance.DefaultSequences, "the number `N` of random request sequences the state machine SI-PROP-01 runs (not a number of checks)")
	fs.Uint64Var(&f.seed, "seed", 0, "seed `S` for a reproducible run (default: random, printed in the report)")
	fs.StringVar(&f.only, "only", "", "run only the checks whose ID starts with one of these comma-separated `PREFIXES` (e.g. SI-BATCH,SI-ID-01)")
	fs.StringVar(&f.signature, "signature", "tc3", "signature `STYLE` of ordinary requests: tc3, hmacsha256, hmacsha1, or all (in turn)")
	fs.BoolVar(&f.strict, "strict", false, "accept only the single most specific error code the current SDK documents (see 'checks --ledger')")
	fs.StringVar(&f.jsonPath, "json", "", "also write the JSON report to `FILE` (\"-\": standard output, the console report then going to standard error)")
	fs.StringVar(&f.junitPath, "junit", "", "also write a JUnit XML report to `FILE` (\"-\": standard output)")
	fs.StringVar(&f.htmlPath, "html", "", htmlUsage)
	fs.StringVar(&f.skip, "skip", "", "leave out the checks whose ID starts with one of these comma-separated `PREFIXES` (the inverse of --only)")
	fs.BoolVar(&f.failFast, "fail-fast", false, "start no check after the first failure (the ones running finish); the rest are reported as not run")
	fs.DurationVar(&f.timeout, "timeout", 0, "the whole run's budget `D` (e.g. 5m): when it runs out, running checks are cut short and the rest reported as not run")
	fs.StringVar(&f.transcriptPath, "transcript", "", "also write every exchange of the run, secrets redacted, to `FILE` (JSON lines; 'cvmconform judge' reads it, so a run can be judged again after a model change; \"-\": standard output)")
	fs.IntVar(&f.perAccount, "lanes-per-account", 0, "share each account's allow-listed instances out among at most `N` lanes that run checks side by side under the account's one pacer (0: as many as its instances allow, at most 4; 1: one check at a time per account)")
	fs.BoolVar(&f.requireAll, "require-all", false, "fail the gate (exit 2, verdict INCOMPLETE) when any check is skipped: the run must judge every check it selected")
	fs.DurationVar(&f.restoreTimeout, "restore-timeout", 0, "the bound `D` on putting back, at the run's end, every instance it stopped or started (default twice --settle-timeout); a second SIGINT skips it")
	fs.IntVar(&f.shard, "shard", 0, "run only shard `N` of the state machine SI-PROP-01 (as a failing shard's replay command names it): its sequences, seed and lane, as the run with the same --seed and --checks planned them")
	registerMinCoverage(fs, &f.minCoverage)
	fs.BoolVar(&f.plan, "plan", false, "print the schedule (which checks run together, on which lanes/accounts, with the estimated critical path) and exit; only DescribeInstances is sent")
	f.gate.register(fs, "check ID")
}

// gateFlags are the flags run, judge and proxy share for a CI gate: known
// failures, and a summary for the CI's page.
type gateFlags struct {
	baseline, writeBaseline, markdown string
}

// register registers the gate flags; what names a baseline entry's check
// ("check ID", "recording").
func (f *gateFlags) register(fs *flag.FlagSet, what string) {
	fs.StringVar(&f.baseline, "baseline", "", "known failures: a YAML `FILE` of entries (check: "+what+", reason, optionally rule or case, until: YYYY-MM-DD); "+
		"a listed failure is reported known and does not fail the gate, a listed check that passes or an entry past its until does (see README, \"Known failures\")")
	fs.StringVar(&f.writeBaseline, "write-baseline", "", "write the report's failures as a baseline `FILE`, one entry each with the reason \"TODO: why\" to fill in (\"-\": standard output)")
	fs.StringVar(&f.markdown, "markdown", "", "also write a short GitHub-flavoured summary to `FILE`, for a CI job summary or a pull-request comment (\"-\": standard output)")
}

// gateConfig is a resolved gateFlags: the baseline to read (when the
// command meets the world: reading it is I/O), and the outputs.
type gateConfig struct {
	baseline                string // "" when none
	writeBaseline, markdown outputFile
}

// resolveGate checks the gate flags.
func resolveGate(f gateFlags) (gateConfig, error) {
	if f.baseline == "-" {
		return gateConfig{}, errors.New("--baseline: name a file; standard input is not read")
	}
	return gateConfig{baseline: f.baseline, writeBaseline: outputFile{"write-baseline", f.writeBaseline},
		markdown: outputFile{"markdown", f.markdown}}, nil
}

// runConfig is what 'cvmconform run' runs with.
type runConfig struct {
	// suite is the run without what only a reached target gives (Target,
	// TargetName) and what the command attaches as it runs (Progress,
	// Halt, Replay). Its Seed is 0 when --seed was not given: the
	// command draws it, before starting the embedded emulator, which
	// takes the same seed.
	suite    conformance.Config
	target   targetConfig
	signings []runner.Signing
	// replay is the command line that makes the run again, but for its
	// seed and selection.
	replay conformance.RunCommand
	// selected is how many checks --only and --skip select.
	selected                int
	json, junit, transcript outputFile
	gate                    gateConfig
	html                    outputFile
	timeout                 time.Duration
	requireAll, planOnly    bool
	// minCoverage is --min-coverage (report.Run.MinCoverage).
	minCoverage float64
}

// resolveRun checks run's flags and the environment.
func resolveRun(f runFlags, env environment) (runConfig, error) {
	var cfg runConfig
	if len(f.args) > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", f.args[0])
	}
	signings, err := parseSignature(f.signature)
	switch {
	case err != nil:
		return cfg, err
	case f.sequences <= 0:
		return cfg, errors.New("--checks must be positive")
	case f.timeout < 0:
		return cfg, errors.New("--timeout must not be negative")
	case f.restoreTimeout < 0:
		return cfg, errors.New("--restore-timeout must not be negative")
	case f.shard < 0:
		return cfg, errors.New("--shard must not be negative")
	case f.perAccount < 0:
		return cfg, errors.New("--lanes-per-account must not be negative")
	}
	if err := checkMinCoverage(f.minCoverage); err != nil {
		return cfg, err
	}
	suite := conformance.Config{Strict: f.strict, Seed: f.seed, Sequences: f.sequences, Only: splitList(f.only),
		Skip: splitList(f.skip), FailFast: f.failFast, LanesPerAccount: f.perAccount, Instances: splitList(f.target.instances),
		RestoreTimeout: f.restoreTimeout, Shard: f.shard}
	selected, err := conformance.Selected(suite.Only, suite.Skip)
	if err != nil {
		return cfg, err
	}
	gate, err := resolveGate(f.gate)
	if err != nil {
		return cfg, err
	}
	t, err := resolveTarget(f.target, env, "the suite")
	if err != nil {
		return cfg, err
	}
	suite.SettleTimeout = t.settle
	html := outputFile{"html", f.htmlPath}
	suite.Artifacts = artifactsDir(html, outputFile{"json", f.jsonPath}, outputFile{"junit", f.junitPath})
	replay := t.replay
	replay.Strict, replay.Signature, replay.Sequences = f.strict, f.signature, f.sequences
	return runConfig{suite: suite, target: t, signings: signings, replay: replay, selected: len(selected),
		json: outputFile{"json", f.jsonPath}, junit: outputFile{"junit", f.junitPath}, transcript: outputFile{"transcript", f.transcriptPath},
		gate: gate, html: html, timeout: f.timeout, requireAll: f.requireAll, planOnly: f.plan,
		minCoverage: f.minCoverage}, nil
}

// registerMinCoverage registers --min-coverage, which run, judge and
// proxy share.
func registerMinCoverage(fs *flag.FlagSet, v *float64) {
	fs.Float64Var(v, "min-coverage", 0, "fail the gate (exit 2, verdict INCOMPLETE) when the run exercises less than `PCT` percent of the model's rules (see 'cvmconform coverage'); 0: no gate")
}

// checkMinCoverage checks --min-coverage: a percentage.
func checkMinCoverage(pct float64) error {
	if pct < 0 || pct > 100 || pct != pct {
		return fmt.Errorf("--min-coverage %g: want a percentage from 0 to 100", pct)
	}
	return nil
}

// snapshotFlags are the flags of 'cvmconform snapshot record' and
// 'snapshot verify'.
type snapshotFlags struct {
	target targetFlags
	only   string
	dir    string // --out for record, --against for verify
	// verify only: what to leave out, the reports, the gate.
	ignore              string
	jsonPath, junitPath string
	gate                gateFlags
	args                []string
}

func (f *snapshotFlags) register(fs *flag.FlagSet, sub string) {
	f.target.register(fs, "the scenarios")
	fs.StringVar(&f.only, "only", "", "play only these comma-separated scenario `NAMES` (see 'snapshot list')")
	if sub == "record" {
		fs.StringVar(&f.dir, "out", "", "write the records to `DIR`, one file per scenario (created if needed)")
		return
	}
	fs.StringVar(&f.dir, "against", "", "compare with the records in `DIR`")
	fs.StringVar(&f.ignore, "ignore", "", "leave these comma-separated `PATHS` out of the comparison, e.g. Response.Error.Message (\"#\" for any array index)")
	fs.StringVar(&f.jsonPath, "json", "", "also write the JSON report, one check per scenario, to `FILE` (\"-\": standard output, the console report then going to standard error)")
	fs.StringVar(&f.junitPath, "junit", "", "also write a JUnit XML report, one testcase per scenario, to `FILE` (\"-\": standard output)")
	f.gate.register(fs, "a scenario's name, rule: a drifted path")
}

// snapshotConfig is what 'snapshot record' or 'verify' plays.
type snapshotConfig struct {
	target    targetConfig
	scenarios []*snapshot.Scenario
	only      bool   // --only chose the scenarios: verify compares only theirs
	dir       string // where record writes, or the record verify reads
	// verify only: the paths left out, the reports and the gate.
	ignore      []string
	json, junit outputFile
	gate        gateConfig
}

// resolveSnapshot checks the flags of snapshot sub (record or verify)
// and the environment.
func resolveSnapshot(sub string, f snapshotFlags, env environment) (snapshotConfig, error) {
	switch {
	case len(f.args) > 0:
		return snapshotConfig{}, fmt.Errorf("unexpected argument %q", f.args[0])
	case f.dir == "" && sub == "record":
		return snapshotConfig{}, errors.New("--out DIR is required")
	case f.dir == "":
		return snapshotConfig{}, errors.New("--against DIR is required")
	}
	scenarios, err := snapshot.Scenarios()
	if err != nil {
		return snapshotConfig{}, err
	}
	if scenarios, err = snapshot.Select(scenarios, splitList(f.only)); err != nil {
		return snapshotConfig{}, fmt.Errorf("--only: %w", err)
	}
	gate, err := resolveGate(f.gate)
	if err != nil {
		return snapshotConfig{}, err
	}
	t, err := resolveTarget(f.target, env, "the scenarios")
	if err != nil {
		return snapshotConfig{}, err
	}
	return snapshotConfig{target: t, scenarios: scenarios, only: f.only != "", dir: f.dir, ignore: splitList(f.ignore),
		json: outputFile{"json", f.jsonPath}, junit: outputFile{"junit", f.junitPath}, gate: gate}, nil
}

// passiveFlags are the flags judge and proxy share: how strictly to
// judge, and the rate limit to expect.
type passiveFlags struct {
	strict      bool
	rate        int
	minCoverage float64
}

func (f *passiveFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.strict, "strict", false, "accept only the single most specific error code the current SDK documents (see 'checks --ledger')")
	fs.IntVar(&f.rate, "rate-limit", model.RateLimit(model.ActionStop),
		"the StopInstances limit per second `N` the target is expected to enforce (StartInstances and DescribeInstances: their documented limits)")
	registerMinCoverage(fs, &f.minCoverage)
}

// resolvePassive checks the passive flags, and reads the keys in the
// environment that verify signatures (nil when none is set).
func resolvePassive(f passiveFlags, env environment) (passive.Config, tcapi.KeyMap, error) {
	if f.rate <= 0 {
		return passive.Config{}, nil, errors.New("--rate-limit must be positive")
	}
	if err := checkMinCoverage(f.minCoverage); err != nil {
		return passive.Config{}, nil, err
	}
	creds, err := readCredentials(env)
	if err != nil {
		return passive.Config{}, nil, err
	}
	cfg := passive.Config{Strict: f.strict, StopRateLimit: f.rate}
	keys := creds.keys()
	if keys != nil {
		cfg.Keys = keys // a nil KeyMap would be a KeyStore that holds no key, not none
	}
	return cfg, keys, nil
}

// judgeFlags are the flags of 'cvmconform judge'.
type judgeFlags struct {
	passive                       passiveFlags
	jsonPath, junitPath, htmlPath string
	gate                          gateFlags
	args                          []string // the recordings
}

func (f *judgeFlags) register(fs *flag.FlagSet) {
	f.passive.register(fs)
	fs.StringVar(&f.jsonPath, "json", "", "also write the JSON report to `FILE` (\"-\": standard output, the console report then going to standard error)")
	fs.StringVar(&f.junitPath, "junit", "", "also write a JUnit XML report to `FILE` (\"-\": standard output)")
	fs.StringVar(&f.htmlPath, "html", "", htmlUsage)
	f.gate.register(fs, "a recording as named here")
}

// judgeConfig is what 'cvmconform judge' judges, and how.
type judgeConfig struct {
	files             []string
	judge             passive.Config
	json, junit, html outputFile
	gate              gateConfig
	minCoverage       float64 // --min-coverage (report.Run.MinCoverage)
}

func resolveJudge(f judgeFlags, env environment) (judgeConfig, error) {
	if len(f.args) == 0 {
		return judgeConfig{}, errors.New("name the recordings to judge (cassettes, HAR files, transcripts)")
	}
	judge, _, err := resolvePassive(f.passive, env)
	if err != nil {
		return judgeConfig{}, err
	}
	gate, err := resolveGate(f.gate)
	if err != nil {
		return judgeConfig{}, err
	}
	return judgeConfig{files: f.args, judge: judge, json: outputFile{"json", f.jsonPath}, junit: outputFile{"junit", f.junitPath},
		html: outputFile{"html", f.htmlPath}, gate: gate, minCoverage: f.passive.minCoverage}, nil
}

// proxyFlags are the flags of 'cvmconform proxy'.
type proxyFlags struct {
	listen, upstream, region             string
	reportPath, transcriptPath, htmlPath string
	every                                time.Duration
	resign                               bool
	passive                              passiveFlags
	gate                                 gateFlags
	args                                 []string
}

func (f *proxyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8081", "address `ADDR` to serve on (port 0 picks a free one)")
	fs.StringVar(&f.upstream, "upstream", "", "the target's base `URL` (e.g. http://127.0.0.1:8080), or \"tencentcloud\" / \"tencentcloud-intl\" for the real cloud's host for --region")
	fs.StringVar(&f.region, "region", "", "region `REGION` for --upstream tencentcloud or tencentcloud-intl, which need one (default $TENCENTCLOUD_REGION; no other default)")
	fs.StringVar(&f.reportPath, "report", "", "write the JSON report to `FILE` on SIGINT or SIGTERM (and every --report-every; \"-\": standard output, the proxy's own lines then going to standard error)")
	fs.DurationVar(&f.every, "report-every", 0, "also write --report every `D` (e.g. 1m)")
	fs.StringVar(&f.transcriptPath, "transcript", "", "write every exchange, redacted, to `FILE` as it completes (a transcript 'judge' reads; \"-\": standard output)")
	fs.StringVar(&f.htmlPath, "html", "", "write the HTML report to `FILE` when --report is written (on SIGINT or SIGTERM, and every --report-every): one self-contained page, the verdict, findings with their exchanges, timelines and rates")
	fs.BoolVar(&f.resign, "resign", false, "verify each request with the keys in the environment and sign it again for the upstream's host")
	f.passive.register(fs)
	f.gate.register(fs, "the upstream as the report names it")
}

// proxyConfig is what 'cvmconform proxy' serves.
type proxyConfig struct {
	listen string
	// proxy is the proxy without what the command attaches as it runs
	// (OnFinding, Transcript).
	proxy                    passive.ProxyConfig
	report, transcript, html outputFile
	every                    time.Duration
	gate                     gateConfig
	// name is the proxy's one check's ID: the upstream, without a
	// password (passive.NewProxy's).
	name        string
	minCoverage float64 // --min-coverage (report.Run.MinCoverage)
}

func resolveProxy(f proxyFlags, env environment) (proxyConfig, error) {
	switch {
	case len(f.args) > 0:
		return proxyConfig{}, fmt.Errorf("unexpected argument %q", f.args[0])
	case f.upstream == "":
		return proxyConfig{}, errors.New("--upstream is required: the target to forward to")
	}
	region := f.region
	if region == "" {
		region = lookup(env, "TENCENTCLOUD_REGION")
	}
	base, err := runner.ResolveEndpoint(f.upstream, region)
	if err != nil {
		return proxyConfig{}, fmt.Errorf("--upstream: %w", err)
	}
	switch {
	case f.every < 0:
		return proxyConfig{}, errors.New("--report-every must not be negative")
	case f.every > 0 && f.reportPath == "" && f.htmlPath == "":
		return proxyConfig{}, errors.New("--report-every needs --report FILE or --html FILE")
	}
	judge, keys, err := resolvePassive(f.passive, env)
	if err != nil {
		return proxyConfig{}, err
	}
	gate, err := resolveGate(f.gate)
	if err != nil {
		return proxyConfig{}, err
	}
	name := base
	if u, err := url.Parse(base); err == nil {
		name = u.Redacted()
	}
	pc := passive.ProxyConfig{Upstream: base, Judge: judge}
	if f.resign {
		if keys == nil {
			return proxyConfig{}, errors.New("--resign needs the clients' keys: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY")
		}
		pc.Resign = keys
	}
	return proxyConfig{listen: f.listen, proxy: pc, report: outputFile{"report", f.reportPath},
		transcript: outputFile{"transcript", f.transcriptPath}, html: outputFile{"html", f.htmlPath}, every: f.every, gate: gate, name: name, minCoverage: f.passive.minCoverage}, nil
}

// callFlags are the flags of 'cvmconform call'.
type callFlags struct {
	endpoint, region, signature string
	get, form, raw, strict      bool
	timeout                     time.Duration
	args                        []string // ACTION [JSON]
}

func (f *callFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.endpoint, "endpoint", "", "the target's base `URL` (e.g. http://127.0.0.1:8080), or \"tencentcloud\" / \"tencentcloud-intl\" for the real cloud's host for --region")
	fs.StringVar(&f.region, "region", "", "region `REGION` sent with the request (default $TENCENTCLOUD_REGION, else ap-guangzhou)")
	fs.StringVar(&f.signature, "signature", "tc3", "signature `S`: tc3, hmacsha256 or hmacsha1")
	fs.BoolVar(&f.get, "get", false, "send a GET, the parameters in the query")
	fs.BoolVar(&f.form, "form", false, "send a POST form (application/x-www-form-urlencoded), v1 signatures only (their default)")
	fs.BoolVar(&f.raw, "raw", false, "print the answer's body as received (a gzip body decompressed), not indented")
	fs.DurationVar(&f.timeout, "timeout", callTimeout, "how long to wait for the answer, `D`; none in time is exit 2 (the outcome is unknown)")
	fs.BoolVar(&f.strict, "strict", false, "accept only the single most specific error code the current SDK documents (see 'checks --ledger')")
}

// callConfig is the one request 'cvmconform call' sends, and how it is
// judged.
type callConfig struct {
	// call is the request but for its v1 Nonce, drawn when it is sent.
	call   tcapi.Call
	target runner.TargetConfig
	raw    bool
	judge  passive.Config
}

func resolveCall(f callFlags, env environment) (callConfig, error) {
	if len(f.args) == 0 || len(f.args) > 2 {
		return callConfig{}, errors.New("want ACTION and at most one JSON object of parameters, e.g. StopInstances '{\"InstanceIds\":[\"ins-r8hr2upy\"]}'")
	}
	call := tcapi.Call{Action: f.args[0]}
	if len(f.args) == 2 {
		params, err := tcapi.ParseParams([]byte(f.args[1]))
		if err != nil {
			return callConfig{}, fmt.Errorf("parameters: %w", err)
		}
		call.Params = params
	}
	style, err := callStyle(f.signature, f.get, f.form)
	switch {
	case err != nil:
		return callConfig{}, err
	case f.timeout <= 0:
		return callConfig{}, errors.New("--timeout must be positive")
	case f.endpoint == "":
		return callConfig{}, errors.New("--endpoint is required: the target's URL (e.g. http://127.0.0.1:8080), or tencentcloud / tencentcloud-intl")
	}
	call.Style, call.V1Method = style.Style, style.V1Method
	region := f.region
	if region == "" {
		region = lookup(env, "TENCENTCLOUD_REGION")
	}
	if region == "" {
		region = "ap-guangzhou"
	}
	base, err := runner.ResolveEndpoint(f.endpoint, region)
	if err != nil {
		return callConfig{}, err
	}
	creds, err := readCredentials(env)
	if err != nil {
		return callConfig{}, err
	}
	if creds.main.SecretID == "" {
		return callConfig{}, errors.New("set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY to the target's credentials")
	}
	return callConfig{call: call, target: runner.TargetConfig{Endpoint: base, Region: region, Cred: creds.main, Timeout: f.timeout},
		raw: f.raw, judge: passive.Config{Strict: f.strict, Keys: creds.keys()}}, nil
}

// selftestFlags are the flags of 'cvmconform selftest'.
type selftestFlags struct {
	variants, parallel, sequences int
	seed                          uint64
	quick                         bool
	only, faults, htmlPath        string
	args                          []string
}

func (f *selftestFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.variants, "variants", 20, "how many random variant combinations `N` the precision half runs, besides the lenient and strict corners")
	fs.Uint64Var(&f.seed, "seed", 0, "seed `S` of the whole self-test (default: random, printed)")
	fs.BoolVar(&f.quick, "quick", false, "bounded, for CI: precision runs only --only's checks, and each fault only the checks of its area")
	fs.StringVar(&f.only, "only", "SI-PROTO,SI-AUTH,SI-PARAM,SI-BATCH,SI-ID,SI-STATE,SI-ASYNC,SI-ATOMIC,SI-ACCT,SI-HOSTILE", "with --quick: the checks each precision run selects, by ID `PREFIXES`")
	fs.StringVar(&f.faults, "faults", "", "prove only these comma-separated fault `NAMES` (default: every fault)")
	fs.IntVar(&f.parallel, "parallel", 4, "how many suites `N` run at once")
	fs.IntVar(&f.sequences, "checks", 20, "state-machine sequences `N` SI-PROP-01 runs in each suite")
	fs.StringVar(&f.htmlPath, "html", "", "also write the self-test's tables as one self-contained HTML page to `FILE` (\"-\": standard output)")
}

// selftestConfig is what 'cvmconform selftest' proves, and where its
// HTML page goes.
type selftestConfig struct {
	suite selftest.Config
	html  outputFile
}

// resolveSelftest checks selftest's flags. The fault names and the --only
// prefixes are checked by selftest.Run, against the proofs and the
// catalog, before it starts a suite.
func resolveSelftest(f selftestFlags) (selftestConfig, error) {
	switch {
	case len(f.args) > 0:
		return selftestConfig{}, fmt.Errorf("unexpected argument %q", f.args[0])
	case f.variants < 0 || f.parallel <= 0 || f.sequences <= 0:
		return selftestConfig{}, errors.New("--variants must be ≥ 0, --parallel and --checks positive")
	}
	cfg := selftest.Config{Variants: f.variants, Seed: f.seed, Quick: f.quick, Faults: splitList(f.faults),
		Parallel: f.parallel, Sequences: f.sequences}
	if f.quick {
		cfg.Only = splitList(f.only)
	}
	if f.variants == 0 {
		cfg.Variants = -1 // selftest.Config: none is negative, 0 its default
	}
	return selftestConfig{suite: cfg, html: outputFile{"html", f.htmlPath}}, nil
}

// emulateFlags are the flags of 'cvmconform emulate'.
type emulateFlags struct {
	listen, fleet            string
	rate, lanes              int
	latency                  time.Duration
	listFaults, listVariants bool
	variants                 variantFlags
	faults                   faultFlags
	args                     []string
}

func (f *emulateFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8080", "address `HOST:PORT` to serve on (port 0 picks a free one)")
	fs.StringVar(&f.fleet, "fleet", "", "fleet fixture `FILE` (JSON, see fixtures/README.md); default: the embedded default fleet")
	fs.IntVar(&f.rate, "rate-limit", 10, "StopInstances requests `N` a second and account; 0 turns every rate limit off")
	fs.DurationVar(&f.latency, "stop-latency", emulator.DefaultLatency, "how long `D` STOPPING and STARTING last (a Go duration: 300ms, 2s)")
	fs.BoolVar(&f.listFaults, "list-faults", false, "list the faults --fault can inject, with the rule each breaks, and exit")
	fs.IntVar(&f.lanes, "lanes", emulator.DefaultLanes, "with the default fleet: how many lane accounts `N` to serve besides the main and the second, each a copy of the main fleet under its own IDs and credentials (a run spreads its checks over them)")
	fs.BoolVar(&f.listVariants, "list-variants", false, "list the variants --variant can choose, each with the ledger entry it comes from and its choices (the first is the default), and exit")
	fs.Var(&f.variants, "variant", "answer another defensible way: `NAME=CHOICE,…` from --list-variants, random[:SEED], or a corner: lenient (every variant at its most permissive choice) or strict (its most refusing) (repeatable; later ones win)")
	fs.Var(&f.faults, "fault", "break one rule: a fault `NAME` from --list-faults (repeatable)")
}

// emulateConfig is what 'cvmconform emulate' serves, or lists.
type emulateConfig struct {
	listFaults, listVariants bool
	listen                   string
	fleet                    string // a fixture file; "" for the default fleet with lanes lanes
	lanes                    int
	// emulator is the emulator without what the command attaches as it
	// runs: its fleet, its logger and the keys of the fleet's accounts
	// (given by creds, in the fleet's order).
	emulator emulator.Config
	creds    credentials
}

func resolveEmulate(f emulateFlags, env environment) (emulateConfig, error) {
	switch {
	case len(f.args) > 0:
		return emulateConfig{}, fmt.Errorf("unexpected argument %q", f.args[0])
	case f.listFaults || f.listVariants:
		return emulateConfig{listFaults: f.listFaults, listVariants: f.listVariants}, nil
	case f.lanes < 0:
		return emulateConfig{}, errors.New("--lanes must be ≥ 0")
	case f.rate < 0 || f.latency <= 0:
		return emulateConfig{}, errors.New("--rate-limit must be ≥ 0 and --stop-latency > 0")
	}
	choices, _, err := f.variants.choices()
	if err != nil {
		return emulateConfig{}, fmt.Errorf("--variant: %w", err)
	}
	creds, err := readCredentials(env)
	if err != nil {
		return emulateConfig{}, err
	}
	cfg := emulator.Config{Latency: f.latency, RateLimit: f.rate, Faults: f.faults, Variants: choices}
	if f.rate == 0 {
		cfg.RateLimit = -1 // emulator.Config: no limit is negative, 0 its default
	}
	return emulateConfig{listen: f.listen, fleet: f.fleet, lanes: f.lanes, emulator: cfg, creds: creds}, nil
}

// evidenceFlags are the flags of 'cvmconform coverage' and 'cvmconform
// profile': none but the reports.
type evidenceFlags struct {
	args []string // the JSON reports
}

// evidenceConfig is which reports coverage or profile reads.
type evidenceConfig struct {
	reports []string
}

// resolveCoverage checks coverage's arguments: one JSON report.
func resolveCoverage(f evidenceFlags) (evidenceConfig, error) {
	switch len(f.args) {
	case 0:
		return evidenceConfig{}, errors.New("name the JSON report to read (run, judge or proxy --json)")
	case 1:
		return evidenceConfig{reports: f.args}, nil
	}
	return evidenceConfig{}, fmt.Errorf("unexpected argument %q: coverage reads one report", f.args[1])
}

// resolveProfile checks profile's arguments: one JSON report, or two to
// compare.
func resolveProfile(f evidenceFlags) (evidenceConfig, error) {
	switch len(f.args) {
	case 0:
		return evidenceConfig{}, errors.New("name the JSON report to read (run, judge or proxy --json), or two to compare")
	case 1, 2:
		return evidenceConfig{reports: f.args}, nil
	}
	return evidenceConfig{}, fmt.Errorf("unexpected argument %q: profile reads one report, or compares two", f.args[2])
}

// reproFlags are the flags of 'cvmconform repro'.
type reproFlags struct {
	from, out string
	args      []string // CHECK
}

func (f *reproFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.from, "from", "", "the JSON report (`REPORT.json`, from run, judge or proxy --json) that holds the failure")
	fs.StringVar(&f.out, "out", "", "write the reproduction to `FILE` (default: standard output)")
}

// reproConfig is the failure 'cvmconform repro' reproduces, and where it
// writes the reproduction.
type reproConfig struct {
	check, from string
	out         outputFile
}

func resolveRepro(f reproFlags) (reproConfig, error) {
	switch {
	case len(f.args) != 1:
		return reproConfig{}, errors.New("name one failed check, e.g. cvmconform repro SI-ID-01 --from report.json")
	case f.from == "":
		return reproConfig{}, errors.New("--from is required: the JSON report that holds the failure (run --json FILE)")
	}
	out := f.out
	if out == "" {
		out = "-"
	}
	return reproConfig{check: strings.TrimSpace(f.args[0]), from: f.from, out: outputFile{"out", out}}, nil
}
