// Package conformancetest runs the StopInstances conformance suite from
// an implementer's own `go test`, against an emulator, fake or gateway
// they wrote: the suite's checks become subtests of their test, as
// testing/fstest.TestFS checks a file system and
// golang.org/x/tools/go/analysis/analysistest tests an analyzer. The
// name follows theirs: the package that tests against package
// conformance, as httptest serves for net/http.
//
// An implementer writes, in their own module:
//
//	func TestConformance(t *testing.T) {
//		conformancetest.Run(t, conformancetest.Target{
//			Handler:    myemulator.New(), // or Endpoint: "http://127.0.0.1:8080"
//			Credential: conformancetest.Credential{SecretID: "AKIDtest", SecretKey: "secret"},
//		})
//	}
//
// and then:
//
//	go test -run TestConformance               # every check, a subtest each
//	go test -run 'TestConformance/SI-BATCH' -v # one area, with progress
//	go test -short                             # a bounded suite (fewer state-machine sequences)
//
// The suite discovers the target's fleet with DescribeInstances as
// `cvmconform run` does, stops and starts the instances the Target
// allows, and puts them back at the end. A check the target cannot be
// checked for (it lacks a PENDING instance, a second account, 101
// instances) is a skip with the reason; a failure is an error with the
// report's text: the clause, the reason, the counterexample, and the
// command that replays it.
package conformancetest

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cvmconform/cvmconform/conformance"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/baseline"
	"github.com/cvmconform/cvmconform/runner/report"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// The flags a failure's replay sets, registered in the test binary as
// rapid registers -rapid.seed: a test helper cannot take arguments of
// its own from `go test` otherwise.
var (
	flagSeed  = flag.Uint64("cvmconform.seed", 0, "the conformance suite's seed (0: a new one; a failure's replay gives it)")
	flagShard = flag.Int("cvmconform.shard", 0, "run only this shard of the state machine SI-PROP-01 (a failing shard's replay gives it)")
)

// Credential is an account's key pair (and token, for temporary
// credentials).
type Credential = tcapi.Credential

// DefaultRegion is the region a Target without one is checked in.
const DefaultRegion = "ap-guangzhou"

// Target is the implementation under test: an endpoint URL, or an
// http.Handler the harness serves on a loopback port for the test's
// length (httptest.NewServer). Exactly one of the two is given.
type Target struct {
	// Endpoint is the target's URL ("http://127.0.0.1:8080").
	Endpoint string
	// Handler is an in-process implementation, serving its own fleet.
	Handler http.Handler
	// Region is the region checked; DefaultRegion if "".
	Region string
	// Credential is the account the suite works in: the handler's own
	// key for it (an in-process handler may accept any key it chooses).
	Credential Credential
	// Second is another account of the same target, for the
	// account-isolation checks; zero skips them, saying so.
	Second Credential
	// Instances are the only instances the suite may stop and start.
	// Empty allows every instance the target lists, which only a target
	// on this machine (a Handler, a loopback Endpoint) may.
	Instances []string
	// StopRateLimit is the StopInstances limit per second the target
	// should enforce; the documented 10 if zero.
	StopRateLimit int

	_ struct{}
}

// Option changes how Run runs the suite.
type Option interface{ apply(*options) }

type options struct {
	strict    bool
	sequences int
	baseline  string
	seed      uint64
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// Strict accepts only the most specific documented error code where the
// sources allow several (`cvmconform run --strict`).
func Strict() Option { return optionFunc(func(o *options) { o.strict = true }) }

// Sequences sets how many random state-machine sequences SI-PROP-01 runs:
// by default conformance.DefaultSequences, or ShortSequences under -short.
func Sequences(n int) Option { return optionFunc(func(o *options) { o.sequences = n }) }

// Seed fixes the run's seed; the -cvmconform.seed flag, when set, wins,
// so that a failure's replay line works as printed.
func Seed(seed uint64) Option { return optionFunc(func(o *options) { o.seed = seed }) }

// Baseline judges the run with a file of known failures (the format of
// `cvmconform run --baseline`, package runner/baseline): a failure it
// lists is logged as known and skipped rather than failed; an entry whose
// check now passes (stale) or whose until day has passed (expired) fails
// the test, so that the list cannot hide a fix or outlive its reason.
func Baseline(path string) Option { return optionFunc(func(o *options) { o.baseline = path }) }

// ShortSequences is how many state-machine sequences SI-PROP-01 runs under
// `go test -short`: enough to meet every action, a fifth of a full run.
const ShortSequences = conformance.DefaultSequences / 5

// Run runs the suite against target and reports each check as a subtest
// of t named by its ID (t.Run("SI-ID-01", …)): a pass passes, a skip is
// t.Skip with the reason, a failure t.Error with the report's text. Only
// the checks that `go test -run` and -skip select are run at all (see
// select.go). With -v it logs the run's progress. A target that cannot
// be checked at all (unreachable, its credentials refused, an
// Instances ID it does not list) fails t at once (t.Fatal).
func Run(t *testing.T, target Target, opts ...Option) {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt.apply(&o)
	}
	cfg, err := targetConfig(t, target)
	if err != nil {
		t.Fatalf("conformancetest: %v", err)
	}
	suite := conformance.Config{Target: cfg, TargetName: cfg.Endpoint, Strict: o.strict, Seed: o.seed, Sequences: o.sequences,
		Shard: *flagShard, Instances: target.Instances}
	if *flagSeed != 0 {
		suite.Seed = *flagSeed
	}
	if suite.Sequences == 0 && testing.Short() {
		suite.Sequences = ShortSequences
	}
	Suite(t, suite, opts...)
}

// Suite runs a configured run (conformance.Config, as `cvmconform run`
// builds one) as Run does: each check a subtest of t. Run is Suite with
// a Config made from a Target; the suite's own `go test ./conformance`
// calls Suite with its embedded emulator. Of opts, only Baseline applies
// here: the others are Config's fields. It returns the run's report (judged
// with the baseline, if one was given), for assertions beyond the checks'.
func Suite(t *testing.T, suite conformance.Config, opts ...Option) report.Run {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt.apply(&o)
	}
	known, err := loadBaseline(o.baseline)
	if err != nil {
		t.Fatalf("conformancetest: %v", err)
	}
	ids := catalogIDs()
	sel := selected(flagValue("test.run"), flagValue("test.skip"), t.Name(), ids)
	if len(sel) == 0 {
		t.Skip("conformancetest: -run and -skip select no check of the suite")
		return report.Run{}
	}
	if len(sel) < len(ids) {
		suite.Only = sel
	}
	if suite.Seed == 0 {
		suite.Seed = conformance.NewSeed()
	}
	if suite.Replay == nil {
		suite.Replay = replayLine(t.Name(), testing.Short())
	}
	if testing.Verbose() {
		suite.Progress = logProgress{t}
	}
	res, err := conformance.Run(context.Background(), suite)
	if err != nil && len(res.Checks) == 0 {
		t.Fatalf("conformancetest: %v", err)
	}
	if err != nil {
		t.Errorf("conformancetest: %v", err)
	}
	if known != nil {
		res = baseline.Apply(res, *known, time.Now())
	}
	reportChecks(t, res, sel)
	return res
}

// reportChecks reports the run: a subtest per check (a failure of one
// the selection sel left out on t itself), then what the baseline says
// of entries that fail the gate, and the instances left changed.
func reportChecks(t *testing.T, res report.Run, sel []string) {
	t.Helper()
	for _, c := range res.Checks {
		if !slices.Contains(sel, c.ID) && c.Status == report.Fail {
			// The engine ran a check the selection left out (an
			// operation stuck past the settle bound is reported under
			// its rule): go test would filter out its subtest.
			t.Error(failureText(c))
		}
		t.Run(c.ID, func(t *testing.T) {
			switch c.Status {
			case report.Fail:
				t.Error(failureText(c))
			case report.Error:
				t.Errorf("%s could not be carried out: %s\n%s", c.ID, c.Reason, c.Counterexample)
			case report.Known:
				t.Skipf("a known failure (baseline): %s", c.Reason)
			case report.Skip:
				t.Skip(c.Reason)
			case report.Pass:
				if c.Reason != "" {
					t.Log(c.Reason)
				}
			}
		})
	}
	if res.Baseline != nil {
		for _, e := range res.Baseline.Entries {
			if e.State.Failing() {
				t.Errorf("baseline %s: entry for %s is %s: %s", res.Baseline.File, e.Check, e.State, e.Detail)
			}
		}
	}
	for _, l := range res.LeftChanged {
		t.Errorf("the run left %s (%s) %s; it found it %s", l.Instance, l.Account, l.Left, l.Found)
	}
}

// failureText is how a failed check reads in `go test`'s output: the
// title, the clause, the reason, the counterexample, the call line that
// sends the failing request again, and the replay, as the console
// report gives them.
func failureText(c report.Check) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s [%s]\n%s\n", c.Title, c.Spec, c.Reason)
	if c.Counterexample != "" {
		b.WriteString(c.Counterexample + "\n")
	}
	if x, ok := report.FailingExchange(c.Exchanges); ok && x.Call != "" {
		b.WriteString("call: " + x.Call + "\n")
	}
	if c.Replay != "" {
		b.WriteString("replay: " + goTestShard(c.Replay))
	}
	return strings.TrimRight(b.String(), "\n")
}

// targetConfig is the runner's configuration of target: its endpoint (a
// loopback server for a Handler, closed when t ends), region,
// credentials and allow-list.
func targetConfig(t *testing.T, target Target) (runner.TargetConfig, error) {
	switch {
	case target.Handler != nil && target.Endpoint != "":
		return runner.TargetConfig{}, fmt.Errorf("Target: give Endpoint or Handler, not both")
	case target.Handler == nil && target.Endpoint == "":
		return runner.TargetConfig{}, fmt.Errorf("Target: give an Endpoint or a Handler")
	case target.Credential.SecretID == "" || target.Credential.SecretKey == "":
		return runner.TargetConfig{}, fmt.Errorf("Target: the Credential needs a SecretID and a SecretKey (an in-process handler may accept any it chooses)")
	}
	cfg := runner.TargetConfig{Endpoint: target.Endpoint, Region: target.Region, Cred: target.Credential, Cred2: target.Second,
		StopRateLimit: target.StopRateLimit}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if target.Handler != nil {
		srv := httptest.NewServer(target.Handler)
		t.Cleanup(srv.Close)
		cfg.Endpoint = srv.URL
	}
	switch {
	case len(target.Instances) > 0:
		ids := slices.Clone(target.Instances)
		cfg.Allowed = func(id string) bool { return slices.Contains(ids, id) }
	case runner.Loopback(cfg.Endpoint):
		cfg.Allowed = func(string) bool { return true }
	default:
		return runner.TargetConfig{}, fmt.Errorf("Target: %s is not on this machine: name the Instances the suite may stop and start", cfg.Endpoint)
	}
	return cfg, nil
}

// loadBaseline reads and validates the baseline file at path against the
// catalog; nil for "".
func loadBaseline(path string) (*baseline.File, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("Baseline: %w", err)
	}
	f, err := baseline.Parse(path, data)
	if err != nil {
		return nil, fmt.Errorf("Baseline: %w", err)
	}
	scope := baseline.Scope{Checks: catalogIDs(), Rules: baseline.RuleNames(), Cases: baseline.CaseNames(),
		What: "check of the catalog"}
	if err := baseline.Validate(f, scope); err != nil {
		return nil, fmt.Errorf("Baseline: %w", err)
	}
	return &f, nil
}

// catalogIDs are the IDs of every check of the suite.
func catalogIDs() []string {
	var ids []string
	for _, c := range conformance.Catalog() {
		ids = append(ids, c.ID)
	}
	return ids
}

// flagValue is the value of the test binary's flag name, "" when it is
// not defined (Run called outside `go test`).
func flagValue(name string) string {
	if f := flag.Lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
}

// replayLine renders the `go test` command that runs one check of the
// test named parent again with a seed: the -run pattern anchored element
// by element, -short when the run was short (see goTestShard for a
// shard's).
func replayLine(parent string, short bool) func(seed uint64, check string) string {
	var elems []string
	for _, e := range strings.Split(parent, "/") {
		elems = append(elems, "^"+regexp.QuoteMeta(e)+"$")
	}
	return func(seed uint64, check string) string {
		line := fmt.Sprintf("go test -run '%s/^%s$' -cvmconform.seed %s", strings.Join(elems, "/"), regexp.QuoteMeta(check),
			strconv.FormatUint(seed, 10))
		if short {
			line += " -short"
		}
		return line
	}
}

// goTestShard rewrites the " --shard N" the engine appends to a failing
// shard's replay as this package's flag, which `go test` accepts.
func goTestShard(replay string) string {
	return strings.Replace(replay, " --shard ", " -cvmconform.shard ", 1)
}

// logProgress logs the run's progress on the test (-v).
type logProgress struct{ t *testing.T }

func (p logProgress) Start(id, title string) { p.t.Logf("%s %s …", id, title) }
func (p logProgress) Done(c report.Check)    { p.t.Logf("%s %s", c.ID, c.Status) }
func (p logProgress) Note(format string, args ...any) {
	p.t.Logf(format, args...)
}
