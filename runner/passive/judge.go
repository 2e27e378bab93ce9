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
// order, or the proxy's as they complete. One observer per account (the
// masked SecretId) tracks the states its instances may be in. A Judge is
// not safe for concurrent use.
type Judge struct {
	cfg        Config
	strictness model.Strictness
	name       string
	scrubbed   bool

	obs    map[string]*model.Observer
	unseen map[string]map[string]bool // account → instances supposed (model.Unseen), not yet observed

	entries   map[*Exchange]*entry
	history   []*entry
	timelines map[timelineKey][]timedAttempt
	instances map[string]bool
	regions   map[string]bool
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
	j := &Judge{cfg: cfg, name: name, scrubbed: scrubbed, obs: map[string]*model.Observer{},
		unseen: map[string]map[string]bool{}, entries: map[*Exchange]*entry{},
		timelines: map[timelineKey][]timedAttempt{}, instances: map[string]bool{}, regions: map[string]bool{},
		res: Result{Name: name, Format: f}}
	if cfg.Strict {
		j.strictness = model.Strict
	}
	return j
}

func (j *Judge) observer(account string) *model.Observer {
	o := j.obs[account]
	if o == nil {
		// No home region: a recording does not say which regions the
		// target serves (Env.Home "").
		o = model.NewObserver(account, "", j.strictness)
		j.obs[account] = o
		j.unseen[account] = map[string]bool{}
	}
	return o
}

// found is a finding before it is placed, with the instances it concerns.
type found struct {
	f   *model.Finding
	ids []string
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
	if !rd.judged {
		j.res.NotJudged = append(j.res.NotJudged, Skipped{Index: x.Index, What: rd.why})
		// An action the model does not judge (TerminateInstances,
		// RebootInstances, ResetInstance, a tag…) may have changed every
		// instance it names, or destroyed it: the judge forgets them, and
		// meets them again as if for the first time.
		e.ids = otherActionInstances(x)
		e.changes = len(e.ids) > 0
		j.forget(e.ids)
		return nil
	}
	e.judged = true
	j.res.Judged++
	req := rd.req
	if req.Region != "" {
		j.regions[req.Region] = true
	}
	obs := j.observer(rd.account)
	env := model.Env{Now: x.Date, Limited: model.Maybe}
	if env.Now.IsZero() {
		env.Now = x.Sent
	}

	// An instance first named in a stop or start may be in any state, or
	// not exist; one first named in a DescribeInstances is left unknown
	// (the observer discovers what is listed).
	if req.Action != model.ActionDescribe {
		for _, id := range model.Judge(obs, req, env).Targets {
			if obs.Possible(id) == nil {
				obs.Suppose(model.Unseen(id, rd.account, req.Region))
				j.unseen[rd.account][id] = true
			}
		}
	}
	if !rd.unknown.known() {
		req = j.resolve(obs, req, rd.unknown, env, rd.out, rd.account)
	}
	// The observer's account, whatever the authentication, as
	// Observer.Exchange would take it: an unauthenticated request is
	// refused for that, not as a stranger to the account's instances.
	req.Account = rd.account

	var jd model.Judgement
	var f *model.Finding
	if req.Action == model.ActionDescribe {
		// Judged, not applied: a DescribeInstances changes nothing, and
		// its success does not prove that an ID it names exists (ledger
		// L-15), which Observer.Exchange would conclude.
		jd = model.Judge(obs, req, env)
		f = outcomeFinding(jd, rd.out, j.strictness)
	} else {
		jd, f = obs.Exchange(req, env, rd.out)
	}
	if f != nil && j.explained(obs, rd.account, req, env, rd.out) {
		f = nil
	}
	e.summary, e.answer = summary(req), answer(x, rd)
	e.expect = jd.Outcomes(j.strictness).Describe()
	if jd.Abstain {
		e.expect = "anything (not modelled)"
	}
	e.ids = dedupe(append(instanceIDsNamed(req), jd.Targets...))
	e.changes = (req.Action == model.ActionStop || req.Action == model.ActionStart) && (rd.out.Unknown || rd.out.Code == "")
	var fs []found
	if rd.parseErr != nil {
		fs = append(fs, found{&model.Finding{Rule: "ENVELOPE", Clause: "facts §5: every answer is {\"Response\": {…, \"RequestId\"}}",
			Expected: "a TencentCloud envelope", Actual: e.answer}, jd.Targets})
	}
	if f != nil {
		fs = append(fs, found{f, jd.Targets})
	}
	if f == nil && req.Action == model.ActionDescribe && rd.parseErr == nil && !rd.out.Unknown && rd.out.Code == "" {
		res, err := runner.ParseDescribe(rd.resp)
		if err != nil {
			fs = append(fs, found{&model.Finding{Rule: "DESCRIBE-SHAPE", Clause: "facts §9: TotalCount and InstanceSet",
				Expected: "TotalCount and InstanceSet", Actual: err.Error()}, e.ids})
		} else {
			e.views = map[string]model.View{}
			for _, v := range res.Instances {
				e.views[v.ID] = v
				e.ids = append(e.ids, v.ID)
			}
			e.ids = dedupe(e.ids)
			j.learn(rd.account, obs, res.Instances)
			for _, df := range obs.ObserveDescribe(jd, req, res) {
				ids := e.ids
				if df.Instance != "" {
					ids = []string{df.Instance}
				}
				fs = append(fs, found{df, ids})
			}
		}
	}
	for _, id := range e.ids {
		if model.ValidInstanceID(id) {
			j.instances[id] = true
		}
	}
	j.attempt(rd, req, jd, x)

	touched := j.interference(x, concurrent)
	var out []Finding
	for _, fd := range fs {
		if by := intersect(fd.ids, touched); len(by) > 0 {
			j.res.Withheld = append(j.res.Withheld, fmt.Sprintf("#%d %s (concurrent with an exchange on %s)",
				x.Index, oneLine(fd.f), strings.Join(by, ", ")))
			continue
		}
		out = append(out, Finding{Recording: j.name, Index: x.Index, Finding: fd.f, Context: j.context(e, fd)})
	}
	if len(touched) > 0 {
		j.forget(touched)
	}
	j.res.Findings = append(j.res.Findings, out...)
	return out
}

// outcomeFinding is the finding of an answer the judgement does not
// accept, worded as Observer.Exchange words it.
func outcomeFinding(jd model.Judgement, out model.Outcome, s model.Strictness) *model.Finding {
	if out.Unknown || jd.Accepts(out.Code, s) {
		return nil
	}
	var vs []model.Violation
	for _, v := range jd.Violations {
		// The rate limit may or may not apply (Env.Limited Maybe): it is
		// not what an answer broke unless the answer was a rate limit.
		if v.Rule != model.RuleRateLimit || model.IsRateLimited(out.Code) {
			vs = append(vs, v)
		}
	}
	f := &model.Finding{Expected: jd.Outcomes(s).Describe() + " (" + s.String() + ")", Actual: out.String(),
		Rule: "VALID-REQUEST", Clause: "seed §1, §2: a valid request on RUNNING instances succeeds"}
	if len(vs) > 0 {
		var rules, clauses, lines []string
		for _, v := range vs {
			rules = append(rules, v.Rule.ID)
			clauses = append(clauses, v.Rule.Clause)
			lines = append(lines, "  - "+v.String()+": "+v.Rule.Requirement)
		}
		f.Rule, f.Clause, f.Detail = strings.Join(dedupe(rules), ", "), strings.Join(dedupe(clauses), "; "), strings.Join(lines, "\n")
	}
	return f
}

// elsewhere is the fleet in which every instance of account that the
// judge has not seen, and whose existence no answer has shown (it may
// still be Terminated, model.Unseen's stand-in for "no such instance"),
// belongs to another account instead: an ID a recording names may be
// someone else's, which the target may say as EXIST-OTHER-ACCOUNT allows
// (UnauthorizedOperation) rather than as a missing instance.
func (j *Judge) elsewhere(obs *model.Observer, account string) otherAccounts {
	o := otherAccounts{Observer: obs, ids: map[string]bool{}}
	for id := range j.unseen[account] {
		for _, p := range obs.Possible(id) {
			if p.State == model.Terminated {
				o.ids[id] = true
				break
			}
		}
	}
	return o
}

// otherAccounts is an observer's fleet with some instances another
// account's.
type otherAccounts struct {
	*model.Observer
	ids map[string]bool
}

// Possible implements model.Fleet.
func (o otherAccounts) Possible(id string) []model.Instance {
	ps := o.Observer.Possible(id)
	if !o.ids[id] || len(ps) == 0 {
		return ps
	}
	p := ps[0]
	p.Owner = "(another account)"
	return []model.Instance{p}
}

// explained reports whether a refusal the model did not accept is one
// that what a recording leaves unknown allows (and a refusal changed
// nothing, so the observer stays as it is):
//
//   - the regions the target serves: a target may serve one region only
//     and refuse another listed one as unsupported (ledger L-26), which a
//     run judges against its own region (Env.Home) and a recording cannot;
//   - the owner of an instance never seen: it may be another account's
//     (see elsewhere).
func (j *Judge) explained(obs *model.Observer, account string, req model.Request, env model.Env, out model.Outcome) bool {
	if out.Unknown || out.Code == "" {
		return false
	}
	fleets := []model.Fleet{obs}
	if o := j.elsewhere(obs, account); len(o.ids) > 0 {
		fleets = append(fleets, o)
	}
	homes := []string{""}
	if model.KnownRegion(req.Region) {
		for _, r := range model.Regions {
			if r != req.Region {
				homes = append(homes, r)
				break
			}
		}
	}
	for _, f := range fleets {
		for _, home := range homes {
			e := env
			e.Home = home
			if model.Judge(f, req, e).Accepts(out.Code, j.strictness) {
				return true
			}
		}
	}
	return false
}

// authFacts are the authentication facts an unverifiable request may have
// had, in the order the judge tries them.
var authFacts = []model.AuthFact{model.AuthOK, model.AuthBadSignature, model.AuthUnknownSecretID,
	model.AuthBadToken, model.AuthMalformed, model.AuthMissing}

// resolve decides what the recording leaves unknown of a request (u):
// the first of the requests it may have been, in the order candidates
// gives them (authenticated, fresh and complete first), under which the
// model accepts the answer. When none is, the request is judged as the
// first, unless the answer is the code of an authentication rule another
// breaks: a failed authentication then, judged for what else it got
// wrong (a strict target must check the protocol first).
func (j *Judge) resolve(obs *model.Observer, req model.Request, u unknowns, env model.Env, out model.Outcome, account string) model.Request {
	cs := candidates(req, u, env, account)
	if out.Unknown {
		return cs[0]
	}
	for _, c := range cs {
		if model.Judge(obs, c, env).Accepts(out.Code, j.strictness) {
			return c
		}
	}
	for _, c := range cs[1:] {
		for _, v := range model.Judge(obs, c, env).Violations {
			if r := v.Rule.Rank(); r >= model.RuleAuthMissing.Rank() && r < model.RuleRateLimit.Rank() && v.Lenient.Has(out.Code) {
				return c
			}
		}
	}
	return cs[0]
}

// candidates are the requests req may have been, given what the
// recording leaves unknown of it (u), authenticated as account, in the
// order the judge tries them: each authentication fact (u.auth, or the
// decoded one), with a timestamp the target's clock finds fresh, one it
// finds expired and none (when u.timestamp), with a nonce and without
// (when u.nonce). Without the target's clock the timestamp window is not
// judged (model.Env.Now), so a timestamp then only needs to be there.
func candidates(req model.Request, u unknowns, env model.Env, account string) []model.Request {
	auths := u.auth
	if auths == nil {
		auths = []model.AuthFact{req.Auth}
	}
	stamps := []time.Time{req.Timestamp}
	if u.timestamp {
		fresh := env.Now
		if fresh.IsZero() {
			fresh = time.Unix(0, 0)
		}
		stamps = []time.Time{fresh}
		if !env.Now.IsZero() {
			stamps = append(stamps, env.Now.Add(-2*model.TimestampWindow))
		}
		stamps = append(stamps, time.Time{})
	}
	nonces := []bool{req.NonceMissing}
	if u.nonce {
		nonces = []bool{false, true}
	}
	var out []model.Request
	for _, a := range auths {
		for _, ts := range stamps {
			for _, nm := range nonces {
				c := req
				c.Auth, c.Account, c.Timestamp, c.NonceMissing = a, account, ts, nm
				// The other readings of the bytes (ledger L-27) are of the
				// same request: what the recording leaves unknown is
				// resolved for them alike, so a scrubbed signature is not
				// read as a malformed one by one of them.
				c.Readings = slices.Clone(req.Readings)
				for i := range c.Readings {
					r := &c.Readings[i]
					if u.auth != nil {
						r.Auth = a
					}
					r.Account, r.Timestamp, r.NonceMissing = account, ts, nm
				}
				out = append(out, c)
			}
		}
	}
	return out
}

// learn gives the instances met before they were seen the zone, charge
// type and disks their first observation shows, keeping the states that
// agree with what was assumed of them (StopChargingEligible: whether a
// STOP_CHARGING stop was accepted depends on it).
func (j *Judge) learn(account string, obs *model.Observer, views []model.View) {
	for _, v := range views {
		if !j.unseen[account][v.ID] {
			continue
		}
		delete(j.unseen[account], v.ID)
		ps := obs.Possible(v.ID)
		var agree, all []model.Instance
		for _, p := range ps {
			q := p
			q.Zone, q.ChargeType, q.SystemDisk, q.LocalDataDisk = v.Zone, v.ChargeType, v.SystemDisk, v.LocalDataDisk
			all = append(all, q)
			if model.StopChargingEligible(q) == model.StopChargingEligible(p) {
				agree = append(agree, q)
			}
		}
		if len(agree) == 0 {
			// Sound before complete: the target's earlier answers cannot
			// be judged again; believe what it shows now.
			agree = all
		}
		obs.Suppose(agree)
	}
}

// restrict keeps, in account's observer, the instances keep accepts.
func (j *Judge) restrict(account string, keep func(id string) bool) *model.Observer {
	o := j.obs[account]
	var ids []string
	for _, id := range o.IDs() {
		if keep(id) {
			ids = append(ids, id)
		}
	}
	j.obs[account] = o.Restrict(ids)
	return j.obs[account]
}

// forget drops the instances from every observer.
func (j *Judge) forget(ids []string) {
	for account := range j.obs {
		j.restrict(account, func(id string) bool { return !slices.Contains(ids, id) })
		for _, id := range ids {
			delete(j.unseen[account], id)
		}
	}
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
	return dedupe(out)
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

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	out := ss[:0:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func intersect(a, b []string) []string {
	var out []string
	for _, s := range a {
		if slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return dedupe(out)
}
