package runner

import (
	"slices"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// The judging pipeline. Every exchange the suite judges goes through
// Judging.Judge, whoever sent it: a run's check (conformance), a
// recording (cvmconform judge), the proxy's traffic (cvmconform proxy),
// one request (cvmconform call). The steps are the same for all: the
// model judges the request against what the observer knows of the fleet
// and the answer against the outcomes it allows; an answer that is not a
// TencentCloud envelope is a finding and an unknown outcome; a
// successful DescribeInstances is read and every instance it lists
// observed. What differs is configuration:
//
//   - knowledge: a run's observer knows the whole fleet it discovered
//     before its first request, and every request since is its own
//     (NewJudging); traffic the suite did not send starts part-way through
//     a history, so what it has not shown is widened, never guessed
//     (NewPartialJudging);
//   - the clock a request's timestamp is judged against (Clock);
//   - which actions are judged (JudgingConfig.Actions), and what one that
//     is not does to what the pipeline knows (Judging.Unjudged);
//   - the strictness.

// Clock says which clock judges a request's timestamp (model.Env.Now).
type Clock uint8

// The clocks.
const (
	// SendTime is the sender's own clock when it sent the request: a
	// run's, whose requests carry that clock's timestamps.
	SendTime Clock = iota
	// AnswerDate is the target's clock, from its answer's Date header
	// when the recording has one (Judgeable.Date), else the recorded send
	// time; a recording without times leaves the timestamp unjudged.
	AnswerDate
)

// JudgingConfig is how a Judging judges.
type JudgingConfig struct {
	// Strictness is the model's (DESIGN "The model"); an observer given
	// to NewJudging must have been made with the same.
	Strictness model.Strictness
	Clock      Clock
	// Actions are the actions judged; nil judges every action, and the
	// model abstains on those it knows of but does not model. An exchange
	// of another action is not judged: see Judging.Unjudged for what it
	// does to what the pipeline knows.
	Actions []string
	// StopRateLimit is the StopInstances limit a second the target is
	// expected to enforce, which the profile's limiter dimension reads
	// bursts against; 0 is the documented limit.
	StopRateLimit int

	_ struct{}
}

// Judges reports whether the pipeline judges exchanges of action.
func (c JudgingConfig) Judges(action string) bool {
	return c.Actions == nil || slices.Contains(c.Actions, action)
}

// Judgeable is an exchange as the pipeline judges it.
type Judgeable struct {
	// Request is the model's reading of the request.
	Request model.Request
	// Unknown is what the exchange leaves unknown of Request (a
	// recording's scrubbed credentials and time); the zero value knows
	// everything.
	Unknown Unknowns
	// Account labels the credentials the request names: with partial
	// knowledge, the observer of that account judges it, as a request of
	// that account whatever its authentication. A run's observer judges
	// every request, as the request's Account says.
	Account string
	Outcome model.Outcome
	// Response is the answer, when it is a TencentCloud envelope.
	Response tcapi.Response
	// NotEnvelope, when not "", is the answer in one line, which is not a
	// TencentCloud envelope: a finding, and the outcome is unknown.
	NotEnvelope string
	// Sent is when the request was sent; Date, the answer's Date header
	// when recorded (see Clock). Either may be zero.
	Sent, Date time.Time
	// Mentions are the instance IDs the request mentions anywhere, for an
	// action the pipeline does not judge (see Unjudged).
	Mentions []string

	// What rule coverage and the profile read (Evidence), beside the
	// above: Check names who sent the exchange (a check's ID, a
	// recording); Status is the answer's HTTP status, 0 when unknown; Raw
	// the answer's body as received (decompressed), "" when not kept;
	// Received when the answer came, zero when unknown.
	Check    string
	Status   int
	Raw      string
	Received time.Time

	_ struct{}
}

// Unknowns are what a recording leaves unknown of a request: the
// authentication facts it may have had, and whether it may have carried a
// timestamp and (v1) a nonce that the recording lacks. The zero value
// knows everything.
type Unknowns struct {
	// Auth lists the facts the request may have had, the decoded one
	// among them; nil when the decoded one is a fact.
	Auth []model.AuthFact
	// Timestamp: the recording has no timestamp, and the request may
	// have had one, fresh or not.
	Timestamp bool
	// Nonce: the v1 request's recording has no Nonce, and the request
	// may have had one.
	Nonce bool
}

// Known reports whether u leaves nothing unknown.
func (u Unknowns) Known() bool { return u.Auth == nil && !u.Timestamp && !u.Nonce }

// AnyAuth is every authentication fact a request whose credentials are
// unknown may have had, in the order the pipeline tries them.
var AnyAuth = []model.AuthFact{model.AuthOK, model.AuthBadSignature, model.AuthUnknownSecretID,
	model.AuthBadToken, model.AuthMalformed, model.AuthMissing}

// Judged is how the pipeline judged one exchange.
type Judged struct {
	// Judged is false for an exchange of an action the pipeline does not
	// judge (JudgingConfig.Actions); nothing else is set then.
	Judged bool
	// Request is the request as judged: what the exchange left unknown
	// of it resolved from the answer.
	Request   model.Request
	Judgement model.Judgement
	// Expected is what the model accepted, worded for people: "success",
	// or error codes joined by " | ", and the like; "" when it abstained.
	Expected string
	// Findings are the departures found, in order: the envelope, the
	// outcome, then what a DescribeInstances answer showed.
	Findings []Found
	// MayChange says the exchange may have changed the instances it acts
	// on (Judgement.Targets): a stop or start that succeeded, or whose
	// outcome is unknown.
	MayChange bool
	// Concerned are the instances the request names or acts on, and those
	// a DescribeInstances answer listed.
	Concerned []string
	// Listed is what a successful DescribeInstances answer listed.
	Listed []model.View
}

// Found is a finding and the instances it concerns: the one it names, or
// else those the exchange concerns.
type Found struct {
	*model.Finding
	Instances []string
}

// Judging is the judging pipeline over one history of exchanges (see the
// comment at the top of this file). It is not safe for concurrent use.
type Judging struct {
	cfg JudgingConfig
	// full is the run's observer, which judges every exchange; nil with
	// partial knowledge, where each account has its own.
	full   *model.Observer
	obs    map[string]*model.Observer
	unseen map[string]map[string]bool // account → instances supposed (model.Unseen), not yet observed
	// ev accumulates rule coverage and the target's profile over every
	// exchange judged.
	ev *Evidence
}

// NewJudging returns the pipeline of a run: obs knows the fleet the run
// discovered, and every exchange is judged by it.
func NewJudging(cfg JudgingConfig, obs *model.Observer) *Judging {
	return &Judging{cfg: cfg, full: obs, ev: cfg.evidence()}
}

// NewPartialJudging returns the pipeline of traffic the suite did not
// send, which starts part-way through a history and leaves things out. One
// observer per account (Judgeable.Account) knows nothing at first, and
// what the history has not shown is widened:
//
//   - an instance first named in a stop or start, not shown by a
//     DescribeInstances, may be in any state or not exist (model.Unseen),
//     and may be another account's; its zone, charge type and disks are
//     learnt from its first observation;
//   - what a request leaves unknown (Judgeable.Unknown) is resolved from
//     the answer;
//   - the target may serve one region only, which is not known;
//   - an action not judged may have changed or destroyed every instance it
//     mentions (see Unjudged).
func NewPartialJudging(cfg JudgingConfig) *Judging {
	return &Judging{cfg: cfg, obs: map[string]*model.Observer{}, unseen: map[string]map[string]bool{}, ev: cfg.evidence()}
}

// evidence is an empty accumulator for a pipeline judging as c.
func (c JudgingConfig) evidence() *Evidence {
	ev := NewEvidence()
	ev.prof.limit = c.StopRateLimit
	if ev.prof.limit <= 0 {
		ev.prof.limit = model.RateLimit(model.ActionStop)
	}
	return ev
}

// Evidence is what the pipeline has accumulated, over every exchange it
// judged, for rule coverage and the target's profile (see coverage.go and
// profile.go). The caller must not use it while the pipeline judges.
func (p *Judging) Evidence() *Evidence { return p.ev }

func (p *Judging) partial() bool { return p.full == nil }

// observer is the observer that judges account's requests.
func (p *Judging) observer(account string) *model.Observer {
	if !p.partial() {
		return p.full
	}
	o := p.obs[account]
	if o == nil {
		// No home region: traffic does not say which regions the target
		// serves (Env.Home "").
		o = model.NewObserver(account, "", p.cfg.Strictness)
		p.obs[account] = o
		p.unseen[account] = map[string]bool{}
	}
	return o
}

// Judge judges one exchange and updates what the pipeline knows.
func (p *Judging) Judge(in Judgeable) Judged {
	req := in.Request
	if !p.cfg.Judges(req.Action) {
		p.Unjudged(in.Mentions)
		return Judged{}
	}
	obs := p.observer(in.Account)
	env := model.Env{Now: p.now(in), Limited: model.Maybe}
	out := in.Outcome
	if in.NotEnvelope != "" {
		out = model.Outcome{Unknown: true}
	}
	if p.partial() {
		p.suppose(obs, in.Account, req, env)
	}
	if !in.Unknown.Known() {
		req = p.resolve(obs, req, in.Unknown, env, out, in.Account)
	}
	if p.partial() {
		// The observer's account, whatever the authentication, as
		// Observer.Exchange would take it: an unauthenticated request is
		// refused for that, not as a stranger to the account's instances.
		req.Account = in.Account
	}
	prior := priorStates(obs, model.Distinct(InstancesNamed(req)), req.Action)
	jd, f := obs.Exchange(req, env, out)
	if f != nil && p.partial() && p.explained(obs, in.Account, req, env, out) {
		f = nil
	}
	r := Judged{Judged: true, Request: req, Judgement: jd,
		MayChange: (jd.Action == model.ActionStop || jd.Action == model.ActionStart) && (out.Unknown || out.Code == ""),
		Concerned: model.Distinct(append(InstancesNamed(req), jd.Targets...))}
	if !jd.Abstain {
		r.Expected = jd.Outcomes(p.cfg.Strictness).Describe()
	}
	if in.NotEnvelope != "" {
		r.Findings = append(r.Findings, Found{&model.Finding{Rule: "ENVELOPE", Clause: "facts §5: every answer is {\"Response\": {…, \"RequestId\"}}",
			Expected: "a TencentCloud envelope", Actual: in.NotEnvelope}, jd.Targets})
	}
	if f != nil {
		r.Findings = append(r.Findings, Found{f, jd.Targets})
	}
	if f == nil && req.Action == model.ActionDescribe && !out.Unknown && out.Code == "" {
		p.observeDescribe(&r, obs, in)
	}
	seen := r
	seen.Listed = slices.DeleteFunc(slices.Clone(r.Listed), func(v model.View) bool { return obs.Possible(v.ID) == nil })
	p.ev.add(in, seen, prior, p.cfg.Strictness) // what another lane's instances did is that lane's to see
	return r
}

// prior is what the observer held of an instance before a stop or start
// named it.
type prior struct {
	// State is the state it was certainly in, where Known.
	State model.InstanceState
	Known bool
	// Busy: its last operation may still have been in flight
	// (OPERATING, or a transient state).
	Busy bool
}

// priorStates are, for a stop or start, what the observer held of the
// instances it names before it: where the transition it makes starts,
// and whether an operation may still have been in flight.
func priorStates(obs *model.Observer, ids []string, action string) map[string]prior {
	if action != model.ActionStop && action != model.ActionStart {
		return nil
	}
	out := map[string]prior{}
	for _, id := range ids {
		ps := obs.Possible(id)
		if len(ps) == 0 {
			continue
		}
		s := ps[0].State
		out[id] = prior{State: s,
			Known: !slices.ContainsFunc(ps, func(p model.Instance) bool { return p.State != s }),
			Busy: slices.ContainsFunc(ps, func(p model.Instance) bool {
				return p.LatestOperationState == model.OpOperating || p.State.Transient()
			})}
	}
	return out
}

// now is the time the request's timestamp is judged against.
func (p *Judging) now(in Judgeable) time.Time {
	if p.cfg.Clock == AnswerDate && !in.Date.IsZero() {
		return in.Date
	}
	return in.Sent
}

// observeDescribe reads a successful DescribeInstances answer and has the
// observer judge what it lists.
func (p *Judging) observeDescribe(r *Judged, obs *model.Observer, in Judgeable) {
	res, err := ParseDescribe(in.Response)
	if err != nil {
		r.Findings = append(r.Findings, Found{&model.Finding{Rule: "DESCRIBE-SHAPE", Clause: "facts §9: TotalCount and InstanceSet",
			Expected: "TotalCount and InstanceSet", Actual: err.Error()}, r.Concerned})
		return
	}
	r.Listed = res.Instances
	for _, v := range res.Instances {
		r.Concerned = append(r.Concerned, v.ID)
	}
	r.Concerned = model.Distinct(r.Concerned)
	if p.partial() {
		p.learn(in.Account, obs, res.Instances)
	}
	for _, f := range obs.ObserveDescribe(r.Judgement, r.Request, res) {
		ids := r.Concerned
		if f.Instance != "" {
			ids = []string{f.Instance}
		}
		r.Findings = append(r.Findings, Found{f, ids})
	}
}

// Unjudged is what an exchange the pipeline does not judge does to what
// it knows, given the instances it mentions. With partial knowledge it
// forgets them: an action the model does not judge (TerminateInstances,
// RebootInstances, ResetInstance, a tag…) may have changed every instance
// it names, or destroyed it, and they are met again as if for the first
// time. A run's observer forgets nothing: it takes an instance it does not
// know for one that does not exist, and a run judges every action it
// sends.
func (p *Judging) Unjudged(mentions []string) {
	if p.partial() {
		p.Forget(mentions)
	}
}

// Forget drops the instances from every observer of partial knowledge,
// to be met again as if for the first time: what the pipeline knows of
// them may be wrong (an exchange it cannot order, an action it does not
// judge). A run's observer forgets nothing (see Unjudged).
func (p *Judging) Forget(ids []string) {
	if len(ids) == 0 || !p.partial() {
		return
	}
	for account, o := range p.obs {
		var keep []string
		for _, id := range o.IDs() {
			if !slices.Contains(ids, id) {
				keep = append(keep, id)
			}
		}
		p.obs[account] = o.Restrict(keep)
		for _, id := range ids {
			delete(p.unseen[account], id)
		}
	}
}

// suppose has the observer widen an instance first named in a stop or
// start to any state, or none (model.Unseen); one first named in a
// DescribeInstances is left unknown (the observer discovers what is
// listed).
func (p *Judging) suppose(obs *model.Observer, account string, req model.Request, env model.Env) {
	if req.Action == model.ActionDescribe {
		return
	}
	for _, id := range model.Judge(obs, req, env).Targets {
		if obs.Possible(id) == nil {
			obs.Suppose(model.Unseen(id, account, req.Region))
			p.unseen[account][id] = true
		}
	}
}

// InstancesNamed are the InstanceIds strings a request names, whatever
// their form.
func InstancesNamed(req model.Request) []string {
	v, ok := req.Params["InstanceIds"]
	if !ok {
		return nil
	}
	var out []string
	switch v.Kind {
	case model.KindString:
		out = append(out, v.Text)
	case model.KindArray:
		for _, it := range v.Items {
			if it.Kind == model.KindString {
				out = append(out, it.Text)
			}
		}
	}
	return out
}
