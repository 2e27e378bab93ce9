package conformance

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/report"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Config is one conformance run.
type Config struct {
	Target runner.TargetConfig
	// TargetName names the target in reports, e.g. "http://127.0.0.1:8080
	// (embedded emulator)".
	TargetName string
	Strict     bool
	// Seed makes the run reproducible: it seeds the state machine and every
	// random choice of the directed checks. 0 picks one.
	Seed uint64
	// Sequences is how many state-machine sequences SI-PROP-01 runs (100
	// if zero); Steps their mean length (4 if zero).
	Sequences, Steps int
	// Only selects checks by ID prefix (see Select).
	Only []string
	// Progress receives the run's progress; nil for none.
	Progress Progress
	// Replay renders the command that replays one check with a seed;
	// RunCommand{}.Line if nil.
	Replay func(seed uint64, check string) string
	// Artifacts is a directory for files a failure refers to (such as a
	// linearizability visualisation); "" keeps them in the temp dir.
	Artifacts string
	// SettleTimeout bounds how long an operation may take; 0 picks one
	// for the target (runner.SettleTimeout).
	SettleTimeout time.Duration
	// FailFast stops starting checks after the first failure; the checks
	// not started are reported as skipped, "not run", with the reason.
	// (The run's own budget is its context: a deadline, or a cancellation
	// on SIGINT or SIGTERM, likewise leaves the checks not started listed
	// as not run, with context.Cause as the reason.)
	FailFast bool
	// Skip leaves out the checks whose ID starts with one of these
	// prefixes (the inverse of Only).
	Skip []string
	// LanesPerAccount is how many lanes share out one account's
	// allow-listed instances, running checks side by side under the
	// account's one pacer (see schedule.go). 0 picks as many as the
	// instances and the checks' needs allow, at most MaxLanesPerAccount;
	// 1 runs one check at a time per account.
	LanesPerAccount int
	// Instances are the instance IDs the allow-list names (--instances):
	// each must be listed by one of the target's accounts, or the run
	// cannot be made (a typo would otherwise leave every check that
	// moves an instance skipped, and the verdict green).
	Instances []string
	// RestoreTimeout bounds the restore at the run's end, which puts back
	// every instance the run stopped or started (see restore.go); 0 picks
	// twice the settle bound.
	RestoreTimeout time.Duration
	// Halt, once ended, skips that restore, or cuts it short: the CLI ends
	// it on a second SIGINT or SIGTERM. nil never ends.
	Halt context.Context
	// Shard, when positive, runs only that shard (numbered from 1, as
	// reports name them) of the state machine SI-PROP-01, as the run with
	// the same seed, Sequences and fleet plans it: its sequences, its
	// rapid seed, its lane. The replay of a failing shard names it.
	Shard int

	_ struct{}
}

// Progress is told about the run as it goes (report.Progress fits).
type Progress interface {
	Start(id, title string)
	Done(c report.Check)
	Note(format string, args ...any)
}

type noProgress struct{}

func (noProgress) Start(string, string) {}
func (noProgress) Done(report.Check)    {}
func (noProgress) Note(string, ...any)  {}

// ErrCannotRun wraps every reason a run could not be made at all:
// configuration, an unreachable target, rejected credentials. The CLI
// exits 2 on it.
var ErrCannotRun = errors.New("the run could not be made")

// ErrCutShort is Run's error when its context ended (a deadline, SIGINT,
// SIGTERM): unlike ErrCannotRun, the report is whole, and its verdict
// says why it is INCOMPLETE (report.Run.Incomplete).
var ErrCutShort = errors.New("the run was cut short")

// runShared is what every lane of a run shares.
type runShared struct {
	cfg     Config
	strict  model.Strictness
	seed    uint64
	settle  time.Duration
	started time.Time
	log     *runner.Transcript // every lane's exchanges

	mu     sync.Mutex
	stuck  *stuckOp // the first operation seen in flight past the settle bound
	ended  int      // instances seen settling within the bound (stuck.go)
	failed string   // the first check that failed, with FailFast
	// secondRefused says why the second account's credentials cannot be
	// used (the target refused them at discovery); its checks skip with
	// it. "" when they were proven, or none were given.
	secondRefused string
	// shardProgress is, for a check split into shards, what Progress has
	// been told: it starts with its first shard and is done, merged, with
	// its last (one line a check, not one a shard).
	shardProgress map[string]*shardProgress
	// shardFailed names, for a check split into shards, the shard that
	// failed first: it shrinks its counterexample, which is the check's,
	// and the others stop rather than find (and shrink) another.
	shardFailed map[string]failedShard
}

// shardProgress is the progress of one check split into shards.
type shardProgress struct {
	started bool
	done    []report.Check
}

// startShard tells Progress that check c started, if it is the first of
// its shards to.
func (s *runShared) startShard(c *Check) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.shardProgressOf(c.ID)
	if !p.started {
		p.started = true
		s.cfg.Progress.Start(c.ID, c.Title)
	}
}

// doneShard records that one of the shards of u's check ended (run or
// not), and tells Progress the check's merged result once they all have.
func (s *runShared) doneShard(u unit, res report.Check) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.shardProgressOf(u.check.ID)
	p.done = append(p.done, res)
	if len(p.done) == u.planned {
		s.cfg.Progress.Done(mergeShards(p.done))
	}
}

func (s *runShared) shardProgressOf(id string) *shardProgress {
	if s.shardProgress == nil {
		s.shardProgress = map[string]*shardProgress{}
	}
	if s.shardProgress[id] == nil {
		s.shardProgress[id] = &shardProgress{}
	}
	return s.shardProgress[id]
}

// failedShard is the shard of a check that failed first, and its lane.
type failedShard struct {
	shard int
	lane  string
}

// markShardFailed records that shard of check id, on lane, failed, unless
// another did first.
func (s *runShared) markShardFailed(id string, shard int, lane string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shardFailed == nil {
		s.shardFailed = map[string]failedShard{}
	}
	if _, ok := s.shardFailed[id]; !ok {
		s.shardFailed[id] = failedShard{shard: shard, lane: lane}
	}
}

// shardFailedFirst is the shard of check id that failed first, if one did.
func (s *runShared) shardFailedFirst(id string) (failedShard, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.shardFailed[id]
	return f, ok
}

// runState is one lane of a run: one account of the target, or a share of
// its instances when the account holds several lanes (see schedule.go),
// with the observer that judges that share. A lane runs one check at a
// time; its observer is never shared between goroutines.
type runState struct {
	*runShared
	account       string        // the account's label: "main", "lane-1", …; its exchanges carry it
	share, shares int           // this lane is share `share` of the account's `shares`
	whole         *sync.RWMutex // the account's: a WholeAccount check holds it alone
	target        *runner.Target
	obs           *model.Observer       // judges this lane's share of the instances
	judging       *runner.Judging       // the judging pipeline over obs (see Ctx.judge)
	views         map[string]model.View // the account's fleet as discovered (its lanes share it; read only)
}

// name is the lane's label in plans and transcripts: its account's, with
// the share when the account holds several lanes ("main/2"; accountOf
// reads it back).
func (s *runState) name() string {
	if s.shares <= 1 {
		return s.account
	}
	return fmt.Sprintf("%s/%d", s.account, s.share+1)
}

// prepare checks the configuration, fills in its defaults and selects the
// checks.
func prepare(cfg Config) (Config, []*Check, error) {
	checks := Catalog()
	if err := validate(checks); err != nil {
		return cfg, nil, err
	}
	checks, err := Select(checks, cfg.Only)
	if err != nil {
		return cfg, nil, err
	}
	if checks, err = Exclude(checks, cfg.Skip); err != nil {
		return cfg, nil, err
	}
	if cfg.Progress == nil {
		cfg.Progress = noProgress{}
	}
	if cfg.Sequences == 0 {
		cfg.Sequences = 100
	}
	if cfg.Steps == 0 {
		cfg.Steps = 4
	}
	if cfg.Replay == nil {
		cfg.Replay = RunCommand{}.Line
	}
	if cfg.SettleTimeout == 0 {
		cfg.SettleTimeout = runner.SettleTimeout(cfg.Target.Endpoint)
	}
	if cfg.RestoreTimeout == 0 {
		cfg.RestoreTimeout = restoreBound(cfg.SettleTimeout)
	}
	if cfg.Seed == 0 {
		cfg.Seed = NewSeed()
	}
	return cfg, checks, nil
}

// open connects to every account of the target, discovers its fleet, and
// shares its instances out among the account's lanes. When discovery
// fails it still returns the run's shared state, whose transcript holds
// what discovery sent.
func open(ctx context.Context, cfg Config, checks []*Check) ([]*runState, *runShared, error) {
	shared := &runShared{cfg: cfg, seed: cfg.Seed, settle: cfg.SettleTimeout, started: time.Now(), log: cfg.Target.Transcript}
	if shared.log == nil {
		shared.log = &runner.Transcript{}
	}
	if cfg.Strict {
		shared.strict = model.Strict
	}
	tcs := []runner.TargetConfig{cfg.Target}
	names := []string{runner.AccountMain}
	for i, cred := range cfg.Target.Lanes {
		tc := cfg.Target
		tc.Cred, tc.Cred2, tc.Lanes = cred, tcapi.Credential{}, nil
		tcs = append(tcs, tc)
		names = append(names, fmt.Sprintf("lane-%d", i+1))
	}
	var lanes []*runState
	discovered := map[string]bool{}
	for i, tc := range tcs {
		tc.Transcript, tc.Lane = shared.log, names[i]
		t, err := runner.NewTarget(tc)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrCannotRun, err)
		}
		views, err := discover(ctx, t, names[i], credVars(i))
		if err != nil {
			return nil, shared, err
		}
		if i == 0 && t.HasSecondAccount() {
			if shared.secondRefused, err = proveSecond(ctx, t); err != nil {
				return nil, shared, err
			}
		}
		for _, v := range views {
			discovered[v.ID] = true
		}
		shares := shareOut(movable(views, t, model.Running), movable(views, t, model.Stopped), needsOf(checks), cfg.LanesPerAccount)
		byID := map[string]model.View{}
		for _, v := range views {
			byID[v.ID] = v
		}
		// Each instance is one share's; the first's also those no lane
		// moves, which are in no share.
		shareOf := map[string]int{}
		for k, ids := range shares {
			for _, id := range ids {
				shareOf[id] = k
			}
		}
		whole := &sync.RWMutex{}
		for k := range shares {
			s := &runState{runShared: shared, account: names[i], share: k, shares: len(shares), whole: whole, views: byID}
			s.target = t.ForLane(s.name())
			s.obs = model.NewObserver(runner.AccountMain, cfg.Target.Region, shared.strict)
			s.judging = runner.NewJudging(runner.JudgingConfig{Strictness: shared.strict, Clock: runner.SendTime}, s.obs)
			for _, v := range views {
				if shareOf[v.ID] == k {
					s.obs.Discover(v)
				} else {
					s.obs.Cede(v.ID)
				}
			}
			lanes = append(lanes, s)
		}
	}
	var missing []string
	for _, id := range cfg.Instances {
		if !discovered[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("%w: --instances names %s, which no account of the target lists in %s: nothing was judged",
			ErrCannotRun, strings.Join(missing, ", "), cfg.Target.Region)
	}
	return lanes, shared, nil
}

// credVars names the environment variables that hold the credentials of
// the i-th account of a run (0 the main, then the lanes' _3, _4, …), for
// an error that says what to fix.
func credVars(i int) [2]string {
	if i == 0 {
		return [2]string{"TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"}
	}
	return [2]string{fmt.Sprintf("TENCENTCLOUD_SECRET_ID_%d", i+2), fmt.Sprintf("TENCENTCLOUD_SECRET_KEY_%d", i+2)}
}

// refusedCredentials words a target's refusal of an account's credentials
// as our configuration error, naming the variable to fix: the SecretId
// when the target does not know it, the key when the signature does not
// verify, both otherwise.
func refusedCredentials(account string, vars [2]string, code, message string) string {
	name := vars[0] + " / " + vars[1]
	switch code {
	case "AuthFailure.SecretIdNotFound":
		name = vars[0]
	case "AuthFailure.SignatureFailure":
		name = vars[1]
	}
	return fmt.Sprintf("the target refused the credentials of %s (%s: %s): check %s", account, code, message, name)
}

// proveSecond proves the second account's credentials with one signed
// DescribeInstances. A refusal is the configuration's fault, not the
// target's: it returns the reason the second account's checks skip with,
// and the run goes on. An error means the target could not be asked.
func proveSecond(ctx context.Context, t *runner.Target) (string, error) {
	s := describeWith(func(*tcapi.Call) {})
	s.Check, s.Second = "discovery", true
	x, err := t.Do(ctx, s)
	if err != nil {
		return "", fmt.Errorf("%w: cannot prove the second account's credentials with DescribeInstances: %v", ErrCannotRun, err)
	}
	if code := x.Outcome.Code; strings.HasPrefix(code, "AuthFailure") {
		msg := ""
		if x.Response.Error != nil {
			msg = x.Response.Error.Message
		}
		return "not run: " + refusedCredentials(runner.AccountSecond, [2]string{"TENCENTCLOUD_SECRET_ID_2", "TENCENTCLOUD_SECRET_KEY_2"}, code, msg), nil
	}
	return "", nil
}

// Run discovers the target's fleet on every lane, schedules the selected
// checks over the lanes (see schedule.go) and carries them out, each lane
// resetting the instances a check moved before its next, and at its end
// puts back every instance the run moved (restoreFleet), listing in the
// report any it could not. It returns an
// error wrapping ErrCannotRun when the run cannot be made. When ctx ends
// (a deadline, SIGINT, SIGTERM), the checks not started are reported as
// not run, and the report is whole: every check, the requests sent, the
// time taken; the error then wraps ErrCutShort.
func Run(ctx context.Context, cfg Config) (report.Run, error) {
	cfg, checks, err := prepare(cfg)
	if err != nil {
		return report.Run{}, fmt.Errorf("%w: %v", ErrCannotRun, err)
	}
	lanes, shared, err := open(ctx, cfg, checks)
	if err != nil && (shared == nil || ctx.Err() == nil) {
		return report.Run{}, err
	}
	out := report.Run{Target: cfg.TargetName, Region: cfg.Target.Region, Seed: shared.seed, Strict: cfg.Strict,
		Started: shared.started}
	if err != nil {
		// Cut short while discovering the fleet: the report is still
		// whole, every check not run, with the cause.
		for _, c := range checks {
			out.Checks = append(out.Checks, notRun(c, stopCause(ctx)+", while the fleet was being discovered"))
		}
	} else {
		carryOut(ctx, cfg, checks, lanes, shared, &out)
	}
	restoreFleet(ctx, cfg, lanes, shared, &out)
	out.Duration = time.Since(shared.started)
	out.Requests = shared.log.Len()
	out.Incomplete = incomplete(ctx, shared, out.Checks)
	if ctx.Err() != nil {
		return out, fmt.Errorf("%w: %s", ErrCutShort, stopCause(ctx))
	}
	return out, nil
}

// incomplete says why a run did not reach its end, or "": its context
// ended (a signal, the --timeout), or --fail-fast left checks not run.
// The report's verdict is then never CONFORMANT (DESIGN "A verdict is
// never greener than what ran").
func incomplete(ctx context.Context, shared *runShared, checks []report.Check) string {
	why := shared.stopReason(ctx)
	if why == "" {
		return ""
	}
	if ctx.Err() == nil && !slices.ContainsFunc(checks, func(c report.Check) bool {
		return c.Status == report.Skip && strings.HasPrefix(c.Reason, "not run: "+why)
	}) {
		return "" // --fail-fast, after every check had started
	}
	return "the run did not reach its end: " + why
}

// carryOut schedules the checks over the lanes, runs them, and fills in
// the report's fleet, lanes and results.
func carryOut(ctx context.Context, cfg Config, checks []*Check, lanes []*runState, shared *runShared, out *report.Run) {
	main := lanes[0]
	out.Fleet = main.fleetLine()
	if n := len(cfg.Target.Lanes); n > 0 {
		out.Fleet += fmt.Sprintf("; %d more lane accounts", n)
	}
	plan, finals := makePlan(checks, lanes, cfg)
	results, longest, used := runLanes(ctx, plan, lanes)
	out.Lanes, out.LongestLane = used, longest
	byID := map[string][]report.Check{}
	for _, r := range results {
		byID[r.unit.check.ID] = append(byID[r.unit.check.ID], r.result)
	}
	for _, c := range finals {
		if why := shared.stopReason(ctx); why != "" {
			byID[c.ID] = []report.Check{notRun(c, why)}
			continue
		}
		byID[c.ID] = []report.Check{main.runUnit(ctx, unit{check: c, shards: 1})}
	}
	for _, c := range checks {
		if len(byID[c.ID]) == 0 { // Config.Shard beyond the shards planned
			byID[c.ID] = []report.Check{{ID: c.ID, Title: c.Title, Spec: c.Clause, Severity: string(c.Severity), Status: report.Error,
				Reason: fmt.Sprintf("--shard %d: this run splits the state machine into fewer shards", cfg.Shard)}}
		}
		out.Checks = append(out.Checks, mergeShards(byID[c.ID]))
	}
	if _, ok := byID[stuckCheckID]; !ok && shared.stuckOp() != nil {
		// A stuck operation is reported under the rule it breaks, also
		// when the selection left that check out: otherwise it would be
		// reported nowhere, and every check that met it skipped.
		if c := catalogCheck(stuckCheckID); c != nil {
			out.Checks = append(out.Checks, main.runUnit(ctx, unit{check: c, shards: 1}))
		}
	}
	shared.lookAgain(ctx, out)
}

// catalogCheck is the catalog's check id, or nil.
func catalogCheck(id string) *Check {
	for _, c := range Catalog() {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// Schedule discovers the target's fleet on every lane (DescribeInstances
// only: nothing is stopped or started) and returns the plan a run would
// carry out.
func Schedule(ctx context.Context, cfg Config) (Plan, error) {
	cfg, checks, err := prepare(cfg)
	if err != nil {
		return Plan{}, fmt.Errorf("%w: %v", ErrCannotRun, err)
	}
	lanes, _, err := open(ctx, cfg, checks)
	if err != nil {
		return Plan{}, err
	}
	plan, finals := makePlan(checks, lanes, cfg)
	return describePlan(plan, finals, lanes, cfg), nil
}

// accountOf is the account of a lane's label (runState.name).
func accountOf(lane string) string {
	account, _, _ := strings.Cut(lane, "/")
	return account
}

// discover lists an account's fleet, and refuses to go on when the target
// cannot be reached or refuses the credentials.
func discover(ctx context.Context, t *runner.Target, account string, vars [2]string) ([]model.View, error) {
	views, err := t.Discover(ctx, "discovery")
	if err != nil {
		if xs := t.Transcript().Since(0); len(xs) > 0 && xs[len(xs)-1].Outcome.Code != "" {
			x := xs[len(xs)-1]
			if strings.HasPrefix(x.Outcome.Code, "AuthFailure") {
				return nil, fmt.Errorf("%w: %s", ErrCannotRun, refusedCredentials(account, vars, x.Outcome.Code, x.Response.Error.Message))
			}
		}
		return nil, fmt.Errorf("%w: cannot list the fleet of %s with DescribeInstances: %v", ErrCannotRun, account, err)
	}
	return views, nil
}

// fleetBrief describes the lane's instances in a few words, for a plan.
func (s *runState) fleetBrief() string {
	return fmt.Sprintf("%d of the account's %d, %d RUNNING and %d STOPPED that may be stopped and started",
		len(s.obs.IDs()), len(s.views), len(s.allowedIn(model.Running)), len(s.allowedIn(model.Stopped)))
}

// fleetLine describes the fleet in one line for the report header.
func (s *runState) fleetLine() string {
	count := map[model.InstanceState]int{}
	allowed := 0
	for id, v := range s.views {
		count[v.State]++
		if s.target.Allowed(id) {
			allowed++
		}
	}
	var parts []string
	for _, st := range model.InstanceStates {
		if count[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", count[st], st))
		}
	}
	line := fmt.Sprintf("%d instances in %s (%s); %d may be stopped and started", len(s.views), s.cfg.Target.Region,
		strings.Join(parts, ", "), allowed)
	switch {
	case s.secondRefused != "":
		line += "; a second account is configured, but the target refused its credentials"
	case s.target.HasSecondAccount():
		line += "; a second account is configured"
	}
	return line
}

// runUnit carries out one check (or one shard of the state machine) and
// resets what it moved.
func (s *runState) runUnit(ctx context.Context, u unit) report.Check {
	c := u.check
	if u.shards > 1 {
		s.startShard(c)
	} else {
		s.cfg.Progress.Start(c.ID, c.Title)
	}
	start := time.Now()
	before := s.log.Len()
	res := report.Check{ID: c.ID, Title: c.Title, Spec: c.Clause, Severity: string(c.Severity)}
	x := s.newCtx(ctx, c)
	x.shard, x.shards = u.shard, max(u.shards, 1)
	var err error
	if reason := s.lacks(c.Needs); reason != "" {
		err = &skipped{reason: reason}
	} else if st := s.stuckOp(); st != nil && c.Needs.Running+c.Needs.Stopped > 0 {
		err = &skipped{reason: "not run: it needs instances to change state, and " + st.cause()}
	} else {
		err = s.protect(c, x)
	}
	// The counterexample is the check's own exchanges; the reset's join it
	// only when the reset is what failed.
	own := len(x.steps)
	if rerr := s.reset(x); rerr != nil && err == nil {
		err, own = rerr, len(x.steps)
	}
	var f *failure
	var sk *skipped
	switch {
	case err == nil:
		res.Status, res.Reason = report.Pass, x.passNote
	case errors.As(err, &sk):
		res.Status, res.Reason = report.Skip, sk.reason
	case errors.As(err, &f):
		res.Status, res.Reason = report.Fail, f.reason
		res.Counterexample = x.transcript(f, own)
		res.Replay = s.cfg.Replay(f.seed(s.seed), c.ID)
		if u.shards > 1 {
			// The run's seed and the shard: rapid's failing seed is
			// the shard's own stream's, which --shard derives again.
			res.Replay = s.cfg.Replay(s.seed, c.ID) + fmt.Sprintf(" --shard %d", u.shard+1)
		}
	case ctx.Err() != nil:
		// Cut short by the run's end, not broken.
		res.Status, res.Reason = report.Skip, "not run to the end: "+stopCause(ctx)
	default:
		res.Status, res.Reason = report.Error, err.Error()
		res.Counterexample = x.transcript(nil, own)
	}
	res.Duration = time.Since(start)
	res.Requests = s.requestsOf(c.ID, before)
	if u.shards <= 1 {
		s.cfg.Progress.Done(res) // a shard's is told by runLanes, with the others'
	}
	return res
}

// requestsOf counts the exchanges check id sent on this lane from
// position before of the run's transcript on (other lanes send meanwhile,
// the state machine's other shards among them).
func (s *runState) requestsOf(id string, before int) int {
	n := 0
	for _, x := range s.log.Since(before) {
		if x.Check == id && x.Lane == s.name() {
			n++
		}
	}
	return n
}

// notRun is the result of a check the run did not start.
func notRun(c *Check, why string) report.Check {
	return report.Check{ID: c.ID, Title: c.Title, Spec: c.Clause, Severity: string(c.Severity),
		Status: report.Skip, Reason: "not run: " + why}
}

// protect runs a check, turning a panic into an error: a broken check
// must not take the run down, nor pass.
func (s *runState) protect(c *Check, x *Ctx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the check panicked: %v", p)
		}
	}()
	return c.Run(x)
}

// lacks says what of its needs the target does not offer, or "".
func (s *runState) lacks(n Needs) string {
	if n.SecondAccount && !s.target.HasSecondAccount() {
		return "needs a second account: set TENCENTCLOUD_SECRET_ID_2 and TENCENTCLOUD_SECRET_KEY_2"
	}
	if n.SecondAccount && s.secondRefused != "" {
		return s.secondRefused
	}
	if n.Running+n.Stopped > 0 {
		running := len(s.allowedIn(model.Running))
		stopped := len(s.allowedIn(model.Stopped))
		if have := running + min(stopped, n.Stopped); have < n.Running+n.Stopped {
			return fmt.Sprintf("needs %s allow-listed instances; the fleet offers %d RUNNING and %d STOPPED (see --instances)",
				n, running, stopped)
		}
	}
	if n.Kind != nil {
		have := 0
		for _, id := range s.allowedIn(model.Running) {
			if ps := s.obs.Possible(id); len(ps) > 0 && n.Kind.Is(ps[0]) {
				have++
			}
		}
		if have < n.Running {
			return fmt.Sprintf("needs %d allow-listed RUNNING %s; %d are available", n.Running, n.Kind.What, have)
		}
	}
	for _, st := range n.States {
		if len(s.discoveredIn(st)) == 0 {
			return fmt.Sprintf("no %s instance was discovered, and the suite cannot create one", st)
		}
	}
	return ""
}

// discoveredIn lists the caller's instances that may be in state st as far
// as the model knows, sorted: for a state the suite cannot create, it is
// enough that the instance may still be in it.
func (s *runState) discoveredIn(st model.InstanceState) []string {
	var ids []string
	for _, id := range s.obs.IDs() {
		ps := s.obs.Possible(id)
		if len(ps) > 0 && ps[0].Owner == runner.AccountMain && ps[0].Region() == s.cfg.Target.Region && anyIn(ps, st) {
			ids = append(ids, id)
		}
	}
	return ids
}

// allowedIn lists the allow-listed instances settled in state st.
func (s *runState) allowedIn(st model.InstanceState) []string {
	var ids []string
	for _, id := range s.discoveredIn(st) {
		// A restricted instance may refuse every stop and start (ledger
		// L-28): the suite never picks one to change state.
		if s.target.Allowed(id) && s.obs.Settled(id) && allIn(s.obs.Possible(id), st) && !slices.ContainsFunc(s.obs.Possible(id), model.Restricted) {
			ids = append(ids, id)
		}
	}
	return ids
}

func anyIn(ps []model.Instance, st model.InstanceState) bool {
	for _, p := range ps {
		if p.State == st {
			return true
		}
	}
	return false
}

func allIn(ps []model.Instance, st model.InstanceState) bool {
	for _, p := range ps {
		if p.State != st {
			return false
		}
	}
	return true
}

// reset settles the instances the check moved, starts again those that
// were RUNNING when discovered and stops again those that were STOPPED, so
// that every check, and every sequence of the state machine, starts from
// the fleet as it was found (DESIGN: each sequence starts from a reset
// fleet).
func (s *runState) reset(x *Ctx) error {
	if len(x.touched) == 0 {
		return nil
	}
	ids := make([]string, 0, len(x.touched))
	for id := range x.touched {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if err := x.Settle(ids...); err != nil {
		return err
	}
	// A start may fail back to STOPPED (ledger L-24: after a STOP_CHARGING
	// stop the CPU and memory may be gone), so the reset tries again, a
	// few rounds at most; an instance it cannot bring back is left as it
	// is, and later checks find one fewer.
	for round := 0; round < resetRounds; round++ {
		var restart, restop []string
		for _, id := range ids {
			switch ps := s.obs.Possible(id); {
			case s.views[id].State == model.Running && allIn(ps, model.Stopped):
				restart = append(restart, id)
			case s.views[id].State == model.Stopped && allIn(ps, model.Running):
				restop = append(restop, id)
			}
		}
		if len(restart)+len(restop) == 0 {
			break
		}
		clear(x.touched)
		for _, todo := range []struct {
			ids  []string
			send func([]string) runner.Send
		}{
			{restart, func(b []string) runner.Send { return startCall(b...) }},
			{restop, func(b []string) runner.Send { return stopCall(b, "StopType", model.Str("HARD")) }},
		} {
			for ids := todo.ids; len(ids) > 0; ids = ids[min(len(ids), model.MaxBatch):] {
				batch := ids[:min(len(ids), model.MaxBatch)]
				if err := x.Expect(todo.send(batch)); err != nil {
					return err
				}
				if err := x.Settle(batch...); err != nil {
					return err
				}
			}
		}
	}
	clear(x.touched)
	return nil
}

// resetRounds is how many times the reset starts (or stops) an instance
// that did not return to its discovered state.
const resetRounds = 3

// checkRand returns the check's own random source, derived from the run's
// seed and its ID, so that one check replays the same with --only.
func checkRand(seed uint64, id string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(id))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// pick returns n of ids chosen by r, in a stable order.
func pick(r *rand.Rand, ids []string, n int) []string {
	ids = slices.Clone(ids)
	r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	ids = ids[:min(n, len(ids))]
	return ids
}
