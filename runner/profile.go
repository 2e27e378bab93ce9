package runner

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/report"
)

// The target's profile: at each point where the sources leave an
// implementation room, which defensible choice the target was seen to
// make. Like coverage it is computed from the judged exchanges alone
// (Evidence), so every report kind carries it. Each dimension is named as
// the emulator's variant of the same choice (`cvmconform emulate
// --list-variants`), and its choice in that variant's words, so that a
// profile reads as the --variant that would answer alike; selftest holds
// the two to each other.
//
// The dimensions, and what each is read from:
//
//   - one per rule whose answer is a choice (its lenient outcomes hold
//     more than one answer), named after the rule in lower case
//     ("param-unknown"): the answer to a request that broke that rule
//     alone, certainly, whose every choice was open (a state rule's
//     in-progress codes are open only for an instance in flight), not
//     rate limited, and read one way only (no other readings, ledger
//     L-27); or a refusal whose code only that rule's violations hold,
//     whatever else the request broke (addRefusal: a stop of an instance
//     that is not RUNNING, a request the limiter refused). The state's
//     own code reads as the rule's template
//     (UnsupportedOperation.InstanceState<State>).
//   - precedence (L-05): a request that certainly broke an
//     authentication rule and a rule of the request's shape (presence,
//     types, batch, ID format, enums, combinations) and nothing before
//     them, neither of which lets a target serve it: "declared" when the
//     answer was only the authentication rule's code, "shape-first" when
//     only the shape rule's.
//   - op-state (L-16): listings of the suite's own stops and starts:
//     "lag" when one showed an operation ended (STOPPED after a stop,
//     RUNNING after a start) still OPERATING, "ahead" when one showed it
//     in flight already SUCCESS, "mixed" when both; "together" cannot be
//     told from apart too briefly for a listing to catch, so a run that
//     saw neither has not observed it.
//   - limiter (L-12): "fixed or token" when more StopInstances than the
//     limit were let through (answered, not rate limited, no earlier rule
//     refusing them) within one second — from the first's sending to the
//     last's answer — signed by one account: a sliding window never lets
//     that many through. Not seeing it observes nothing.
//   - latency.<Action>: from a stop or start the target accepted to the
//     first listing that showed it ended, its InstanceState and its
//     LatestOperationState both (an upper bound on each operation; the
//     last listing that showed it in flight, a lower one): min, median
//     and max of the upper bounds. An operation started while the
//     instance's previous one may have been in flight is left out: it
//     may end with that one.
//   - regions (L-26): the regions whose requests the target served, and
//     those it refused as unsupported.
//   - error-status (L-23): the HTTP status of error answers.
//   - request-id: where RequestId stood in Response, "first" or "last",
//     in answers with other members.
//   - key-order: the order of a listed instance's members: "sorted" by
//     name, "declared" or "reversed" against the order the SDK's Instance
//     declares them, else "other" (see keyOrder).

// Dimension names that are not a rule's.
const (
	DimPrecedence   = "precedence"
	DimLimiter      = "limiter"
	DimOpState      = "op-state"
	DimLatency      = "latency"
	DimRegions      = "regions"
	DimErrorStatus  = "error-status"
	DimRequestID    = "request-id"
	DimKeyOrder     = "key-order"
	stateCodePrefix = "UnsupportedOperation.InstanceState"
	stateTemplate   = "UnsupportedOperation.InstanceState<State>"
)

// profileData is what the profile is computed from.
type profileData struct {
	// answers: per rule ID, the answers seen to a lone violation of it.
	answers map[string]map[string]int
	// precedence: "declared" / "shape-first" → count.
	precedence map[string]int
	// lag, ahead: operations seen lagging or run ahead; ended: operations
	// seen ended (InstanceState and LatestOperationState both).
	lag, ahead, ended int
	// inflight: the suite's operations not yet seen ended, by account and
	// instance.
	inflight map[string]*operation
	// latencies: per action, each ended operation's bounds.
	latencies map[string][]bounds
	served    map[string]int // region → served requests
	refused   map[string]int // region → refused as unsupported
	statuses  map[int]int    // HTTP status of error answers
	ridPlace  map[string]int // "first" / "last" / "between"
	keyOrders map[string]int // a listed instance's member order (keyOrder) → count
	// limit is the StopInstances limit a second the target is expected
	// to enforce; through are the StopInstances the limiter let through,
	// by account, in the order judged; burst the most a merged history
	// saw let through within one second (through is each history's own).
	limit   int
	through map[string][]arrival
	burst   int
}

// arrival bounds when a request reached the target: after it was sent,
// before its answer came.
type arrival struct{ sent, received time.Time }

// operation is a stop or start the target accepted, until a listing
// shows it ended.
type operation struct {
	action   string
	sent     time.Time // when its request was sent
	answered time.Time // when the answer came (its request was served by then)
	inFlight time.Time // when the last listing that showed it in flight was sent; zero if none
	// lagged and ahead: a listing showed its InstanceState ended while
	// its LatestOperationState was not, or the reverse.
	lagged, ahead bool
	// stacked: it started while the instance's previous operation had
	// not been seen ended.
	stacked bool
}

// bounds are what the listings say of one operation's latency: it took
// more than lo (a listing sent lo after the answer showed it in flight)
// and at most hi (a listing answered hi after the request was sent showed
// it ended).
type bounds struct{ lo, hi time.Duration }

func newProfileData() profileData {
	return profileData{answers: map[string]map[string]int{}, precedence: map[string]int{},
		inflight: map[string]*operation{}, latencies: map[string][]bounds{}, served: map[string]int{},
		refused: map[string]int{}, statuses: map[int]int{}, ridPlace: map[string]int{}, keyOrders: map[string]int{},
		through: map[string][]arrival{}}
}

// add reads one judged exchange into the profile's data.
func (d *profileData) add(in Judgeable, r Judged, out model.Outcome, before map[string]prior) {
	j := r.Judgement
	if !j.Abstain && !out.Unknown && len(r.Request.Readings) == 0 {
		if !d.addRefusal(j, r.Listed, out.Code) && !model.IsRateLimited(out.Code) {
			d.addAnswer(j, r.Listed, out.Code)
		}
		if !model.IsRateLimited(out.Code) {
			d.addPrecedence(j, out.Code)
		}
	}
	if !out.Unknown && in.NotEnvelope == "" {
		d.addForm(in, r.Request, r.Judgement, out)
	}
	d.addOperations(in, r, out, before)
	if j.Action == model.ActionStop && !j.Abstain && !out.Unknown && !model.IsRateLimited(out.Code) &&
		!j.StopsBefore(model.RuleRateLimit) && !in.Sent.IsZero() && !in.Received.IsZero() {
		// It reached the limiter (no earlier rule refused it) and was
		// let through.
		who := in.Account + "\x00" + r.Request.Account // a run's lane sends as its account and, for some checks, the second
		d.through[who] = append(d.through[who], arrival{in.Sent, in.Received})
	}
}

// mostInOneSecond is the most StopInstances of one account the limiter
// let through that certainly reached it within one second: from the
// first's sending to the last's answer, under a second.
func (d profileData) mostInOneSecond() int {
	most := d.burst
	for _, as := range d.through {
		sorted := slices.Clone(as)
		slices.SortFunc(sorted, func(a, b arrival) int { return a.sent.Compare(b.sent) })
		for i := range sorted {
			n := 0
			for k := i; k < len(sorted) && sorted[k].sent.Sub(sorted[i].sent) < time.Second; k++ {
				if sorted[k].received.Sub(sorted[i].sent) < time.Second {
					n++
				}
			}
			most = max(most, n)
		}
	}
	return most
}

// addAnswer records the answer to a request that broke one rule alone.
func (d *profileData) addAnswer(j model.Judgement, listed []model.View, code string) {
	var lone *model.Violation
	for i, v := range j.Violations {
		switch {
		case listedAnyway(v, listed):
			return // partial knowledge: the instance existed after all
		case v.Maybe && v.Rule == model.RuleRateLimit:
		case v.Maybe || lone != nil && lone.Rule != v.Rule:
			return
		default:
			lone = &j.Violations[i]
		}
	}
	if lone == nil || !choiceRule(lone.Rule) {
		return
	}
	word := answerWord(lone.Rule, code)
	open := lone.Lenient
	if lone.Rule.Lenient.Has(stateTemplate) {
		open = templated(open)
	}
	if !lone.Rule.Lenient.Subset(open) {
		return // not every choice was open to the target
	}
	if d.answers[lone.Rule.ID] == nil {
		d.answers[lone.Rule.ID] = map[string]int{}
	}
	d.answers[lone.Rule.ID][word]++
}

// addRefusal records a refusal the judgement says is one rule's: every
// violation whose outcomes hold the code is of that rule, so the target
// refused for it, whatever else the request may have broken and whatever
// state its instance was in (a stop of an instance that is STOPPED or
// STOPPING, or PENDING or LAUNCH_FAILED, breaks STATE-STOP either way;
// a request the limiter refused may have broken RATE-LIMIT only). It
// reports whether it recorded the code.
//
// The code is the target's choice only where its choice could be
// answered. Where some of the rule's answers were closed (the in-progress
// codes, open only for an instance in flight, ledger L-19), an answer of
// the model's canonical code may be a target's fallback from a choice it
// could not answer here — the reference emulator falls back so — and
// observes nothing; any other open code is the target's own choice.
func (d *profileData) addRefusal(j model.Judgement, listed []model.View, code string) bool {
	if code == "" {
		return false
	}
	var rule *model.Rule
	var holders []model.Violation
	for _, v := range j.Violations {
		switch {
		case listedAnyway(v, listed) || !v.Lenient.Has(code):
		case rule != nil && v.Rule != rule:
			return false // two rules answer with this code: whose it was is unknown
		default:
			rule = v.Rule
			holders = append(holders, v)
		}
	}
	if rule == nil || !choiceRule(rule) {
		return false
	}
	word := answerWord(rule, code)
	for _, v := range holders {
		open := v.Lenient
		if rule.Lenient.Has(stateTemplate) {
			open = templated(open)
		}
		if !rule.Lenient.Subset(open) && word == answerWord(rule, model.CanonicalCode(v)) {
			return false
		}
	}
	if d.answers[rule.ID] == nil {
		d.answers[rule.ID] = map[string]int{}
	}
	d.answers[rule.ID][word]++
	return true
}

// choiceRule reports whether r's answer is a choice: its lenient
// outcomes hold more than one answer.
func choiceRule(r *model.Rule) bool {
	n := len(r.Lenient.Codes)
	if r.Lenient.Success {
		n++
	}
	return n >= 2
}

// answerWord is an answer in a rule's own words: "success", or the code,
// a state's own code as the rule's template.
func answerWord(r *model.Rule, code string) string {
	switch {
	case code == "":
		return "success"
	case !r.Lenient.Has(code) && r.Lenient.Has(stateTemplate) && strings.HasPrefix(code, stateCodePrefix):
		return stateTemplate
	}
	return code
}

// templated is o with every state's own code read as the template.
func templated(o model.Outcomes) model.Outcomes {
	var codes []string
	for _, c := range o.Codes {
		if strings.HasPrefix(c, stateCodePrefix) && !model.RuleStopState.Lenient.Has(c) {
			c = stateTemplate
		}
		codes = append(codes, c)
	}
	return model.Outcomes{Success: o.Success, Codes: codes}.Union(model.Outcomes{})
}

// addPrecedence records which of an authentication rule and a shape rule
// answered first.
func (d *profileData) addPrecedence(j model.Judgement, code string) {
	if code == "" {
		return
	}
	var auth, shape model.Outcomes
	for _, v := range j.Violations {
		switch {
		case v.Maybe:
			continue
		case v.Rule.Rank() < model.RuleAuthMissing.Rank() || v.Lenient.Success:
			return // a protocol rule comes first either way; a rule a target may serve decides nothing
		case v.Rule.Rank() < model.RuleRateLimit.Rank():
			auth = auth.Union(v.Lenient)
		case v.Rule.RequestShape():
			shape = shape.Union(v.Lenient)
		}
	}
	if auth.Empty() || shape.Empty() {
		return
	}
	switch {
	case auth.Has(code) && !shape.Has(code):
		d.precedence["declared"]++
	case shape.Has(code) && !auth.Has(code):
		d.precedence["shape-first"]++
	}
}

// addForm records the answer's form: its HTTP status when an error, where
// RequestId stands, the order of members the SDK declares.
func (d *profileData) addForm(in Judgeable, req model.Request, j model.Judgement, out model.Outcome) {
	if out.Code != "" && in.Status != 0 {
		d.statuses[in.Status]++
	}
	if model.KnownRegion(req.Region) {
		switch {
		case out.Code == "":
			d.served[req.Region]++
		case out.Code == model.CodeUnsupportedRegion && onlyBreaks(j, model.RuleRegionNotServed):
			d.refused[req.Region]++
		}
	}
	if in.Raw == "" {
		return
	}
	keys, instance := responseKeys(in.Raw)
	if len(keys) >= 2 {
		switch slices.Index(keys, "RequestId") {
		case 0:
			d.ridPlace["first"]++
		case len(keys) - 1:
			d.ridPlace["last"]++
		case -1:
		default:
			d.ridPlace["between"]++
		}
	}
	if o := keyOrder(instance); o != "" {
		d.keyOrders[o]++
	}
}

// declaredInstance is the order in which the SDK's Instance (cvm
// v20170312 models.go) declares the members the suite reads, those whose
// place every version agrees on.
var declaredInstance = []string{"Placement", "InstanceId", "InstanceType", "CPU", "Memory", "RestrictState", "InstanceName",
	"InstanceChargeType", "SystemDisk", "DataDisks", "PrivateIpAddresses", "PublicIpAddresses", "CreatedTime", "ExpiredTime",
	"InstanceState", "StopChargingMode", "Uuid", "LatestOperation", "LatestOperationState", "LatestOperationRequestId"}

// keyOrder names the order of a listed instance's members: "sorted" (by
// name, every member), "declared" or "reversed" (the members of
// declaredInstance in its order, or the reverse), "other" (none of the
// three); "" when the members present read the same in two of the orders,
// or there are fewer than two of them.
func keyOrder(keys []string) string {
	var known []string
	for _, k := range keys {
		if slices.Contains(declaredInstance, k) {
			known = append(known, k)
		}
	}
	declared := slices.Clone(known)
	slices.SortFunc(declared, func(a, b string) int { return slices.Index(declaredInstance, a) - slices.Index(declaredInstance, b) })
	reversed := slices.Clone(declared)
	slices.Reverse(reversed)
	if len(known) < 2 {
		return ""
	}
	var match []string
	for _, o := range []struct {
		name string
		is   bool
	}{{"sorted", slices.IsSorted(keys)}, {"declared", slices.Equal(known, declared)}, {"reversed", slices.Equal(known, reversed)}} {
		if o.is {
			match = append(match, o.name)
		}
	}
	switch len(match) {
	case 0:
		return "other"
	case 1:
		return match[0]
	}
	return "" // the members present read the same in two orders
}

// onlyBreaks reports whether r is the one rule the judgement says the
// request certainly broke.
func onlyBreaks(j model.Judgement, r *model.Rule) bool {
	found := false
	for _, v := range j.Violations {
		switch {
		case v.Rule == r:
			found = true
		case !v.Maybe:
			return false
		}
	}
	return found
}

// responseKeys are the member names of an answer's Response, in order,
// and those of the first instance a DescribeInstances answer lists.
func responseKeys(raw string) (keys, instance []string) {
	dec := json.NewDecoder(strings.NewReader(raw))
	var outer map[string]json.RawMessage
	if dec.Decode(&outer) != nil {
		return nil, nil
	}
	keys = objectKeys(outer["Response"])
	var resp struct{ InstanceSet []json.RawMessage }
	if json.Unmarshal(outer["Response"], &resp) == nil && len(resp.InstanceSet) > 0 {
		instance = objectKeys(resp.InstanceSet[0])
	}
	return keys, instance
}

// objectKeys are the member names of a JSON object, in order; nil when
// raw is not one.
func objectKeys(raw json.RawMessage) []string {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		k, _ := t.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return keys
		}
	}
	return keys
}

// addOperations follows the suite's stops and starts through the
// listings: how long each took, and how its operation state went.
func (d *profileData) addOperations(in Judgeable, r Judged, out model.Outcome, before map[string]prior) {
	key := func(id string) string { return in.Account + "\x00" + id }
	act := r.Judgement.Action
	if (act == model.ActionStop || act == model.ActionStart) && !out.Unknown && out.Code == "" {
		for _, id := range r.Judgement.Targets {
			answered := in.Received
			if answered.IsZero() {
				answered = in.Sent
			}
			// An operation started on one not seen ended, or that the
			// observer held may still be in flight (ledger L-19: a target
			// may serve it), may end with it: it has no latency of its own
			// to measure.
			_, stacked := d.inflight[key(id)]
			stacked = stacked || before[id].Busy
			d.inflight[key(id)] = &operation{action: act, sent: in.Sent, answered: answered, stacked: stacked}
		}
	}
	at := in.Received
	if at.IsZero() {
		at = in.Sent
	}
	for _, v := range r.Listed {
		op := d.inflight[key(v.ID)]
		if op == nil || v.LatestOperation != op.action {
			continue
		}
		end := model.Stopped
		if op.action == model.ActionStart {
			end = model.Running
		}
		switch {
		case v.State == end && v.LatestOperationState == model.OpOperating:
			// The instance's state ended, its operation's not yet: the
			// operation is still in flight (ledger L-16).
			if !op.lagged {
				op.lagged = true
				d.lag++
			}
			op.inFlight = in.Sent
		case v.State == end:
			d.ended++
			if !op.sent.IsZero() && !at.IsZero() && !op.stacked {
				lo := time.Duration(0)
				if !op.inFlight.IsZero() {
					lo = max(0, op.inFlight.Sub(op.answered))
				}
				d.latencies[op.action] = append(d.latencies[op.action], bounds{lo: lo, hi: at.Sub(op.sent)})
			}
			delete(d.inflight, key(v.ID))
		case v.State == model.Stopping || v.State == model.Starting:
			if v.LatestOperationState == model.OpSuccess && !op.ahead {
				op.ahead = true
				d.ahead++
			}
			op.inFlight = in.Sent
		default:
			delete(d.inflight, key(v.ID)) // it ended another way (a failed soft stop)
		}
	}
}

// merge adds o's data to d (another lane's).
func (d *profileData) merge(o profileData) {
	for rule, m := range o.answers {
		if d.answers[rule] == nil {
			d.answers[rule] = map[string]int{}
		}
		addCounts(d.answers[rule], m)
	}
	addCounts(d.precedence, o.precedence)
	d.lag, d.ahead, d.ended = d.lag+o.lag, d.ahead+o.ahead, d.ended+o.ended
	for a, bs := range o.latencies {
		d.latencies[a] = append(d.latencies[a], bs...)
	}
	addCounts(d.served, o.served)
	addCounts(d.refused, o.refused)
	addCounts(d.statuses, o.statuses)
	addCounts(d.ridPlace, o.ridPlace)
	addCounts(d.keyOrders, o.keyOrders)
	// Another history's requests are another lane's or account's: their
	// bursts are its own, never joined with these.
	d.burst = max(d.burst, o.mostInOneSecond())
	d.limit = max(d.limit, o.limit)
}

func addCounts[K comparable](into, from map[K]int) {
	for k, n := range from {
		into[k] += n
	}
}

// Profile returns every dimension, in a fixed order: the rules' (in rule
// order), then precedence, op-state, latency per action, regions,
// error-status, request-id and key-order. A dimension the history did not
// show has Choice "" and says why.
func (e *Evidence) Profile() []report.Dimension {
	d := e.prof
	var out []report.Dimension
	for _, r := range model.Rules {
		if choiceRule(r) {
			out = append(out, ruleDimension(r, d.answers[r.ID]))
		}
	}
	out = append(out, d.precedenceDim(), d.opStateDim(), d.limiterDim())
	for _, act := range []string{model.ActionStop, model.ActionStart} {
		out = append(out, latencyDim(act, d.latencies[act]))
	}
	return append(out, d.regionsDim(), d.statusDim(), d.requestIDDim(), d.keyOrderDim())
}

// ruleDimension names the answers seen to a lone violation of r.
func ruleDimension(r *model.Rule, seen map[string]int) report.Dimension {
	dim := report.Dimension{Name: strings.ToLower(r.ID), Ledger: r.Ledger}
	if len(seen) == 0 {
		dim.Evidence = "no request broke " + r.ID + " alone with every answer open"
		return dim
	}
	words := slices.Sorted(maps.Keys(seen))
	dim.Choice = strings.Join(words, " | ")
	dim.Evidence = fmt.Sprintf("%s to requests refused for %s, or breaking it alone", countsText(seen), r.ID)
	return dim
}

func (d profileData) precedenceDim() report.Dimension {
	return seenDim(report.Dimension{Name: DimPrecedence, Ledger: "L-05"}, d.precedence,
		"no request broke an authentication rule and a rule of its shape alone",
		"%s (requests breaking an authentication rule and a shape rule)")
}

// seenDim is dim with the choices seen (each with how often, counts) as
// its choice, the counts in what (a format with one %s) as its evidence,
// or, when none was seen, none as its evidence.
func seenDim(dim report.Dimension, counts map[string]int, none, what string) report.Dimension {
	if len(counts) == 0 {
		dim.Evidence = none
		return dim
	}
	dim.Choice = strings.Join(slices.Sorted(maps.Keys(counts)), " | ")
	dim.Evidence = fmt.Sprintf(what, countsText(counts))
	return dim
}

func (d profileData) opStateDim() report.Dimension {
	dim := report.Dimension{Name: DimOpState, Ledger: "L-16"}
	switch {
	case d.lag > 0 && d.ahead > 0:
		dim.Choice = "mixed"
	case d.lag > 0:
		dim.Choice = "lag"
	case d.ahead > 0:
		dim.Choice = "ahead"
	}
	switch {
	case d.ended == 0:
		dim.Evidence = "no listing showed one of the run's stops or starts ended"
	case dim.Choice == "":
		dim.Evidence = fmt.Sprintf("%d operations seen ended, none lagging or ahead: together, or apart too briefly for a listing to catch", d.ended)
	default:
		dim.Evidence = fmt.Sprintf("%d operations seen ended: %d lagging (ended while OPERATING), %d ahead (in flight with SUCCESS)", d.ended, d.lag, d.ahead)
	}
	return dim
}

// limiterDim says whether the limiter let more StopInstances through in
// one second than the limit: a sliding one-second window never does; a
// fixed window does across a second's boundary, a token bucket in a burst
// (ledger L-12). Not seeing it proves nothing (the run may not have sent
// such a burst), so "sliding" is never claimed.
func (d profileData) limiterDim() report.Dimension {
	dim := report.Dimension{Name: DimLimiter, Ledger: "L-12"}
	n := d.mostInOneSecond()
	switch {
	case d.limit <= 0 || n == 0:
		dim.Evidence = "no StopInstances reached the limiter with its times known"
	case n > d.limit:
		dim.Choice = "fixed or token"
		dim.Evidence = fmt.Sprintf("%d StopInstances let through within one second, over the limit of %d: no sliding window", n, d.limit)
	default:
		dim.Evidence = fmt.Sprintf("at most %d StopInstances let through within one second (the limit is %d): a sliding window, or a burst the run did not send", n, d.limit)
	}
	return dim
}

// latencyDim gives min, median and max of an action's operations, each
// the time from the accepted request to the first listing that showed it
// ended.
func latencyDim(action string, bs []bounds) report.Dimension {
	dim := report.Dimension{Name: DimLatency + "." + action, Ledger: "L-16"}
	if len(bs) == 0 {
		dim.Evidence = "no listing showed one of the run's " + action + " operations ended"
		return dim
	}
	his := make([]time.Duration, len(bs))
	var lo time.Duration
	for i, b := range bs {
		his[i] = b.hi
		lo = max(lo, b.lo)
	}
	sort.Slice(his, func(a, b int) bool { return his[a] < his[b] })
	dim.Choice = fmt.Sprintf("min %s, median %s, max %s", short(his[0]), short(his[len(his)/2]), short(his[len(his)-1]))
	dim.Evidence = fmt.Sprintf("%d operations, each from its request to the first listing that showed it ended; seen in flight up to %s after an answer", len(bs), short(lo))
	return dim
}

var (
	latencyChoice   = regexp.MustCompile(`^min (\S+), median \S+, max \S+$`)
	latencyEvidence = regexp.MustCompile(`seen in flight up to (\S+) after an answer$`)
)

// LatencyBounds reads back a latency dimension's words: the slowest
// operation took longer than lo (one was seen in flight that long after
// its answer), and the quickest at most minHi (the smallest of the times
// to the first listing showing each ended). ok is false for a dimension
// not observed, or not a latency's.
func LatencyBounds(d report.Dimension) (lo, minHi time.Duration, ok bool) {
	m, e := latencyChoice.FindStringSubmatch(d.Choice), latencyEvidence.FindStringSubmatch(d.Evidence)
	if m == nil || e == nil || !strings.HasPrefix(d.Name, DimLatency+".") {
		return 0, 0, false
	}
	minHi, err1 := time.ParseDuration(m[1])
	lo, err2 := time.ParseDuration(e[1])
	return lo, minHi, err1 == nil && err2 == nil
}

// short is d rounded for reading: milliseconds under a second, else
// tenths of a second.
func short(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

func (d profileData) regionsDim() report.Dimension {
	dim := report.Dimension{Name: DimRegions, Ledger: "L-26"}
	if len(d.served) == 0 && len(d.refused) == 0 {
		dim.Evidence = "no request of a listed region was served or refused as unsupported"
		return dim
	}
	dim.Choice = "serves " + orNone(slices.Sorted(maps.Keys(d.served)))
	if len(d.refused) > 0 {
		dim.Choice += "; refuses " + strings.Join(slices.Sorted(maps.Keys(d.refused)), ", ")
	}
	dim.Evidence = fmt.Sprintf("requests served by region: %s; refused as UnsupportedRegion: %s", countsText(d.served), orNone([]string{countsText(d.refused)}))
	return dim
}

func (d profileData) statusDim() report.Dimension {
	dim := report.Dimension{Name: DimErrorStatus, Ledger: "L-23"}
	if len(d.statuses) == 0 {
		dim.Evidence = "no error answer with its HTTP status"
		return dim
	}
	var ss []string
	for _, s := range slices.Sorted(maps.Keys(d.statuses)) {
		ss = append(ss, fmt.Sprint(s))
	}
	dim.Choice = strings.Join(ss, " | ")
	counts := map[string]int{}
	for s, n := range d.statuses {
		counts[fmt.Sprint(s)] = n
	}
	dim.Evidence = "error answers by HTTP status: " + countsText(counts)
	return dim
}

func (d profileData) requestIDDim() report.Dimension {
	return seenDim(report.Dimension{Name: DimRequestID, Ledger: "facts §16"}, d.ridPlace,
		"no answer with RequestId among other members", "RequestId's place in Response: %s")
}

// keyOrderDim names the order of listed instances' members (keyOrder).
func (d profileData) keyOrderDim() report.Dimension {
	return seenDim(report.Dimension{Name: DimKeyOrder, Ledger: "facts §5, §16"}, d.keyOrders,
		"no DescribeInstances answer listed an instance with members enough to tell the orders apart",
		"listed instances' members, against the SDK's declared order: %s")
}

// countsText renders counts as "a ×3, b ×1", by name.
func countsText(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func orNone(ss []string) string {
	if len(ss) == 0 || len(ss) == 1 && ss[0] == "" {
		return "none"
	}
	return strings.Join(ss, ", ")
}
