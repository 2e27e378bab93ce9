package conformance

import (
	"flag"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// The stateful property: rapid draws sequences of requests — valid stops,
// stops of a mix of states, stops breaking one rule, starts, describes and
// settles — and the model's observer judges every answer and observation.
// Each sequence starts from the fleet as it was discovered. On a failure
// rapid replays and shrinks the sequence; the report shows the shortest
// failing sequence it saw. The failure is "reproduced" when any sequence
// after the first failing one failed too — rapid's replay of it, or one
// of its shrinking attempts — even if it failed another way (rapid then
// calls the test flaky, and stops shrinking); it is "not reproduced",
// with the original sequence, only when every later sequence passed.

// propertyID is the state machine's check, which the scheduler splits
// into shards.
const propertyID = "SI-PROP-01"

func propertyChecks() []*Check {
	return []*Check{
		{ID: propertyID, Title: "Random sequences of stops, starts and describes follow the model",
			Clause: "seed §1, §2, §6; facts §7–§9; DESIGN \"The model\"", Severity: MUST, Needs: Needs{Running: 1},
			Sharded: true, Run: stateMachine},
	}
}

// sequenceRun is what one execution of the property left behind.
type sequenceRun struct {
	steps  []string
	failed bool
	sends  int // the requests the sequence drew (settling and retries aside)
}

// rapidMu guards rapid's settings, which are process-wide flags, while
// several state machines run at once (the shards of a run, the suites of
// a self-test). rapid reads the seed and the number of checks when a
// check starts, before it calls the property the first time; so a state
// machine holds rapidMu from setting them until its property first runs.
// The mean length of a sequence, which rapid reads throughout, is the same
// for every state machine of a process, and is written only when it
// changes.
var rapidMu sync.Mutex

// shardSeed is the rapid seed of shard i of a run with seed seed: the
// run's own for the first shard, so that a failing sequence's seed
// replays on one lane.
func shardSeed(seed uint64, i int) uint64 {
	if i == 0 {
		return seed
	}
	return checkRand(seed, fmt.Sprintf("%s/shard-%d", propertyID, i)).Uint64()>>1 | 1
}

// stateMachine is SI-PROP-01: this lane's shard of the random sequences,
// driven by rapid (rapidDriver), each request in a style the target serves.
func stateMachine(c *Ctx) error {
	styles, notDrawn, err := servedStyles(c)
	if err != nil {
		return err
	}
	defer func() {
		for _, n := range notDrawn {
			c.Note("%s", n)
		}
	}()
	return (&rapidDriver{c: c, styles: styles}).run()
}

// rapidDriver runs one shard of the state machine with rapid, outside `go
// test`: rapid.Check calls property once a sequence (its search, its
// replays of a failure, and its shrinking attempts), and the driver keeps
// what the sequences left behind, which verdict turns into the check's
// result.
//
// rapid reads its settings from process-wide flags (configureRapid), so a
// driver holds rapidMu from setting them until its property first runs;
// and rapid can be stopped only by ending the goroutine it runs in, which
// is why property ends with runtime.Goexit when another shard has failed.
type rapidDriver struct {
	c      *Ctx
	styles []namedStyle
	unlock func() // releases rapidMu, once

	mu          sync.Mutex // the fields below: property runs in rapid's goroutine
	first, last *sequenceRun
	shortest    *sequenceRun
	harness     error // the suite's own failure, not the target's
	sequences   int
	failures    int       // sequences that failed: the first, and its replays
	notRun      *stuckOp  // why a sequence was not run, if one was not
	overtaken   string    // the shard that failed first, when this one stopped for it
	shrinkUntil time.Time // when shrinking must end: shrinkTime after the first failure
}

// run runs rapid over the shard's sequences and returns the check's
// result.
func (d *rapidDriver) run() error {
	c := d.c
	rapidMu.Lock()
	var release sync.Once
	d.unlock = func() { release.Do(rapidMu.Unlock) }
	defer d.unlock()
	configureRapid(shardSequences(c.run.cfg.Sequences, c.shard, c.shards), c.run.cfg.Steps, shardSeed(c.run.seed, c.shard))
	tb := &rapidTB{name: c.check.ID}
	done := make(chan struct{})
	go func() {
		defer close(done)
		rapid.Check(tb, d.property)
	}()
	<-done
	c.steps = nil
	return d.verdict(tb)
}

// property is one sequence: the fleet reset, then rapid's random actions
// until it stops drawing them or one fails.
func (d *rapidDriver) property(t *rapid.T) {
	d.unlock()
	c := d.c
	if why := d.whyNotRun(); why != "" {
		t.Skip(why)
	}
	if err := c.run.reset(c); err != nil {
		d.setHarness(fmt.Errorf("resetting the fleet before a sequence: %w", err))
		t.Fatalf("harness: %v", err)
	}
	c.steps, c.told = nil, map[string]bool{}
	run := &sequenceRun{}
	defer func() {
		run.steps = slices.Clone(c.steps)
		d.record(run)
	}()
	m := &machine{c: c, t: t, run: run, harness: d.setHarness, styles: d.styles}
	t.Repeat(map[string]func(*rapid.T){
		"stopValid":      m.stopValid,
		"stopMixed":      m.stopMixed,
		"stopInvalid":    m.stopInvalid,
		"start":          m.start,
		"describeIds":    m.describeIDs,
		"describeFilter": m.describeFilter,
		"describePage":   m.describePage,
		"settle":         m.settle,
	})
}

// whyNotRun says why the next sequence is not to be run, or "". When
// another shard has failed first, its counterexample is the check's, and
// this shard stops searching or shrinking: it ends rapid's goroutine.
func (d *rapidDriver) whyNotRun() string {
	c := d.c
	if c.shards > 1 {
		if first, ok := c.run.shardFailedFirst(c.check.ID); ok && first.shard != c.shard {
			d.mu.Lock()
			d.overtaken = fmt.Sprintf("the shard on lane %s", first.lane)
			d.mu.Unlock()
			runtime.Goexit()
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if st := c.run.stuckOp(); st != nil {
		// An operation was shown stuck, by this check or another: no
		// sequence (nor replay) could settle, so none is tried (rapid
		// keeps the failure it has).
		d.notRun = st
		return "not run: " + st.cause()
	}
	if !d.shrinkUntil.IsZero() && time.Now().After(d.shrinkUntil) {
		// rapid checks its own shrink deadline only between passes, and
		// one pass may replay the sequence a hundred times, each paced
		// against the target: past the budget every attempt is refused
		// unsent, so the pass ends at once.
		return "the time to shrink is spent"
	}
	return ""
}

// record keeps what a sequence left behind, and starts (or shortens) the
// time to shrink when it failed.
func (d *rapidDriver) record(run *sequenceRun) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.sequences++
	d.last = run
	if !run.failed {
		return
	}
	d.failures++
	if d.first == nil {
		d.first = run
		d.shrinkUntil = time.Now().Add(shrinkTime)
		d.c.run.cfg.Progress.Note("%s: a sequence of %d step(s) failed; shrinking it, for %s at most", d.c.check.ID, len(run.steps), shrinkTime)
	}
	if d.shortest == nil || len(run.steps) < len(d.shortest.steps) {
		d.shortest = run
	}
	if run.sends <= 1 {
		// No sequence is shorter than one request: what is left to
		// shrink is its values, which takes rapid a few replays, not
		// the whole budget.
		d.shrinkUntil = minTime(d.shrinkUntil, time.Now().Add(shrinkOneRequest))
	}
}

func (d *rapidDriver) setHarness(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.harness == nil {
		d.harness = err
	}
}

// verdict is the check's result once rapid has ended: the harness's own
// error, a skip when the shard could not run to its end, a pass, or the
// failure with the counterexample judgeSequences chooses.
func (d *rapidDriver) verdict(tb *rapidTB) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.c
	switch {
	case d.harness != nil:
		return d.harness
	case d.overtaken != "":
		return &skipped{reason: "not run to the end: " + d.overtaken + " failed first, and its counterexample is the check's"}
	case !tb.failed && d.notRun != nil:
		return &skipped{reason: "not run to the end: its sequences need instances to change state, and " + d.notRun.cause()}
	case !tb.failed:
		c.Note("%d sequences passed", d.sequences)
		return nil
	}
	v := judgeSequences(tb.message(), d.sequences, d.failures, d.first, d.last, d.shortest)
	if v.chosen != nil {
		c.steps = v.chosen.steps
		c.Note("%s", v.note)
	}
	return v.failure
}

// sequenceVerdict is what a failing state machine reports.
type sequenceVerdict struct {
	failure *failure
	chosen  *sequenceRun // the counterexample; nil when none was kept
	note    string       // the line above the replay command
}

// judgeSequences turns what rapid left behind (its message and the
// sequences the property saw) into the check's failure. The failure is
// reproduced when a sequence after the first failing one failed too,
// whatever rapid says (it calls a replay that fails another way
// "flaky"); the counterexample is then the one rapid ended on (its
// shrunk sequence) if that failed, else the shortest failing one. Not
// reproduced, it is the first failing sequence.
func judgeSequences(msg string, sequences, failures int, first, last, shortest *sequenceRun) sequenceVerdict {
	v := sequenceVerdict{failure: &failure{rapidSd: failingSeed(msg)}, chosen: shortest}
	reproduced := failures > 1
	switch {
	case !reproduced:
		v.chosen = first
		v.failure.reason = "a sequence failed, but passed when it was replayed (not reproduced): " + firstFailure(first)
	default:
		if last != nil && last.failed {
			v.chosen = last
		}
		v.failure.reason = firstFailure(v.chosen)
	}
	switch {
	case v.chosen == nil:
		v.failure.reason = "rapid reported a failure: " + msg
	case reproduced:
		v.note = fmt.Sprintf("reproduced: %d of the %d sequences rapid ran failed, replays and shrinking included; this is the one it ended on (%d step(s)); replay it with the command below", failures, sequences, len(v.chosen.steps))
	default:
		v.note = fmt.Sprintf("not reproduced: the failing sequence (%d step(s)) passed when rapid replayed it; replay it with the command below", len(v.chosen.steps))
	}
	return v
}

// firstFailure is the ✗ line of a sequence's transcript.
func firstFailure(r *sequenceRun) string {
	if r == nil {
		return "(no transcript)"
	}
	for _, s := range r.steps {
		if i := strings.Index(s, "✗ "); i >= 0 {
			return strings.TrimSpace(s[i+len("✗ "):])
		}
	}
	return "the sequence failed"
}

var rapidSeed = regexp.MustCompile(`-rapid\.seed=(\d+)`)

func failingSeed(msg string) uint64 {
	m := rapidSeed.FindStringSubmatch(msg)
	if m == nil {
		return 0
	}
	n, _ := strconv.ParseUint(m[1], 10, 64)
	return n
}

// shrinkTime is how long rapid may spend shrinking a failing sequence:
// every attempt replays it against the target, paced. It is one setting
// for the process (rapid reads it when it starts to shrink, from a
// process-wide flag), so it is changed only before any state machine runs.
var shrinkTime = 20 * time.Second

// shrinkOneRequest is the time left to shrink once a failing sequence of
// one request is found.
const shrinkOneRequest = 2 * time.Second

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// configureRapid sets rapid's flags for this run: rapid reads its settings
// only from its command-line flags (with RAPID_* environment defaults), so
// the suite sets them, as a command line would. Outside `go test` the
// testing flags rapid consults must exist and be parsed first.
func configureRapid(checks, steps int, seed uint64) {
	testing.Init()
	if !flag.Parsed() {
		_ = flag.CommandLine.Parse(nil)
	}
	if testing.Short() {
		// Under `go test -short` rapid runs a fifth of its checks, and
		// sequences of half the mean length; the suite runs the
		// sequences it was asked for, as long as it was asked (a test
		// that wants fewer or shorter ones under -short asks for them).
		checks *= 5
		steps *= 2
	}
	for name, value := range map[string]string{
		"rapid.checks":     strconv.Itoa(checks),
		"rapid.steps":      strconv.Itoa(steps),
		"rapid.seed":       strconv.FormatUint(seed, 10),
		"rapid.nofailfile": "true",
		"rapid.shrinktime": shrinkTime.String(),
	} {
		if f := flag.Lookup(name); f != nil && f.Value.String() == value {
			continue // unchanged: no write while other state machines read it
		}
		if err := flag.Set(name, value); err != nil {
			panic(fmt.Sprintf("conformance: rapid flag %s: %v", name, err)) // rapid renamed a flag: caught by the tests
		}
	}
}

// rapidTB receives rapid's verdict outside `go test`. FailNow ends the
// goroutine that rapid.Check runs in, as testing.T does.
type rapidTB struct {
	mu     sync.Mutex
	name   string
	failed bool
	errs   []string
}

func (t *rapidTB) Helper()                   {}
func (t *rapidTB) Name() string              { return t.name }
func (t *rapidTB) Logf(string, ...any)       {}
func (t *rapidTB) Log(...any)                {}
func (t *rapidTB) Skipf(string, ...any)      { runtime.Goexit() }
func (t *rapidTB) Skip(...any)               { runtime.Goexit() }
func (t *rapidTB) SkipNow()                  { runtime.Goexit() }
func (t *rapidTB) Error(args ...any)         { t.Errorf("%s", fmt.Sprint(args...)) }
func (t *rapidTB) Fatal(args ...any)         { t.Error(args...); t.FailNow() }
func (t *rapidTB) Fatalf(f string, a ...any) { t.Errorf(f, a...); t.FailNow() }
func (t *rapidTB) FailNow()                  { t.Fail(); runtime.Goexit() }
func (t *rapidTB) Fail() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failed = true
}
func (t *rapidTB) Failed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.failed
}
func (t *rapidTB) Errorf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failed = true
	t.errs = append(t.errs, fmt.Sprintf(format, args...))
}

func (t *rapidTB) message() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.errs, "\n")
}

// machine is one sequence's actions over the observer's knowledge.
type machine struct {
	c       *Ctx
	t       *rapid.T
	run     *sequenceRun
	harness func(error) // records an error of the harness: not the target's failure
	styles  []namedStyle
}

// namedStyle is a request style as a sequence draws it.
type namedStyle struct {
	name string
	sign runner.Signing
}

// requestStyles are the request styles of facts §1 (A: TC3 JSON, B: TC3
// GET, C: v1 GET, D: v1 form POST), v1 with each HMAC. The first is the
// one a shrunk sequence falls back to.
var requestStyles = []namedStyle{
	{"TC3-JSON", runner.SignTC3},
	{"TC3-GET", runner.Signing{Style: tcapi.StyleTC3Get}},
	{"HmacSHA256-GET", runner.SignHmacSHA256},
	{"HmacSHA256-POST", runner.Signing{Style: tcapi.StyleV1PostForm, V1Method: tcapi.HmacSHA256}},
	{"HmacSHA1-GET", runner.Signing{Style: tcapi.StyleV1Get, V1Method: tcapi.HmacSHA1}},
	{"HmacSHA1-POST", runner.SignHmacSHA1},
}

// servedStyles returns the request styles the target serves: those in
// which a valid DescribeInstances succeeds. Every rule the sequences
// exercise holds in every style (facts §1), so each request draws one;
// a style the target refuses is not drawn, and notDrawn says so for the
// transcript (SI-PROTO-10..12 and SI-AUTH-08..12 judge the refusal).
func servedStyles(c *Ctx) (served []namedStyle, notDrawn []string, err error) {
	for _, st := range requestStyles {
		s := describeWith(func(*tcapi.Call) {})
		s.Call.Style, s.Call.V1Method = st.sign.Style, st.sign.V1Method
		x, f, err := c.Send(s)
		switch {
		case err != nil:
			return nil, nil, err
		case f != nil || x.Outcome.Unknown || x.Outcome.Code != "":
			notDrawn = append(notDrawn, fmt.Sprintf("style not drawn: %s, which the target does not serve (%s)", st.name, x.Answer()))
		default:
			served = append(served, st)
		}
	}
	return served, notDrawn, nil
}

// do sends one request and fails the sequence on a finding. A request
// that does not fix its style draws one of the styles the target serves.
func (m *machine) do(s runner.Send) {
	if !s.ExactStyle && len(m.styles) > 0 {
		names := make([]string, len(m.styles))
		for i, st := range m.styles {
			names[i] = st.name
		}
		i := slices.Index(names, rapid.SampledFrom(names).Draw(m.t, "style"))
		s.Call.Style, s.Call.V1Method, s.ExactStyle = m.styles[i].sign.Style, m.styles[i].sign.V1Method, true
	}
	m.run.sends++
	_, f, err := m.c.Send(s)
	if err != nil {
		m.harness(err)
		m.t.Fatalf("harness: %v", err)
	}
	if f != nil {
		m.fail()
		m.t.Fatalf("%s", stableText(f))
	}
}

// fail marks the sequence failed, and claims the check's failure for this
// shard unless another shard claimed it first.
func (m *machine) fail() {
	m.run.failed = true
	if m.c.shards > 1 {
		m.c.run.markShardFailed(m.c.check.ID, m.c.shard, m.c.run.name())
	}
}

// stableText names a finding without what changes from one replay to the
// next (RequestIds, times): rapid accepts a shrunk sequence only if it
// fails with the same error, so the text must not vary between replays.
func stableText(f *model.Finding) string {
	return f.Rule + " " + f.Instance
}

// unknownIDs draws n well-formed IDs that name no known instance, from
// rapid's data, so that a replay sends the same ones.
func (m *machine) unknownIDs(t *rapid.T, n int) []string {
	gen := rapid.StringMatching(`ins-[a-z0-9]{8}`).Filter(func(id string) bool { return len(m.c.run.obs.Possible(id)) == 0 })
	return rapid.SliceOfNDistinct(gen, n, n, rapid.ID[string]).Draw(t, "unknownIds")
}

// settled lists the allow-listed instances settled in state st, sorted.
func (m *machine) settled(st model.InstanceState) []string { return m.c.run.allowedIn(st) }

func (m *machine) known() []string {
	var ids []string
	for _, id := range m.c.run.obs.IDs() {
		if m.c.run.target.Allowed(id) {
			ids = append(ids, id)
		}
	}
	return ids
}

func (m *machine) stopValid(t *rapid.T) {
	running := m.settled(model.Running)
	if len(running) == 0 {
		t.Skip("no RUNNING instance")
	}
	n := rapid.OneOf(rapid.IntRange(1, min(3, len(running))), rapid.IntRange(1, min(len(running), model.MaxBatch))).Draw(t, "batchSize")
	ids := rapid.SliceOfNDistinct(rapid.SampledFrom(running), n, n, rapid.ID[string]).Draw(t, "instanceIds")
	var extra []any
	switch rapid.IntRange(0, 2).Draw(t, "forceStyle") {
	case 1:
		if st := rapid.SampledFrom([]string{"SOFT", "HARD", "SOFT_FIRST"}).Draw(t, "stopType"); true {
			extra = append(extra, "StopType", model.Str(st))
		}
	case 2:
		extra = append(extra, "ForceStop", model.Bool(rapid.Bool().Draw(t, "forceStop")))
	}
	if mode := rapid.SampledFrom([]string{"", "KEEP_CHARGING", "STOP_CHARGING"}).Draw(t, "stoppedMode"); mode != "" {
		extra = append(extra, "StoppedMode", model.Str(mode))
	}
	m.do(stopCall(ids, extra...))
}

// stopMixed stops RUNNING instances together with at least one that is
// not RUNNING (a STOPPED one, one in flight, one in a state the suite
// cannot create), one under a restriction (ledger L-28), or an unknown ID.
func (m *machine) stopMixed(t *rapid.T) {
	var others []string
	for _, id := range m.known() {
		if ps := m.c.run.obs.Possible(id); !allIn(ps, model.Running) || slices.ContainsFunc(ps, model.Restricted) {
			others = append(others, id)
		}
	}
	running := m.settled(model.Running)
	var ids []string
	if len(running) > 0 {
		ids = rapid.SliceOfNDistinct(rapid.SampledFrom(running), 0, min(3, len(running)), rapid.ID[string]).Draw(t, "runningIds")
	}
	if len(others) > 0 && rapid.IntRange(0, 3).Draw(t, "otherKind") > 0 {
		ids = append(ids, rapid.SliceOfNDistinct(rapid.SampledFrom(others), 1, min(2, len(others)), rapid.ID[string]).Draw(t, "otherIds")...)
	} else {
		ids = append(ids, m.unknownIDs(t, 1)...)
	}
	m.do(stopCall(ids, "StopType", model.Str(rapid.SampledFrom([]string{"SOFT", "HARD"}).Draw(t, "stopType"))))
}

// stopInvalid breaks one rule from the grammar of violations, on RUNNING
// instances the request would otherwise stop.
func (m *machine) stopInvalid(t *rapid.T) {
	running := m.settled(model.Running)
	if len(running) == 0 {
		t.Skip("no RUNNING instance")
	}
	ids := rapid.SliceOfNDistinct(rapid.SampledFrom(running), 1, min(2, len(running)), rapid.ID[string]).Draw(t, "instanceIds")
	s := stopCall(ids)
	v := rapid.SampledFrom([]string{"missing", "empty", "tooMany", "malformed", "unknown", "idsNotArray",
		"forceStopType", "stopTypeType", "badStopType", "badStoppedMode", "forceWithStopType", "unknownParam"}).Draw(t, "violation")
	switch v {
	case "missing":
		s.Call.Params = nil
	case "empty":
		s.Call.Params[0].Value = model.Strs()
	case "tooMany":
		s.Call.Params[0].Value = model.Strs(m.unknownIDs(t, model.MaxBatch+1)...)
	case "malformed":
		s.Call.Params[0].Value = model.Strs(append(ids, rapid.SampledFrom([]string{"ins-1122", "", "ins-ABCDEFGH", "i-12345678"}).Draw(t, "malformedID"))...)
	case "unknown":
		s.Call.Params[0].Value = model.Strs(append(ids, m.unknownIDs(t, 1)...)...)
	case "idsNotArray":
		s.Call.Params[0].Value = model.Str(ids[0])
	case "forceStopType":
		s.Call.Params = append(s.Call.Params, tcapi.Param{Name: "ForceStop", Value: model.Str("yes")})
	case "stopTypeType":
		s.Call.Params = append(s.Call.Params, tcapi.Param{Name: "StopType", Value: model.Num(1)})
	case "badStopType":
		s.Call.Params = append(s.Call.Params, tcapi.Param{Name: "StopType", Value: model.Str("GENTLE")})
	case "badStoppedMode":
		s.Call.Params = append(s.Call.Params, tcapi.Param{Name: "StoppedMode", Value: model.Str("HALF_CHARGING")})
	case "forceWithStopType":
		s.Call.Params = append(s.Call.Params, tcapi.Param{Name: "ForceStop", Value: model.Bool(true)},
			tcapi.Param{Name: "StopType", Value: model.Str("HARD")})
	case "unknownParam":
		s.Call.Params = append(s.Call.Params, tcapi.Param{Name: "Frobnicate", Value: model.Bool(true)})
	}
	switch v {
	case "idsNotArray", "forceStopType", "stopTypeType":
		// A JSON type is a violation only JSON can carry: a form sends
		// every value as text.
		s = jsonOnly(s)
	}
	m.do(s)
}

func (m *machine) start(t *rapid.T) {
	stopped := m.settled(model.Stopped)
	known := m.known()
	if len(stopped) == 0 && len(known) == 0 {
		t.Skip("no allow-listed instance")
	}
	pool := stopped
	if len(pool) == 0 || rapid.IntRange(0, 4).Draw(t, "startAny") == 0 {
		pool = known
	}
	ids := rapid.SliceOfNDistinct(rapid.SampledFrom(pool), 1, min(4, len(pool)), rapid.ID[string]).Draw(t, "instanceIds")
	m.do(startCall(ids...))
}

func (m *machine) describeIDs(t *rapid.T) {
	known := m.c.run.obs.IDs()
	ids := rapid.SliceOfNDistinct(rapid.SampledFrom(known), 1, min(10, len(known)), rapid.ID[string]).Draw(t, "instanceIds")
	m.describe(tcapi.Param{Name: "InstanceIds", Value: model.Strs(ids...)})
}

func (m *machine) describeFilter(t *rapid.T) {
	st := rapid.SampledFrom([]string{"RUNNING", "STOPPED", "STOPPING", "STARTING"}).Draw(t, "stateFilter")
	m.describe(tcapi.Param{Name: "Filters", Value: model.Arr(model.Obj(map[string]model.Value{
		"Name": model.Str("instance-state"), "Values": model.Strs(st)}))}, tcapi.Param{Name: "Limit", Value: model.Num(100)})
}

func (m *machine) describePage(t *rapid.T) {
	m.describe(tcapi.Param{Name: "Offset", Value: model.Num(rapid.IntRange(0, 140).Draw(t, "offset"))},
		tcapi.Param{Name: "Limit", Value: model.Num(rapid.IntRange(1, 100).Draw(t, "limit"))})
}

func (m *machine) describe(params ...tcapi.Param) {
	m.do(runner.Send{Call: tcapi.Call{Action: model.ActionDescribe, Params: params}})
}

func (m *machine) settle(t *rapid.T) {
	var ids []string
	for id := range m.c.touched {
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		t.Skip("nothing in flight")
	}
	slices.Sort(ids)
	if err := m.c.Settle(ids...); err != nil {
		if isFailure(err) {
			m.fail()
			m.c.steps = append(m.c.steps, "    ✗ "+err.Error())
			t.Fatalf("settle: %s", strings.SplitN(err.Error(), ":", 2)[0])
		}
		m.harness(err)
		t.Fatalf("harness: %v", err)
	}
}
