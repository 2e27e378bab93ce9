// Package selftest proves the conformance suite against the reference
// emulator, in both directions of a verdict (DESIGN "Verdicts one can
// trust"): precision, that the suite passes every conforming target (it
// runs against random combinations of the emulator's variants, each a
// defensible way to answer where the sources leave room, and against the
// two corners), and recall, that it catches every fault (each emulator
// fault on a random variant must fail the checks its FaultProof names).
//
// It sits above both the catalog (package conformance, which never knows
// the emulator) and the emulator (runner/emulator): `cvmconform selftest`
// and `make test` run it.
package selftest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cvmconform/cvmconform/conformance"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/report"
)

// Config configures Run. The zero value runs the full
// self-test.
type Config struct {
	// Variants is how many random variant combinations the precision half
	// runs the suite against, besides the two corners (every variant at
	// its most permissive choice, and at its most refusing: always run);
	// 20 if zero, none if negative.
	Variants int
	// Seed makes the self-test reproducible; 0 picks one.
	Seed uint64
	// Quick bounds the self-test for CI: precision runs select Only (and
	// fewer state-machine sequences), and each fault runs only the checks
	// of its area (FaultProof.Only). Otherwise each precision run is the
	// whole suite, and each fault run the whole suite with FailFast.
	Quick bool
	// Only selects the checks of a quick precision run; every check if
	// nil.
	Only []string
	// Faults selects the faults to prove, by name; every fault if nil.
	Faults []string
	// Parallel is how many suites run at once; 4 if zero. Each has its own
	// emulator, so the documented rate limits hold within each.
	Parallel int
	// Sequences is how many state-machine sequences SI-PROP-01 runs in
	// each suite; 20 if zero.
	Sequences int
	// Progress receives one line per finished suite; nil for none.
	Progress func(line string)

	_ struct{}
}

// PrecisionRun is one suite against one variant combination.
type PrecisionRun struct {
	Seed uint64 // the suite's and the emulator's seed
	// Corner names the combination when it is a corner
	// (emulator.CornerLenient, emulator.CornerStrict); "" for a random
	// one, drawn from Seed.
	Corner   string
	Variants emulator.Choices
	Settle   time.Duration
	Result   report.Run
	Err      error // the run could not be made
	Replay   string
	// Profile is how the run's profile compares with Variants
	// (CompareProfile).
	Profile ProfileAccuracy
}

// Passed reports whether the suite found the variant conformant.
func (p PrecisionRun) Passed() bool {
	s := p.Result.Summary()
	return p.Err == nil && s.Fail == 0 && s.Error == 0
}

// Word is the self-test's verdict on the run, in its table's words:
// "pass", or "FAIL" (capitals, so that it stands out).
func (p PrecisionRun) Word() string {
	if p.Passed() {
		return "pass"
	}
	return "FAIL"
}

// Failures lists the checks that failed or could not be carried out.
func (p PrecisionRun) Failures() []report.Check {
	var out []report.Check
	for _, c := range p.Result.Checks {
		if c.Status == report.Fail || c.Status == report.Error {
			out = append(out, c)
		}
	}
	return out
}

// RecallRun is one fault, on one variant combination.
type RecallRun struct {
	Proof    FaultProof
	Seed     uint64
	Variants emulator.Choices
	Settle   time.Duration
	Result   report.Run
	Err      error
	// First is the first check that failed ("" if none did): detection.
	First report.Check
	// Requests and Elapsed are what the run took until First failed.
	Requests int
	Elapsed  time.Duration
	// Steps is the length of First's counterexample.
	Steps  int
	Replay string
}

// Detected reports whether a check failed.
func (r RecallRun) Detected() bool { return r.First.ID != "" }

// Expected reports whether the first check to fail is one of those that
// prove the fault (a fault breaks one rule; another check failing first
// would say the fault breaks more than it claims, or a check is wrong).
func (r RecallRun) Expected() bool {
	for _, p := range r.Proof.Catch {
		if strings.HasPrefix(r.First.ID, p) {
			return true
		}
	}
	return false
}

// Result is what Selftest found.
type Result struct {
	Seed      uint64
	Precision []PrecisionRun
	Recall    []RecallRun
}

// OK reports whether every variant passed, with no dimension of its
// profile named wrongly, and every fault was detected.
func (r Result) OK() bool {
	for _, p := range r.Precision {
		if !p.Passed() || len(p.Profile.Wrong) > 0 {
			return false
		}
	}
	for _, x := range r.Recall {
		if !x.Detected() || x.Err != nil {
			return false
		}
	}
	return true
}

// ProfileAccuracy sums the precision runs' profile comparisons: over
// every variant target, the dimensions identified, not observed, and
// named wrongly.
func (r Result) ProfileAccuracy() ProfileAccuracy {
	var a ProfileAccuracy
	for _, p := range r.Precision {
		a.Add(p.Profile)
	}
	return a
}

// MedianDetection is the median time to detection over the detected
// faults.
func (r Result) MedianDetection() time.Duration {
	var ds []time.Duration
	for _, x := range r.Recall {
		if x.Detected() {
			ds = append(ds, x.Elapsed)
		}
	}
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	if len(ds)%2 == 1 {
		return ds[len(ds)/2]
	}
	return (ds[len(ds)/2-1] + ds[len(ds)/2]) / 2
}

// Summary is the self-test's last line.
func (r Result) Summary() string {
	pass, detected := 0, 0
	for _, p := range r.Precision {
		if p.Passed() {
			pass++
		}
	}
	for _, x := range r.Recall {
		if x.Detected() {
			detected++
		}
	}
	return fmt.Sprintf("precision: %d/%d variant targets pass; recall: %d/%d faults detected; median detection %.1f s",
		pass, len(r.Precision), detected, len(r.Recall), r.MedianDetection().Seconds())
}

// Run runs the suite against random emulator variants (precision)
// and against every fault on a random variant (recall). An error means the
// self-test could not be set up (an unknown fault, a bad selection).
func Run(ctx context.Context, cfg Config) (Result, error) {
	switch {
	case cfg.Variants == 0:
		cfg.Variants = 20
	case cfg.Variants < 0:
		cfg.Variants = 0 // recall only
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 4
	}
	if cfg.Sequences == 0 {
		cfg.Sequences = 20
	}
	if cfg.Seed == 0 {
		cfg.Seed = conformance.NewSeed()
	}
	if _, err := conformance.Select(conformance.Catalog(), cfg.Only); err != nil {
		return Result{}, err
	}
	proofs, err := selectProofs(cfg.Faults)
	if err != nil {
		return Result{}, err
	}
	corners := []string{emulator.CornerLenient, emulator.CornerStrict}
	res := Result{Seed: cfg.Seed, Precision: make([]PrecisionRun, len(corners)+cfg.Variants), Recall: make([]RecallRun, len(proofs))}
	seeds := rand.New(rand.NewPCG(cfg.Seed, 0x5e1f))
	var jobs []func()
	for i := range res.Precision {
		seed := seeds.Uint64()>>1 | 1
		jobs = append(jobs, func() {
			p := &res.Precision[i]
			p.Seed, p.Variants = seed, emulator.RandomChoices(seed)
			spec, name := fmt.Sprintf("random:%d", seed), fmt.Sprintf("variant %d", seed)
			if i < len(corners) {
				p.Corner = corners[i]
				p.Variants, _ = emulator.CornerChoices(p.Corner)
				spec, name = p.Corner, "corner "+p.Corner
			}
			var only []string
			if cfg.Quick {
				only = cfg.Only
			}
			p.Settle = settleFor(p.Variants)
			p.Result, p.Err = selftestRun(ctx, p.Variants, nil, seed, p.Settle, only, false, cfg.Sequences, nil)
			p.Profile = CompareProfile(p.Result.Profile, p.Variants)
			p.Replay = replay(seed, spec, nil, nil, p.Settle, cfg.Sequences, only)
			s := p.Result.Summary()
			cfg.note(fmt.Sprintf("precision %s: %s (%d pass, %d skip, %d fail, %d error in %.1f s)", name,
				p.Word(), s.Pass, s.Skip, s.Fail, s.Error, p.Result.Duration.Seconds()))
		})
	}
	for i, proof := range proofs {
		seed := seeds.Uint64()>>1 | 1
		jobs = append(jobs, func() {
			r := &res.Recall[i]
			r.Proof, r.Seed = proof, seed
			r.Variants = emulator.RandomChoices(seed).Merge(proof.Needs)
			var only []string
			if cfg.Quick {
				only = proof.Only
			}
			r.Settle = settleFor(r.Variants)
			d := &detector{start: time.Now()}
			r.Result, r.Err = selftestRun(ctx, r.Variants, []string{proof.Fault}, seed, r.Settle, only, !cfg.Quick, cfg.Sequences, d)
			r.First, r.Requests, r.Elapsed = d.first, d.requests, d.elapsed
			r.Steps = conformance.CountSteps(r.First.Counterexample)
			r.Replay = replay(seed, fmt.Sprintf("random:%d", seed), proof.Needs, []string{proof.Fault}, r.Settle, cfg.Sequences, only)
			word := "missed"
			if r.Detected() {
				word = fmt.Sprintf("detected by %s in %.1f s", r.First.ID, r.Elapsed.Seconds())
			}
			cfg.note(fmt.Sprintf("recall %s: %s", proof.Fault, word))
		})
	}
	runJobs(jobs, cfg.Parallel)
	return res, ctx.Err()
}

func (cfg Config) note(line string) {
	if cfg.Progress != nil {
		cfg.Progress(line)
	}
}

// targetName names a self-test's emulator in its report: "URL (embedded
// emulator, fault F)" or "URL (embedded emulator, variant)".
func targetName(url string, faults []string) string {
	if len(faults) > 0 {
		return url + " (embedded emulator, fault " + strings.Join(faults, ",") + ")"
	}
	return url + " (embedded emulator, variant)"
}

// selectProofs returns one proof per named fault (every fault if none is
// named): a fault with several proofs gets them merged, its checks and the
// variant choices it needs.
func selectProofs(names []string) ([]FaultProof, error) {
	var out []FaultProof
	at := map[string]int{}
	for _, p := range FaultProofs {
		if len(names) > 0 && !slices.Contains(names, p.Fault) {
			continue
		}
		i, ok := at[p.Fault]
		if !ok {
			at[p.Fault] = len(out)
			out = append(out, FaultProof{Fault: p.Fault, Needs: emulator.Choices{}})
			i = len(out) - 1
		}
		out[i].Only = append(out[i].Only, p.Only...)
		out[i].Catch = append(out[i].Catch, p.Catch...)
		out[i].Needs = out[i].Needs.Merge(p.Needs)
	}
	for _, n := range names {
		if _, ok := at[n]; !ok {
			return nil, fmt.Errorf("no fault %q has a proof (see cvmconform emulate --list-faults)", n)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Fault < out[j].Fault })
	return out, nil
}

// settleFor is the settle bound of a self-test run: the user's default is
// made for the slowest real targets; a variant whose latency is known
// gets a bound twenty times its longest operation, and at least 5 s.
func settleFor(c emulator.Choices) time.Duration {
	_, hi, err := emulator.LatencyOf(c)
	if err != nil {
		return 0
	}
	return max(5*time.Second, 20*hi)
}

// selftestRun runs the suite against a fresh embedded emulator with the
// given variants and faults.
func selftestRun(ctx context.Context, variants emulator.Choices, faults []string, seed uint64, settle time.Duration,
	only []string, failFast bool, sequences int, d *detector) (report.Run, error) {
	emu, err := emulator.StartEmbedded(emulator.EmbeddedOptions{Variants: variants, Faults: faults, Seed: seed})
	if err != nil {
		return report.Run{}, err
	}
	defer emu.Close()
	cfg := conformance.Config{
		Target:     emu.Target(),
		TargetName: targetName(emu.URL, faults),
		Seed:       seed, Sequences: sequences, Only: only, SettleTimeout: settle, FailFast: failFast,
	}
	if d != nil {
		cfg.Progress = d
	}
	out, err := conformance.Run(ctx, cfg)
	if errors.Is(err, conformance.ErrCannotRun) && len(out.Checks) == 0 {
		return out, err
	}
	return out, nil
}

// replay is the command that runs one self-test suite again, built by
// the one builder of replay commands (conformance.RunCommand): the
// variant variant names (random:SEED, or a corner) with needs put over
// it, the faults, and the suite's settle bound and sequences.
func replay(seed uint64, variant string, needs emulator.Choices, faults []string, settle time.Duration, sequences int, only []string) string {
	variants := []string{variant}
	if v := needs.String(); v != "" {
		variants = append(variants, v)
	}
	return conformance.RunCommand{Variants: variants, Faults: faults, SettleTimeout: settle, Sequences: sequences}.Line(seed, strings.Join(only, ","))
}

// detector is a Progress that notes when the first check failed, and the
// requests sent until then.
type detector struct {
	mu       sync.Mutex
	start    time.Time
	first    report.Check
	requests int
	elapsed  time.Duration
}

func (d *detector) Start(string, string) {}
func (d *detector) Note(string, ...any)  {}
func (d *detector) Done(c report.Check) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.first.ID != "" {
		return
	}
	d.requests += c.Requests
	if c.Status == report.Fail {
		d.first, d.elapsed = c, time.Since(d.start)
	}
}

// runJobs runs jobs, n at a time.
func runJobs(jobs []func(), n int) {
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for _, job := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			job()
		}()
	}
	wg.Wait()
}
