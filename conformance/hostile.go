package conformance

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/fixtures/hostile"
	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
)

// Hostile input (issue 12): requests no client should send — broken JSON,
// wrong types, oversized bodies, broken headers and signatures, other
// methods, bodies that end early — from the corpus in fixtures/hostile.
// Whatever a target makes of them, it must answer inside the envelope
// with a RequestId (facts §5), as the model accepts, and change nothing
// when it refuses (ledger L-13). A request the model refuses on every
// reading must be refused; one the ledger lets a target serve (an
// "either" case) is judged like any other request, and the instance is
// brought back to RUNNING if it was stopped.

// hostileGroups are the SI-HOSTILE checks, one per group of the corpus.
var hostileGroups = []struct{ id, title, clause string }{
	{"01", "Bodies that are not one well-formed UTF-8 JSON object are refused, in the envelope, and change nothing",
		"facts §1 (a JSON body, UTF-8), §5 envelope, §6 InvalidParameter; ledger L-13, L-21"},
	{"02", "Parameters of the wrong type or value are refused (or served as the ledger allows), and a refusal changes nothing",
		"seed §2 Type column and valid values; facts §11, §16; ledger L-02, L-04, L-13, L-17"},
	{"03", "Requests over the documented sizes are refused and change nothing",
		"seed §1 (100 instances a request); facts §1 (GET 32 KB, v1 POST 1 MB, v3 POST 10 MB); ledger L-13"},
	{"04", "Requests with a wrong content type, broken headers, signatures or timestamps are refused and change nothing",
		"facts §1 (request styles, common parameters), §2–§4; ledger L-13, L-20"},
	{"05", "Other methods, misplaced parameters and bodies that end early are refused and change nothing",
		"facts §1 (GET reads the query, POST the body), §6 UnsupportedProtocol; ledger L-13"},
}

func hostileChecks() []*Check {
	var checks []*Check
	for _, g := range hostileGroups {
		// The requirement: every case of the group is answered in the
		// envelope, as the model accepts, and a refusal leaves the
		// instance it names as it was.
		// Each case is a paced request and a DescribeInstances.
		takes := time.Duration(len(hostile.Group(g.id))) * 150 * time.Millisecond
		checks = append(checks, &Check{ID: "SI-HOSTILE-" + g.id, Title: g.title, Clause: g.clause, Severity: MUST,
			Needs: Needs{Running: 1}, Takes: takes, Run: func(c *Ctx) error { return hostileGroup(c, g.id) }})
	}
	// facts §6 InternalError is the target's own failure: a request that
	// is merely malformed should get a client error, which says what is
	// wrong with it.
	checks = append(checks, &Check{ID: "SI-HOSTILE-06", Title: "No hostile request is answered with an internal error",
		Clause: "facts §6 InternalError, InvalidParameter; seed §6 InternalServerError", Severity: SHOULD, Final: true,
		Run: hostileInternalErrors})
	return checks
}

// hostileGroup sends every case of group g, naming one RUNNING instance,
// and fails with every case the target mishandles: the reason names them,
// the counterexample lists them a line each and shows their exchanges
// (see mishandled).
func hostileGroup(c *Ctx, g string) error {
	ids, err := c.Running(1)
	if err != nil {
		return err
	}
	cases := hostile.Group(g)
	if len(cases) == 0 {
		return fmt.Errorf("the hostile corpus has no group %s", g)
	}
	var bad mishandled
	for i, hc := range cases {
		c.Part("case " + hc.Name)
		err := hostileCase(c, hc, ids[0])
		what := "case " + hc.Name + " could not be carried out"
		var f *failure
		if err != nil && errors.As(err, &f) {
			c.FailPart("to see " + ids[0] + " and put it back to RUNNING if it moved")
			bad.add(hc, f)
			// The next case must name a RUNNING instance again, whatever
			// this one did to it.
			err = afterMishandled(c, hc, ids[0])
			what = ids[0] + " could not be put back to RUNNING after case " + hc.Name
		}
		if err != nil {
			if len(bad.lines) == 0 {
				return err
			}
			bad.stopped = fmt.Sprintf("%s (%v), so the %d case(s) after it were not sent", what, err, len(cases)-i-1)
			break
		}
	}
	if len(bad.lines) > 0 {
		return bad.failure(len(cases))
	}
	c.Note("%d hostile requests, all answered as the model accepts", len(cases))
	return nil
}

// mishandled gathers the cases of a group the target mishandled.
type mishandled struct {
	names, lines []string
	stopped      string // why the cases after the last were not sent
}

// add records case hc's failure f as one short line: the case, what it
// sent (its corpus entry in brief), what the model expected and what the
// target did.
func (m *mishandled) add(hc hostile.Case, f *failure) {
	what := strings.TrimPrefix(f.reason, "case "+hc.Name+": ")
	if f.expected != "" {
		what = "expected " + briefExpected(f.expected) + " — got " + f.got
	}
	m.names = append(m.names, hc.Name)
	m.lines = append(m.lines, fmt.Sprintf("  %s: sent %s — %s", hc.Name, hc.Brief(), what))
}

// briefExpected is the model's expectation without what it adds to every
// one (a paced request may be rate-limited; the strictness), which the
// case's exchange below states in full.
func briefExpected(s string) string {
	for _, tail := range []string{" (lenient)", " (strict)"} {
		s = strings.TrimSuffix(s, tail)
	}
	return strings.TrimSuffix(s, " (or rate-limited, with no effect)")
}

// failure is the group's one failure: the reason counts and names the
// cases (the first three), the summary lists each.
func (m *mishandled) failure(total int) *failure {
	names := strings.Join(m.names[:min(len(m.names), 3)], ", ")
	if len(m.names) > 3 {
		names += fmt.Sprintf(" and %d more", len(m.names)-3)
	}
	f := &failure{reason: fmt.Sprintf("%d of %d cases mishandled: %s", len(m.names), total, names)}
	f.summary = append([]string{fmt.Sprintf("mishandled (%d of %d cases):", len(m.names), total)}, m.lines...)
	if m.stopped != "" {
		f.reason += "; then " + m.stopped
		f.summary = append(f.summary, "then "+m.stopped)
	}
	return f
}

// afterMishandled brings the instance back to RUNNING after a case the
// target mishandled, which may have stopped it while the model expected
// no change: it looks at the instance (the observer then believes what it
// sees; a finding there is an echo of the case's, not a new one) and
// starts it again if it was stopped.
func afterMishandled(c *Ctx, hc hostile.Case, id string) error {
	if err := c.Observe(id); err != nil && !isFailure(err) {
		return err
	}
	return backToRunning(c, hc, id)
}

// hostileCase sends one case and checks the answer and the instance.
func hostileCase(c *Ctx, hc hostile.Case, id string) error {
	call, mutate, err := hc.Build(hostile.Binding{ID: id, Unknown: c.unknownIDs, Now: time.Now()})
	if err != nil {
		return err
	}
	c.Note("case %s (%s): %s", hc.Name, hc.Expect, hc.Why)
	x, f, err := c.Send(runner.Send{Call: call, Mutate: mutate, ExactStyle: true})
	if err != nil {
		return fmt.Errorf("case %s: %w", hc.Name, err)
	}
	internal := isInternalError(x.Outcome.Code)
	switch {
	case x.Err != nil && !hc.Cut():
		return c.Failf("case %s: no answer (%v): a malformed request is answered like any other, inside the envelope (facts §5)", hc.Name, x.Err)
	case x.Err != nil:
		// The body never ended: no answer is due, only no effect.
	case x.ParseErr != nil:
		return c.Failf("case %s: answered with something else than an envelope: %s (facts §5)", hc.Name, x.Answer())
	case x.Response.RequestID == "":
		return c.Failf("case %s: answered without a RequestId (facts §5: returned for each request)", hc.Name)
	case internal:
		// SI-HOSTILE-06 reports it; the effect is still judged below.
		c.Note("case %s was answered with %s", hc.Name, x.Outcome.Code)
	case f != nil:
		return named(hc.Name, c.Fail(f))
	case hc.Expect == hostile.Refused && x.Outcome.Code == "":
		return c.Failf("case %s: served a request the model refuses on every reading (%s)", hc.Name, hc.Why)
	}
	if err := c.Observe(id); err != nil {
		return named(hc.Name+" (then observed)", err)
	}
	if x.Err == nil && x.Outcome.Code == "" {
		return backToRunning(c, hc, id)
	}
	return nil
}

// backToRunning waits for an instance an "either" case stopped and starts
// it again, so that the next case names a RUNNING instance.
func backToRunning(c *Ctx, hc hostile.Case, id string) error {
	if err := c.Settle(id); err != nil {
		return named(hc.Name+" (then settled)", err)
	}
	if allIn(c.run.obs.Possible(id), model.Running) {
		return nil
	}
	c.Note("case %s was served; starting %s again", hc.Name, id)
	if err := c.Expect(startCall(id)); err != nil {
		return named(hc.Name+" (then restarted)", err)
	}
	if err := c.Settle(id); err != nil {
		return named(hc.Name+" (then restarted)", err)
	}
	if !allIn(c.run.obs.Possible(id), model.Running) {
		return fmt.Errorf("case %s: %s did not come back to RUNNING after it was served", hc.Name, id)
	}
	return nil
}

// named puts a case's name before a failure's reason.
func named(name string, err error) error {
	var f *failure
	if errors.As(err, &f) {
		f.reason = "case " + name + ": " + f.reason
		return f
	}
	return err
}

func isInternalError(code string) bool {
	return code == model.CodeInternalError || code == "InternalServerError"
}

// hostileInternalErrors reads the run's transcript for hostile requests
// answered with an internal error.
func hostileInternalErrors(c *Ctx) error {
	var bad []string
	for _, x := range c.run.target.Transcript().Since(0) {
		if strings.HasPrefix(x.Check, "SI-HOSTILE-") && isInternalError(x.Outcome.Code) {
			bad = append(bad, fmt.Sprintf("%d (%s)", x.Seq, x.Check))
			c.show(x)
		}
	}
	if len(bad) > 0 {
		return c.Failf("%d hostile request(s) answered with an internal error instead of a client error: %s", len(bad), strings.Join(bad[:min(len(bad), 5)], ", "))
	}
	return nil
}
