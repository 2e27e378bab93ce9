package model

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// Env is what the model needs to know about a request besides the request
// itself and the fleet.
type Env struct {
	// Now is the target's clock when the request arrived; zero leaves the
	// timestamp window unjudged.
	Now time.Time
	// Limited says whether the request was over its action's rate limit
	// when it arrived. Only a limiter knows; a client sets Maybe and lets
	// the rate-limit specification (CheckRate) judge the timeline.
	Limited Tri
	// Home is the region the target is known to serve: the run's own.
	// A request for another listed region may then be refused as
	// unsupported (RuleRegionNotServed, ledger L-26): a target may serve
	// one region only. "" judges no such rule.
	Home string
}

// Timestamp window (facts §4): a request more than 5 minutes away from the
// server's time is refused. Within TimestampEdge of the boundary either
// answer is accepted (ledger L-14): clocks differ, and the docs do not say
// whether exactly 300 s passes.
const (
	TimestampWindow = 300 * time.Second
	TimestampEdge   = 10 * time.Second
)

// Judgement is a verdict together with what a successful request would
// act on: the distinct, well-formed instance IDs it names and, for a stop,
// its intent.
type Judgement struct {
	Verdict
	Action  string
	Targets []string
	Intent  Intent
	Filters []Filter
	Offset  int
	Limit   int
}

// Judge returns the outcomes a target may answer to request r, given
// the states the fleet's instances may be in. It never mutates its inputs.
//
// The request-level rules (protocol, authentication, parameters) hold or
// not whatever the fleet; the instance-level rules (existence, state,
// applicability) are judged for every state each named instance may be
// in, and the rate limit for both answers when env.Limited is Maybe. See
// combine for how the outcomes of several possible violations join.
//
// A request with other Readings (ledger L-27) is judged as each of them
// too, and an answer any of them accepts is acceptable (Judgement.or).
func Judge(f Fleet, r Request, env Env) Judgement {
	j := judgeReading(f, r, env)
	for _, alt := range r.Readings {
		j = j.or(judgeReading(f, alt, env))
	}
	return j
}

// or joins the judgements of two readings of one request: the outcomes
// either accepts, and every violation of either. What a success acts on
// is j's where j may succeed, else k's. Two readings that may both
// succeed and act on different instances (a JSON name twice, each value
// a well-formed ID) are not told apart: the observer follows the first,
// and a target that served the other is believed to have served it. The
// corpus sends no such request, and no client does.
func (j Judgement) or(k Judgement) Judgement {
	if !j.Abstain && !j.Lenient.Success && (k.Abstain || k.Lenient.Success) {
		j.Action, j.Targets, j.Intent, j.Filters, j.Offset, j.Limit = k.Action, k.Targets, k.Intent, k.Filters, k.Offset, k.Limit
	}
	j.Abstain = j.Abstain || k.Abstain
	j.Lenient = j.Lenient.Union(k.Lenient)
	j.Strict = j.Strict.Union(k.Strict)
	vs := append(slices.Clone(j.Violations), k.Violations...)
	sort.SliceStable(vs, func(a, b int) bool { return vs[a].rank() < vs[b].rank() })
	j.Violations = dedupeViolations(vs)
	return j
}

// judgeReading judges one reading of a request.
func judgeReading(f Fleet, r Request, env Env) Judgement {
	j := Judgement{Action: r.Action, Limit: DescribeDefaultLimit}
	certain := protocolViolations(r, env)
	certain = append(certain, authViolations(r, env)...)
	spec := actionSpecs[r.Action]
	if spec == nil {
		if contains(unmodeledActions, r.Action) {
			j.Abstain = true
			return j
		}
		j.Verdict = combine(certain, nil)
		return j
	}
	var factors []factor
	rate := violate(RuleRateLimit, fmt.Sprintf("over the %s limit of %d a second", r.Action, RateLimit(r.Action)))
	switch env.Limited {
	case Yes:
		certain = append(certain, rate)
	case Maybe:
		factors = append(factors, factor{nil, {rate}})
	}
	p := parseParams(spec, r)
	certain = append(certain, p.violations...)
	for _, id := range p.ids {
		c, opts := instanceViolations(f, r, id, p.intent)
		certain = append(certain, c...)
		if len(opts) > 0 {
			factors = append(factors, opts)
		}
	}
	j.Verdict = combine(certain, factors)
	j.Targets, j.Intent, j.Filters, j.Offset, j.Limit = p.ids, p.intent, p.filters, p.offset, p.limit
	return j
}

// protocolViolations applies the protocol rules: method, size, encoding,
// action, version, region and host (DESIGN: the first stage).
func protocolViolations(r Request, env Env) []Violation {
	var vs []Violation
	t := r.Transport
	if t.Method != "GET" && t.Method != "POST" {
		vs = append(vs, violate(RuleMethod, "method "+t.Method))
	}
	if t.BodyTooLarge {
		vs = append(vs, violate(RuleSize, "the request is over the size limit"))
	}
	switch t.Decode {
	case DecodeContentType:
		vs = append(vs, violate(RuleContentType, fmt.Sprintf("content type %q", t.ContentType)))
	case DecodeStyleMismatch:
		vs = append(vs, violate(RuleStyleMismatch, fmt.Sprintf("%s body signed with %s", t.ContentType, t.Signature)))
	case DecodeMalformed:
		vs = append(vs, violate(RuleMalformed, "the parameters cannot be parsed"))
	case DecodeNotUTF8:
		vs = append(vs, violate(RuleUTF8, "the parameters are not valid UTF-8"))
	}
	switch {
	case r.Action == "":
		vs = append(vs, violate(RuleActionMissing, "no Action"))
	case !Modeled(r.Action) && !contains(unmodeledActions, r.Action):
		vs = append(vs, violate(RuleActionUnknown, fmt.Sprintf("Action %q", r.Action)))
	}
	switch r.Version {
	case "":
		vs = append(vs, violate(RuleVersionMissing, "no Version"))
	case APIVersion:
	default:
		vs = append(vs, violate(RuleVersionWrong, fmt.Sprintf("Version %q", r.Version)))
	}
	hostKind, hostRegion := ClassifyHost(r.Host)
	switch {
	case r.Region == "":
		vs = append(vs, violate(RuleRegionMissing, "no Region"))
	case !KnownRegion(r.Region):
		vs = append(vs, violate(RuleRegionUnknown, fmt.Sprintf("Region %q", r.Region)))
	case FinanceRegion(r.Region) && hostKind != HostOther && hostRegion != r.Region:
		vs = append(vs, violate(RuleFinanceHost, fmt.Sprintf("Finance region %s sent to %s, not %s", r.Region, r.Host, RegionHost(r.Region))))
	case hostKind == HostFinance && hostRegion != r.Region:
		vs = append(vs, violate(RuleAtFinanceHost, fmt.Sprintf("Region %s sent to the Finance host %s", r.Region, r.Host)))
	}
	if env.Home != "" && KnownRegion(r.Region) && r.Region != env.Home {
		vs = append(vs, violate(RuleRegionNotServed, fmt.Sprintf("Region %s, not %s", r.Region, env.Home)))
	}
	return vs
}

// authViolations applies the authentication rules (facts §4).
func authViolations(r Request, env Env) []Violation {
	var vs []Violation
	switch r.Auth {
	case AuthMissing:
		vs = append(vs, violate(RuleAuthMissing, "the request is not signed"))
	case AuthMalformed:
		vs = append(vs, violate(RuleAuthMalformed, "the Authorization header cannot be parsed"))
	case AuthUnknownSecretID:
		vs = append(vs, violate(RuleSecretID, "the SecretId is unknown"))
	case AuthBadToken:
		vs = append(vs, violate(RuleToken, "the session token is wrong"))
	case AuthBadSignature:
		vs = append(vs, violate(RuleSignature, "the signature does not match"))
	}
	if r.NonceMissing && r.Auth != AuthMissing {
		vs = append(vs, violate(RuleNonceMissing, "the v1 request has no Nonce"))
	}
	switch {
	case r.Timestamp.IsZero():
		if r.Auth != AuthMissing {
			vs = append(vs, violate(RuleTimestampMissing, "no timestamp"))
		}
	case env.Now.IsZero():
	default:
		skew := env.Now.Sub(r.Timestamp).Abs()
		switch {
		case skew > TimestampWindow+TimestampEdge:
			vs = append(vs, violate(RuleExpired, fmt.Sprintf("timestamp %s away from the target's clock", skew.Round(time.Second))))
		case skew > TimestampWindow-TimestampEdge:
			vs = append(vs, violate(RuleExpiryEdge, fmt.Sprintf("timestamp %s away from the target's clock", skew.Round(time.Second))))
		}
	}
	return vs
}

// instanceViolations judges one named instance: certain violations when the
// caller cannot see it at all, or one option per distinct case of the
// states it may be in.
func instanceViolations(f Fleet, r Request, id string, in Intent) ([]Violation, factor) {
	all := f.Possible(id)
	var visible []Instance
	otherOwner := false
	for _, p := range all {
		if p.Owner == r.Account && (r.Region == "" || p.Region() == r.Region) {
			visible = append(visible, p)
		} else if p.Owner != r.Account {
			otherOwner = true
		}
	}
	if len(visible) == 0 {
		switch {
		case r.Action == ActionDescribe:
			return []Violation{{Rule: RuleDescribeUnknown, Instance: id, Detail: id + " does not exist for the caller", Lenient: RuleDescribeUnknown.Lenient, Strict: RuleDescribeUnknown.Strict}}, nil
		case otherOwner:
			return []Violation{{Rule: RuleOtherAccount, Instance: id, Detail: id + " belongs to another account", Lenient: RuleOtherAccount.Lenient, Strict: RuleOtherAccount.Strict}}, nil
		default:
			return []Violation{{Rule: RuleNotFound, Instance: id, Detail: id + " does not exist in " + r.Region, Lenient: RuleNotFound.Lenient, Strict: RuleNotFound.Strict}}, nil
		}
	}
	var opts factor
	seen := map[string]bool{}
	for _, p := range visible {
		vs := stateViolations(r.Action, p, in)
		key := violationKey(vs)
		if !seen[key] {
			seen[key] = true
			opts = append(opts, vs)
		}
	}
	if len(opts) == 1 {
		return opts[0], nil
	}
	return nil, opts
}

// stateViolations applies the state and applicability rules to one
// possible state p of a named, visible instance.
func stateViolations(action string, p Instance, in Intent) []Violation {
	at := func(r *Rule, detail string) Violation {
		return Violation{Rule: r, Instance: p.ID, Detail: detail, Lenient: r.Lenient, Strict: r.Strict}
	}
	if p.State == Terminated {
		return []Violation{at(RuleTerminated, p.ID+" has been terminated")}
	}
	var vs []Violation
	switch action {
	case ActionStop:
		switch {
		case p.State != Running:
			vs = append(vs, stateViolation(RuleStopState, p.ID, p.State))
		case p.LatestOperationState == OpOperating:
			vs = append(vs, at(RuleInProgress, p.ID+"'s "+p.LatestOperation+" is still OPERATING"))
		}
		if Restricted(p) {
			vs = append(vs, at(RuleRestricted, p.ID+"'s RestrictState is "+p.RestrictState))
		}
		if in.Mode == StopCharging {
			switch StopChargingEligible(p) {
			case No:
				vs = append(vs, at(RuleStopCharging, fmt.Sprintf("STOP_CHARGING on %s (%s, system disk %s)", p.ID, p.ChargeType, p.SystemDisk)))
			case Maybe:
				v := at(RuleStopCharging, fmt.Sprintf("STOP_CHARGING on %s (%s): eligibility undocumented", p.ID, p.ChargeType))
				v.Strict = v.Lenient
				vs = append(vs, v)
			}
		}
	case ActionStart:
		switch {
		case p.State != Stopped:
			vs = append(vs, stateViolation(RuleStartState, p.ID, p.State))
		case p.LatestOperationState == OpOperating:
			vs = append(vs, at(RuleInProgress, p.ID+"'s "+p.LatestOperation+" is still OPERATING"))
		}
		if Restricted(p) {
			vs = append(vs, at(RuleRestricted, p.ID+"'s RestrictState is "+p.RestrictState))
		}
	}
	return vs
}

func violationKey(vs []Violation) string {
	var k string
	for _, v := range vs {
		k += v.Rule.ID + "\x00" + v.Detail + "\x01"
	}
	return k
}

// AllowsSuccess reports whether instance state p admits a successful
// action with intent in (lenient: no rule forbids it).
func AllowsSuccess(action string, p Instance, in Intent) bool {
	return allAllowSuccess(stateViolations(action, p, in), Lenient)
}
