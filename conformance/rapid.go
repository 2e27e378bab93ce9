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
)

// This file holds the driver of the state machine SI-PROP-01
// (rapidDriver): it runs rapid outside `go test` over one shard's
// sequences, keeps what each sequence left behind, and turns that into
// the check's result. On a failure rapid replays and shrinks the
// sequence; the report shows the shortest failing sequence it saw. The
// failure is "reproduced" when any sequence after the first failing one
// failed too — rapid's replay of it, or one of its shrinking attempts —
// even if it failed another way (rapid then calls the test flaky, and
// stops shrinking); it is "not reproduced", with the original sequence,
// only when every later sequence passed.

// sequenceRun is what one execution of the property left behind.
type sequenceRun struct {
	steps  []step
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
	configureRapid(c.sequences, c.run.cfg.steps, shardSeed(c.run.cfg.seed, c.shard))
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
		d.c.run.cfg.progress.Note("%s: a sequence of %d step(s) failed; shrinking it, for %s at most", d.c.check.ID, len(run.steps), shrinkTime)
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
		if i := strings.Index(s.text, "✗ "); i >= 0 {
			return strings.TrimSpace(s.text[i+len("✗ "):])
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
