package passive

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/report"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Config is how traffic is judged.
type Config struct {
	// Strict accepts only the single most specific error code the SDK
	// documents (DESIGN "The model"); lenient otherwise.
	Strict bool
	// StopRateLimit is the StopInstances limit a second the target is
	// expected to enforce (--rate-limit); model.RateLimit(StopInstances)
	// if zero. StartInstances and DescribeInstances are judged against
	// their documented limits.
	StopRateLimit int
	// Keys verify signatures as the emulator does. A request whose
	// SecretId they do not hold (any request, when Keys is nil) cannot be
	// verified, so the authentication rules accept whatever the target
	// answered: the request is judged as authenticated, unless the answer
	// is one a failed authentication explains.
	Keys tcapi.KeyStore

	_ struct{}
}

// Finding is a departure from the model found in traffic: the model's
// finding, the exchange that showed it, and the exchanges of the
// instances concerned leading to it.
type Finding struct {
	// Recording names the file (or the proxy's upstream); Index is the
	// exchange's position in it, from 1, or 0 for a finding on a whole
	// timeline (the rate limit).
	Recording string
	Index     int
	*model.Finding
	// Context renders the exchanges of the instances concerned that led
	// to the finding, the last one with the model's expectation, and the
	// violations behind it. For people; the layout may change.
	Context string
	// Exchange is the exchange the finding is on, structured for the
	// report (report.Check.Exchanges); zero for a finding on a whole
	// timeline (Index 0).
	Exchange report.Exchange

	_ struct{}
}

// String is the finding in one line: "FILE #7: RULE: ins-…: expected …;
// got … [clause]".
func (f Finding) String() string { return f.where() + ": " + oneLine(f.Finding) }

func (f Finding) where() string {
	if f.Index > 0 {
		return fmt.Sprintf("%s #%d", f.Recording, f.Index)
	}
	return f.Recording
}

func oneLine(f *model.Finding) string {
	s := f.Rule + ": "
	if f.Instance != "" {
		s += f.Instance + ": "
	}
	return s + "expected " + f.Expected + "; got " + f.Actual + " [" + f.Clause + "]"
}

// Skipped is an exchange the model does not judge: another action, or not
// an API request at all.
type Skipped struct {
	Index int
	What  string
}

// Result is how one recording (or the proxy's traffic so far) was judged.
type Result struct {
	Name      string
	Format    Format
	Exchanges int
	Judged    int
	NotJudged []Skipped
	// Findings are in the order found; rate-limit findings, judged on
	// the whole timeline, come last.
	Findings []Finding
	// Withheld lists findings that depended on the order of exchanges
	// that overlapped in time, which the recording cannot tell: a finding
	// must hold whatever that order was, so these are not reported.
	Withheld []string
	// Rate says whether and how the rate limit was judged.
	Rate      string
	Regions   []string
	Instances int // instances named or listed
	// First and Last bound the recording's times; zero without times.
	First, Last time.Time
	// Unanswered counts the exchanges the proxy forwarded that its
	// upstream never answered (a refused connection, a timeout: the 502
	// is the proxy's own), and UnansweredWhy is the first one's error.
	// They are errors of the proxy's run, not judged exchanges: they are
	// not in Judged, and the report is incomplete.
	Unanswered    int
	UnansweredWhy string
	// Evidence is what rule coverage and the target's profile are
	// computed from, over the exchanges judged (a copy: the judge may go
	// on).
	Evidence *runner.Evidence
	// Activity records the exchanges with times, for the HTML report's
	// timelines and rates (report.Activity).
	Activity report.Activity

	_ struct{}
}

// JudgeRecording replays a recording through the model, in the order the
// recording holds its exchanges (the order the answers arrived, for every
// format cvmconform reads), and returns what it found. Exchanges with
// exact times that overlap may have been served in either order; see
// Judge.Add.
func JudgeRecording(cfg Config, rec *Recording) *Result {
	j := NewJudge(cfg, rec.Name, rec.Format, rec.Scrubbed)
	timed := make([]*Exchange, 0, len(rec.Exchanges))
	for _, x := range rec.Exchanges {
		if x.Timing == TimingExact {
			timed = append(timed, x)
		}
	}
	sort.SliceStable(timed, func(a, b int) bool { return timed[a].Sent.Before(timed[b].Sent) })
	for _, x := range rec.Exchanges {
		j.Add(x, overlapping(x, timed))
	}
	return j.Result()
}

// overlapping returns the exchanges of timed (sorted by Sent) whose
// exact times overlap x's.
func overlapping(x *Exchange, timed []*Exchange) []*Exchange {
	if x.Timing != TimingExact {
		return nil
	}
	end := sort.Search(len(timed), func(i int) bool { return !timed[i].Sent.Before(x.Received) })
	var out []*Exchange
	for _, y := range timed[:end] {
		if y != x && y.Received.After(x.Sent) {
			out = append(out, y)
		}
	}
	return out
}

// Judge replays exchanges through the model one at a time: a file's in
// order, or the proxy's as they complete, through the judging pipeline
// with partial knowledge (runner.NewPartialJudging): one observer per
// account (the masked SecretId) tracks the states its instances may be
// in. A Judge is not safe for concurrent use.
type Judge struct {
	cfg      Config
	name     string
	scrubbed bool
	judging  *runner.Judging

	entries   map[*Exchange]*entry
	history   []*entry
	timelines map[timelineKey][]timedAttempt
	instances map[string]bool
	regions   map[string]bool
	activity  *report.ActivityLog
	res       Result
}

// historyCap bounds the exchanges a Judge keeps for context: the proxy
// runs for as long as it is let.
const historyCap = 20000

// entry is one exchange as judged.
type entry struct {
	x       *Exchange
	judged  bool
	action  string
	ids     []string // instances named or listed
	changes bool     // a stop or start that succeeded, or whose outcome is unknown
	summary string
	answer  string
	expect  string
	views   map[string]model.View
}

// NewJudge returns a judge for the recording name of format f; scrubbed
// as Recording.Scrubbed.
func NewJudge(cfg Config, name string, f Format, scrubbed bool) *Judge {
	if cfg.StopRateLimit == 0 {
		cfg.StopRateLimit = model.RateLimit(model.ActionStop)
	}
	jc := runner.JudgingConfig{Clock: runner.AnswerDate, Actions: judgedActions, StopRateLimit: cfg.StopRateLimit}
	if cfg.Strict {
		jc.Strictness = model.Strict
	}
	return &Judge{cfg: cfg, name: name, scrubbed: scrubbed, judging: runner.NewPartialJudging(jc),
		entries: map[*Exchange]*entry{}, timelines: map[timelineKey][]timedAttempt{},
		instances: map[string]bool{}, regions: map[string]bool{}, activity: report.NewActivityLog(runner.Limits(cfg.StopRateLimit)),
		res: Result{Name: name, Format: f}}
}

// Add judges exchange x and returns what it found. concurrent are the
// exchanges whose times overlap x's: judged already, or not yet (later in
// a file, or still in flight at the proxy). The target may have served
// them before or after x, so a finding on an instance one of them may
// have changed (a stop or start not refused), or one a judged
// DescribeInstances among them showed, is withheld, and those instances
// are forgotten: they are met again as if for the first time.
func (j *Judge) Add(x *Exchange, concurrent []*Exchange) []Finding {
	j.res.Exchanges++
	j.noteTime(x)
	rd := readExchange(x, j.cfg.Keys, j.scrubbed)
	e := &entry{x: x, action: rd.req.Action}
	j.remember(e)
	var jd runner.Judged
	if rd.why == "" {
		jd = j.judging.Judge(rd.judgeable(x, j.name))
	} else {
		j.judging.Unjudged(rd.mentions)
	}
	j.record(x, rd, jd)
	if !jd.Judged {
		j.res.NotJudged = append(j.res.NotJudged, Skipped{Index: x.Index, What: orText(rd.why, orText(rd.req.Action, "(no Action)"))})
		e.ids = rd.mentions
		e.changes = len(e.ids) > 0
		return nil
	}
	e.judged = true
	j.res.Judged++
	req := jd.Request
	if req.Region != "" {
		j.regions[req.Region] = true
	}
	e.summary, e.answer = summary(req), answer(x, rd)
	e.expect = jd.Expected
	if jd.Judgement.Abstain {
		e.expect = "anything (not modelled)"
	}
	e.ids, e.changes = jd.Concerned, jd.MayChange
	if jd.Listed != nil {
		e.views = map[string]model.View{}
		for _, v := range jd.Listed {
			e.views[v.ID] = v
		}
	}
	for _, id := range e.ids {
		if model.ValidInstanceID(id) {
			j.instances[id] = true
		}
	}
	j.attempt(rd, req, jd.Judgement, x)

	touched := j.interference(x, concurrent)
	var out []Finding
	for _, fd := range jd.Findings {
		if by := intersect(fd.Instances, touched); len(by) > 0 {
			j.res.Withheld = append(j.res.Withheld, fmt.Sprintf("#%d %s (concurrent with an exchange on %s)",
				x.Index, oneLine(fd.Finding), strings.Join(by, ", ")))
			continue
		}
		out = append(out, Finding{Recording: j.name, Index: x.Index, Finding: fd.Finding, Context: j.context(e, fd),
			Exchange: evidence(x, rd, e.expect, oneLine(fd.Finding))})
	}
	j.judging.Forget(touched)
	j.res.Findings = append(j.res.Findings, out...)
	return out
}

// record adds exchange x to the activity, when the recording says when
// it was sent: a timeline cannot place it otherwise.
func (j *Judge) record(x *Exchange, rd reading, jd runner.Judged) {
	e := report.Event{Seq: x.Index, Sent: x.Sent, Took: x.Received.Sub(x.Sent), Account: rd.account, Check: j.name,
		Action: rd.req.Action, Instances: runner.InstancesNamed(rd.req), Code: rd.out.Code}
	switch x.Timing {
	case TimingNone:
		return
	case TimingDate:
		e.Sent, e.Took = x.Date, 0
	}
	if !x.Answered || rd.parseErr != nil || rd.out.Unknown {
		e.Code = report.NoAnswer
	}
	e.Summary = runner.Clip(orText(rd.why, summary(rd.req))+" → "+answer(x, rd), 400)
	j.activity.Add(e, runner.Shown(jd.Listed))
}

// interference returns the instances another exchange of concurrent may
// have changed, or a judged DescribeInstances among them showed, in an
// order the recording cannot tell.
func (j *Judge) interference(x *Exchange, concurrent []*Exchange) []string {
	var out []string
	for _, y := range concurrent {
		if y == x {
			continue
		}
		if e, ok := j.entries[y]; ok {
			if e.changes || (e.judged && e.action == model.ActionDescribe) {
				out = append(out, e.ids...)
			}
			continue
		}
		if ids, changes := peek(y); changes {
			out = append(out, ids...)
		}
	}
	return model.Distinct(out)
}

func (j *Judge) remember(e *entry) {
	j.entries[e.x] = e
	j.history = append(j.history, e)
	if len(j.history) > historyCap {
		old := j.history[0]
		delete(j.entries, old.x)
		j.history = j.history[1:]
	}
}

// noteTime widens the recording's span to x: its round trip, or the
// Date of its answer when that is all there is.
func (j *Judge) noteTime(x *Exchange) {
	first, last := x.Sent, x.Received
	switch x.Timing {
	case TimingNone:
		return
	case TimingDate:
		first, last = x.Date, x.Date
	}
	if j.res.First.IsZero() || first.Before(j.res.First) {
		j.res.First = first
	}
	if last.After(j.res.Last) {
		j.res.Last = last
	}
}

// Result returns what the judge has found so far, with the rate limit
// judged on the timelines so far.
func (j *Judge) Result() *Result {
	r := j.res
	r.NotJudged = slices.Clone(r.NotJudged)
	r.Withheld = slices.Clone(r.Withheld)
	r.Findings = slices.Clone(r.Findings)
	r.Instances = len(j.instances)
	r.Regions = slices.Sorted(maps.Keys(j.regions))
	rate, note := j.judgeRate()
	r.Findings = append(r.Findings, rate...)
	r.Rate = note
	r.Evidence = runner.NewEvidence()
	r.Evidence.Merge(j.judging.Evidence())
	r.Activity = j.activity.Activity()
	r.Activity.Events = slices.Clone(r.Activity.Events)
	return &r
}

// Expected is what the model accepted of exchange x once Add has judged
// it, worded for people ("success", or error codes joined by " | ",
// "anything (not modelled)"); "" when x was not judged (Result's NotJudged
// says why) or is no longer kept (the judge keeps the last historyCap
// exchanges). The layout may change.
func (j *Judge) Expected(x *Exchange) string {
	if e, ok := j.entries[x]; ok && e.judged {
		return e.expect
	}
	return ""
}

func intersect(a, b []string) []string {
	var out []string
	for _, s := range a {
		if slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return model.Distinct(out)
}
