package conformance

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/report"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Ctx is what a check works with: it sends requests through the target,
// has the model judge every answer and observation, hands out instances
// the check may use, and keeps the check's transcript for a
// counterexample. A Ctx belongs to one check and one goroutine, except
// where a method says otherwise.
type Ctx struct {
	context.Context
	run     *runState
	check   *Check
	Rand    *rand.Rand
	steps   []step
	touched map[string]bool
	used    map[string]bool
	// told is the findings' rules and clauses the transcript has given
	// in full (see findingLine).
	told map[string]bool
	// shard and shards: which part of the state machine's sequences this
	// check runs (0 of 1 for every other check), and sequences how many
	// of them that part holds (as the plan split them).
	shard, shards, sequences int
	// artifacts are the files the check wrote for its failure to refer
	// to (report.Check.Artifacts).
	artifacts []string
	// passNote is what a passing check says it rests on (see passf).
	passNote string
	// parts divide steps into the independent trials a check is made of,
	// if it is (see Part).
	parts []part
}

// part is a stretch of a check's transcript that stands on its own: one
// of the independent trials a check is made of (a hostile case).
type part struct {
	from int // its first step
	name string
	// failed: the part failed at step until; what follows it in the part
	// is after, e.g. "to put the instance back".
	failed bool
	until  int
	after  string
}

func (s *runState) newCtx(ctx context.Context, c *Check) *Ctx {
	return &Ctx{Context: ctx, run: s, check: c, Rand: checkRand(s.cfg.seed, c.ID),
		touched: map[string]bool{}, used: map[string]bool{}, told: map[string]bool{}}
}

// failure is a departure from the specification.
type failure struct {
	reason string
	// summary, when not empty, is shown first in the counterexample: a
	// failure made of several findings lists them there, a short line
	// each.
	summary []string
	// expected and got are the model's finding's, when the failure is
	// one.
	expected, got string
	detail        string
	rapidSd       uint64 // the state machine's failing seed, when it has one
}

func (f *failure) Error() string { return f.reason }

func (f *failure) seed(run uint64) uint64 {
	if f.rapidSd != 0 {
		return f.rapidSd
	}
	return run
}

// skipped is a check the target cannot be checked for.
type skipped struct{ reason string }

func (s *skipped) Error() string { return "skipped: " + s.reason }

func isFailure(err error) bool {
	var f *failure
	return errors.As(err, &f)
}

// Failf fails the check: the target departs from the specification.
func (c *Ctx) Failf(format string, args ...any) error {
	return &failure{reason: fmt.Sprintf(format, args...)}
}

// Fail fails the check with the model's finding.
func (c *Ctx) Fail(f *model.Finding) error {
	return &failure{reason: oneLine(f), detail: f.Detail, expected: f.Expected, got: f.Actual}
}

// passf records, for a check that goes on to pass, one line saying what
// the pass rests on (the numbers behind a timing argument); the report
// shows it as the pass's reason.
func (c *Ctx) passf(format string, args ...any) {
	c.passNote = fmt.Sprintf(format, args...)
}

// Skipf skips the check: the target lacks what it needs.
func (c *Ctx) Skipf(format string, args ...any) error {
	return &skipped{reason: fmt.Sprintf(format, args...)}
}

func oneLine(f *model.Finding) string {
	s := f.Rule + ": "
	if f.Instance != "" {
		s += f.Instance + ": "
	}
	return s + "expected " + f.Expected + "; got " + f.Actual + " [" + f.Clause + "]"
}

// Send sends one request as this check and has the model judge the
// answer (and, for DescribeInstances, every instance it lists). It
// returns the exchange and the first finding, if any; err is not nil when
// the request could not be made at all.
//
// An answer the model does not accept whose code says the request met a
// situation the suite cannot serve (MFA required, an internal failure:
// model.SituationalCodes) is not the target departing from the sources:
// Send returns an error, and the check is reported as not carried out.
//
// A paced request the target rate-limits has had no effect and tested
// nothing: Send lets the limiter's window pass and sends it again, and
// after runner.RateRetries refusals returns an error, so that a check is never
// passed by a target that refuses everything (the SI-RATE checks judge
// the limiter itself).
func (c *Ctx) Send(s runner.Send) (*runner.Exchange, *model.Finding, error) {
	s.Check = c.check.ID
	var (
		x *runner.Exchange
		f *model.Finding
	)
	send := func() (refused bool, err error) {
		if x, err = c.do(s); err != nil {
			if x != nil {
				c.steps = append(c.steps, step{text: renderStep(len(c.steps)+1, x, "", nil, nil), x: x})
			}
			return false, err
		}
		var expect string
		f, expect = c.judge(x)
		c.steps = append(c.steps, step{text: renderStep(len(c.steps)+1, x, expect, f, c.told), x: x, expect: expect, finding: f})
		if when, ok := model.CannotServeCode(x.Call.Action, x.Outcome.Code); ok && f != nil {
			return false, fmt.Errorf("the target answered %s, so the check could not be carried out: %s (ledger L-29)", x.Outcome.Code, when)
		}
		return f == nil && !s.Unpaced && model.IsRateLimited(x.Outcome.Code), nil
	}
	again := func() {
		c.Note("rate-limited although paced (requests spaced under the limit can reach the target closer together); " +
			"a refusal with no effect, which the model accepts: sent again after the limiter's window")
	}
	switch err := c.run.target.Resend(s.Call.Action, send, again); {
	case errors.Is(err, runner.ErrStillRefused):
		return x, nil, fmt.Errorf("%w, so the check could not be carried out", err)
	case err != nil:
		return x, nil, err
	}
	return x, f, nil
}

// do sends one request as the check. An unpaced request spends the
// account's rate budget, which only a check with the account to itself
// may do (Needs.WholeAccount).
func (c *Ctx) do(s runner.Send) (*runner.Exchange, error) {
	if s.Unpaced && !c.check.Needs.WholeAccount {
		return nil, fmt.Errorf("%s sends unpaced requests but does not declare Needs.WholeAccount: it would spend the rate budget of the checks beside it", c.check.ID)
	}
	return c.run.target.Do(c, s)
}

// judge has the lane's judging pipeline judge one exchange, with full
// knowledge of the lane's fleet and at the time it was sent, and returns
// the first finding and what the model expected, for the transcript.
func (c *Ctx) judge(x *runner.Exchange) (*model.Finding, string) {
	in := runner.Judgeable{Request: x.Request, Outcome: x.Outcome, Response: x.Response, Sent: x.Sent,
		Check: c.check.ID, Status: x.Status, Raw: x.RawResponse, Received: x.Received}
	if x.ParseErr != nil {
		in.NotEnvelope = x.Answer()
	}
	r := c.run.judging.Judge(in)
	if r.MayChange {
		for _, id := range r.Judgement.Targets {
			c.touched[id] = true
		}
	}
	expect := r.Expected
	switch {
	case x.ParseErr != nil:
		expect = "a TencentCloud envelope"
	case r.Judgement.Abstain:
		expect = "anything (the model does not model " + x.Call.Action + ")"
	}
	if len(r.Findings) == 0 {
		return nil, expect
	}
	return r.Findings[0].Finding, expect
}

// Expect sends a request and fails the check if the model finds the answer
// (or an observation) unacceptable.
func (c *Ctx) Expect(s runner.Send) error {
	_, err := c.ExpectX(s)
	return err
}

// ExpectX is Expect that also returns the exchange.
func (c *Ctx) ExpectX(s runner.Send) (*runner.Exchange, error) {
	x, f, err := c.Send(s)
	if err != nil {
		return x, err
	}
	if f != nil {
		return x, c.Fail(f)
	}
	return x, nil
}

// Probe sends a request that only establishes a check's precondition. The
// model still judges it (so the observer learns from the answer), but a
// probe never fails a check (DESIGN "Verdicts one can trust"): when the
// answer is an error, or one the model does not accept, the target cannot
// serve the check, and Probe returns a skip saying why; need says what the
// check needed, e.g. "the Finance region at its Finance host".
func (c *Ctx) Probe(s runner.Send, need string) (*runner.Exchange, error) {
	x, f, err := c.Send(s)
	switch {
	case err != nil:
		return x, err
	case f != nil:
		return x, c.Skipf("the check needs %s, and the probe's answer was not usable (%s)", need, oneLine(f))
	case x.Outcome.Unknown:
		return x, c.Skipf("the check needs %s, and the probe got no answer", need)
	case x.Outcome.Code != "":
		return x, c.Skipf("the check needs %s, and the target refused it (%s)", need, x.Outcome.Code)
	}
	return x, nil
}

// Part starts a new part of the check's transcript, named name: the next
// of the independent trials the check is made of (a hostile case). Once
// a part has failed (FailPart), the counterexample shows only the parts
// that failed and counts the others' exchanges, rather than every trial
// that passed on the way.
func (c *Ctx) Part(name string) {
	c.parts = append(c.parts, part{from: len(c.steps), name: name})
}

// FailPart marks the current part as one the counterexample shows, up
// to here; the exchanges the part goes on to send are counted, as done
// after (e.g. "to put the instance back").
func (c *Ctx) FailPart(after string) {
	if n := len(c.parts); n > 0 {
		c.parts[n-1].failed, c.parts[n-1].until, c.parts[n-1].after = true, len(c.steps), after
	}
}

// Note adds a line to the check's transcript.
func (c *Ctx) Note(format string, args ...any) {
	c.steps = append(c.steps, step{text: "    # " + fmt.Sprintf(format, args...)})
}

// Running returns n allow-listed instances settled in RUNNING, not yet used
// by this check; the check is skipped when there are not enough.
func (c *Ctx) Running(n int) ([]string, error) {
	return c.take(model.Running, n)
}

// Stopped returns n allow-listed STOPPED instances, not yet used by this
// check, whose start cannot fail: not stopped with STOP_CHARGING (ledger
// L-24: their CPU and memory may be gone). When the fleet has too few, it
// makes them: it stops RUNNING ones with StopType HARD and waits for
// STOPPED, judging every step.
func (c *Ctx) Stopped(n int) ([]string, error) {
	var have []string
	for _, id := range c.free(c.run.allowedIn(model.Stopped)) {
		if !slices.ContainsFunc(c.run.obs.Possible(id), func(p model.Instance) bool {
			return p.Foreign || p.StopChargingMode == model.StopCharging
		}) {
			have = append(have, id)
		}
	}
	if len(have) >= n {
		ids := pick(c.Rand, have, n)
		c.use(ids)
		return ids, nil
	}
	fresh, err := c.Running(n - len(have))
	if err != nil {
		return nil, err
	}
	c.Note("making %d STOPPED instance(s) by stopping %s with StopType HARD", len(fresh), strings.Join(fresh, ", "))
	if err := c.Expect(stopCall(fresh, "StopType", model.Str("HARD"))); err != nil {
		return nil, err
	}
	if err := c.Settle(fresh...); err != nil {
		return nil, err
	}
	for _, id := range fresh {
		if !allIn(c.run.obs.Possible(id), model.Stopped) {
			return nil, fmt.Errorf("%s did not reach STOPPED after a HARD stop", id)
		}
	}
	c.use(have)
	return append(have, fresh...), nil
}

// InState returns a discovered instance in state st (one the suite
// cannot create), preferring allow-listed ones; skipped when there is
// none. The returned instance is safe to name in a stop or start only if
// allowed reports true.
func (c *Ctx) InState(st model.InstanceState) (id string, allowed bool, err error) {
	ids := c.free(c.run.discoveredIn(st))
	if len(ids) == 0 {
		return "", false, c.Skipf("no %s instance was discovered, and the suite cannot create one", st)
	}
	// Prefer an instance that is certainly in st, then one last seen in
	// it, over one that may merely have moved into it.
	rank := func(id string) int {
		ps := c.run.obs.Possible(id)
		switch {
		case allIn(ps, st):
			return 0
		case ps[0].State == st:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(ids, func(a, b string) int { return rank(a) - rank(b) })
	for _, id := range ids {
		if c.run.target.Allowed(id) {
			c.use([]string{id})
			return id, true, nil
		}
	}
	return ids[0], false, nil
}

// RunningWhere is Running restricted to instances ok accepts; what names
// the kind of instance in a skip reason.
func (c *Ctx) RunningWhere(n int, what string, ok func(model.Instance) bool) ([]string, error) {
	var have []string
	for _, id := range c.free(c.run.allowedIn(model.Running)) {
		if ps := c.run.obs.Possible(id); len(ps) > 0 && ok(ps[0]) {
			have = append(have, id)
		}
	}
	if len(have) < n {
		return nil, c.Skipf("needs %d allow-listed RUNNING %s; %d are available", n, what, len(have))
	}
	ids := pick(c.Rand, have, n)
	c.use(ids)
	return ids, nil
}

func (c *Ctx) take(st model.InstanceState, n int) ([]string, error) {
	have := c.free(c.run.allowedIn(st))
	if len(have) < n {
		return nil, c.Skipf("needs %d allow-listed %s instances; %d are available", n, st, len(have))
	}
	ids := pick(c.Rand, have, n)
	c.use(ids)
	return ids, nil
}

func (c *Ctx) free(ids []string) []string {
	var out []string
	for _, id := range ids {
		if !c.used[id] {
			out = append(out, id)
		}
	}
	return out
}

func (c *Ctx) use(ids []string) {
	for _, id := range ids {
		c.used[id] = true
	}
}

// Settle waits until the instances are stable, judging every observation.
// An instance in flight past the settle bound is the run's stuck
// operation, reported once under stuckCheckID: this check skips, naming
// it (see stuck.go). Once one has been met, Settle does not wait again: it
// skips the check at once.
func (c *Ctx) Settle(ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	before := c.run.log.Len()
	res, err := c.settleWith(c.run.obs, ids)
	polls := c.run.requestsOf(c.check.ID, before)
	if err != nil {
		return err
	}
	var views []string
	for _, id := range ids {
		if ps := c.run.obs.Possible(id); len(ps) > 0 {
			views = append(views, model.ViewOf(ps[0]).String())
		}
	}
	c.Note("settled after %d DescribeInstances: %s", polls, strings.Join(views, "; "))
	if len(res.Findings) > 0 {
		return c.Fail(res.Findings[0])
	}
	return nil
}

// settleWith waits, judging with obs, until the instances are stable. An
// instance still in flight at the bound is recorded as the run's stuck
// operation, which fails stuckCheckID alone: any other check skips; with
// one recorded, it skips at once.
func (c *Ctx) settleWith(obs *model.Observer, ids []string) (runner.Settled, error) {
	if st := c.run.stuckOp(); st != nil {
		return runner.Settled{}, c.Skipf("not waited for: %s", st.cause())
	}
	began := time.Now()
	res, err := c.run.target.Settle(c, c.check.ID, obs, ids, c.run.cfg.settle)
	if err != nil || len(res.Unsettled) == 0 {
		if err == nil {
			c.run.noteEnded(len(ids))
		}
		return res, err
	}
	st := c.run.markStuck(c.check.ID, res, began)
	switch {
	case st.check != c.check.ID:
		// Another lane found it first, while this one was waiting too:
		// the verdict is reported once.
		return res, c.Skipf("%s was in flight past the settle bound too; %s", strings.Join(res.Unsettled, ", "), st.cause())
	case c.check.ID != stuckCheckID:
		return res, c.Skipf("not waited for: %s", st.cause())
	}
	return res, c.Failf("ASYNC: %s %s", st.verdict(), stuckClause)
}

// Observe describes the instances and judges what the target shows.
func (c *Ctx) Observe(ids ...string) error {
	return c.Expect(runner.Send{Call: tcapi.Call{Action: model.ActionDescribe,
		Params: []tcapi.Param{{Name: "InstanceIds", Value: model.Strs(ids...)}}}})
}

// step is one entry of a check's transcript: an exchange as rendered,
// with the exchange itself and the model's word on it (what it expected,
// its finding), for the report's structured exchanges; or a line of
// text alone (a note, a count of exchanges left out), x nil.
type step struct {
	text    string
	x       *runner.Exchange
	expect  string
	finding *model.Finding
}

// transcript renders a counterexample: the failure's summary, the
// check's first n steps as [Ctx.shown] selects them, and the failure's
// detail.
func (c *Ctx) transcript(f *failure, n int) string {
	var b strings.Builder
	if f != nil {
		for _, l := range f.summary {
			b.WriteString(l)
			b.WriteString("\n")
		}
	}
	for _, s := range c.shown(n) {
		b.WriteString(s.text)
		b.WriteString("\n")
	}
	if f != nil && f.detail != "" {
		b.WriteString("model:\n")
		b.WriteString(f.detail)
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// exchanges are the exchanges the counterexample of the check's first n
// steps shows ([Ctx.shown]), structured, for report.Check.Exchanges.
func (c *Ctx) exchanges(n int) []report.Exchange {
	var out []report.Exchange
	for _, s := range c.shown(n) {
		if s.x == nil {
			continue
		}
		finding := ""
		if s.finding != nil {
			finding = oneLine(s.finding)
		}
		out = append(out, s.x.Evidence(s.expect, finding))
	}
	return out
}

// texts are the steps' texts.
func texts(steps []step) []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = s.text
	}
	return out
}

// shown is the check's first n steps as a counterexample shows them: all
// of them, or, when the check is made of parts and some failed, the steps
// before its first part and those of the parts that failed up to their
// failure, each run of passing parts in between counted in one line
// ("… 12 exchanges passed: case a … case d (4 in all)"), and so what a
// failed part sent after its failure ("… 3 exchanges to put the instance
// back").
func (c *Ctx) shown(n int) []step {
	steps := c.steps[:min(n, len(c.steps))]
	if !slices.ContainsFunc(c.parts, func(p part) bool { return p.failed }) {
		return steps
	}
	out := slices.Clone(steps[:min(c.parts[0].from, len(steps))])
	var passed []string
	exchanges := 0
	flush := func() {
		switch {
		case len(passed) == 0:
			return
		case len(passed) <= 2:
			out = append(out, step{text: fmt.Sprintf("    … %s passed: %s", pluralOf(exchanges, "exchange"), strings.Join(passed, ", "))})
		default:
			out = append(out, step{text: fmt.Sprintf("    … %s passed: %s … %s (%d in all)", pluralOf(exchanges, "exchange"), passed[0], passed[len(passed)-1], len(passed))})
		}
		passed, exchanges = nil, 0
	}
	for i, p := range c.parts {
		end := len(steps)
		if i+1 < len(c.parts) {
			end = min(c.parts[i+1].from, len(steps))
		}
		if p.from >= end {
			continue
		}
		if p.failed {
			flush()
			until := min(max(p.until, p.from), end)
			out = append(out, steps[p.from:until]...)
			if n := CountSteps(strings.Join(texts(steps[until:end]), "\n")); n > 0 {
				out = append(out, step{text: fmt.Sprintf("    … %s %s", pluralOf(n, "exchange"), p.after)})
			}
			continue
		}
		passed = append(passed, p.name)
		exchanges += CountSteps(strings.Join(texts(steps[p.from:end]), "\n"))
	}
	flush()
	return out
}

// pluralOf is "1 exchange", "2 exchanges".
func pluralOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// renderStep renders one exchange for a transcript:
//
//  3. > StopInstances {"InstanceIds":["ins-…"]} (TC3JSON, ap-guangzhou)
//     < success (RequestId …, 2ms)
//     model: success
//
// told, when not nil, keeps the findings given in full (findingLine).
func renderStep(n int, x *runner.Exchange, expect string, f *model.Finding, told map[string]bool) string {
	s := fmt.Sprintf("%2d. > %s\n    < %s", n, x.Summary(), x.Answer())
	if expect != "" {
		s += "\n    model: " + expect
	}
	if f != nil {
		s += "\n    ✗ " + findingLine(f, expect, told)
	}
	return s
}

// findingLine is a step's ✗ line: the finding in full (as a failure's
// reason gives it, so that the console can point to the reason above)
// the first time the transcript meets its rule and clause (told); later,
// what was got and "(the clause above)", leaving what was expected to the
// model line above it. A check that meets one rule in many cases says
// its clause once.
func findingLine(f *model.Finding, expect string, told map[string]bool) string {
	key := f.Rule + "\x00" + f.Clause
	if told == nil || !told[key] || expect == "" || !strings.HasPrefix(f.Expected, expect) {
		if told != nil {
			told[key] = true
		}
		return oneLine(f)
	}
	s := f.Rule + ": "
	if f.Instance != "" {
		s += f.Instance + ": "
	}
	return s + "got " + f.Actual + " (the clause above)"
}

// stopCall is a StopInstances of ids, with extra parameters as name, value
// pairs.
func stopCall(ids []string, extra ...any) runner.Send {
	return actionCall(model.ActionStop, ids, extra...)
}

// startCall is a StartInstances of ids.
func startCall(ids ...string) runner.Send { return actionCall(model.ActionStart, ids) }

func actionCall(action string, ids []string, extra ...any) runner.Send {
	params := []tcapi.Param{{Name: "InstanceIds", Value: model.Strs(ids...)}}
	for i := 0; i+1 < len(extra); i += 2 {
		params = append(params, tcapi.Param{Name: extra[i].(string), Value: extra[i+1].(model.Value)})
	}
	return runner.Send{Call: tcapi.Call{Action: action, Params: params}}
}

var stepLine = regexp.MustCompile(`(?m)^\s*\d+\. > `)

// CountSteps counts the requests of a counterexample (or of any part of a
// transcript): its lines "  3. > …".
func CountSteps(counterexample string) int {
	return len(stepLine.FindAllString(counterexample, -1))
}
