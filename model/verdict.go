package model

import (
	"slices"
	"sort"
	"strings"
)

// Strictness selects how exactly a target's error codes are judged
// (DESIGN "The model").
type Strictness uint8

const (
	// Lenient accepts any code a violated rule could defensibly return,
	// and success wherever the sources leave success open.
	Lenient Strictness = iota
	// Strict accepts, for the first violated rule in precedence order,
	// only the single most specific code the current SDK documents.
	// Where even the SDK does not decide, strict stays as open as the
	// sources (each such case is in the ledger).
	Strict
)

func (s Strictness) String() string {
	if s == Strict {
		return "strict"
	}
	return "lenient"
}

// Outcomes is a set of acceptable outcomes: success and/or error codes.
type Outcomes struct {
	Success bool
	Codes   []string // sorted, distinct
}

// Succeed is the outcome set {success}.
func Succeed() Outcomes { return Outcomes{Success: true} }

// Fail is the outcome set of the given error codes.
func Fail(codes ...string) Outcomes { return Outcomes{Codes: normCodes(codes)} }

// OrSucceed adds success to o.
func (o Outcomes) OrSucceed() Outcomes { o.Success = true; return o }

// Empty reports whether no outcome at all is acceptable.
func (o Outcomes) Empty() bool { return !o.Success && len(o.Codes) == 0 }

// Has reports whether the outcome with code (""=success) is in the set.
func (o Outcomes) Has(code string) bool {
	if code == "" {
		return o.Success
	}
	_, ok := slices.BinarySearch(o.Codes, code)
	return ok
}

// Union returns o ∪ p.
func (o Outcomes) Union(p Outcomes) Outcomes {
	return Outcomes{Success: o.Success || p.Success, Codes: normCodes(append(slices.Clone(o.Codes), p.Codes...))}
}

// Subset reports whether o ⊆ p.
func (o Outcomes) Subset(p Outcomes) bool {
	if o.Success && !p.Success {
		return false
	}
	for _, c := range o.Codes {
		if !p.Has(c) {
			return false
		}
	}
	return true
}

// String renders the set as "success | CodeA | CodeB".
func (o Outcomes) String() string {
	var parts []string
	if o.Success {
		parts = append(parts, "success")
	}
	parts = append(parts, o.Codes...)
	if len(parts) == 0 {
		return "(nothing)"
	}
	return strings.Join(parts, " | ")
}

// Describe renders the set like String, but folds the rate-limit family
// into one note: "success | InvalidParameter (or rate-limited, with no
// effect)".
func (o Outcomes) Describe() string {
	var codes []string
	limited := false
	for _, code := range o.Codes {
		if IsRateLimited(code) {
			limited = true
			continue
		}
		codes = append(codes, code)
	}
	s := Outcomes{Success: o.Success, Codes: codes}.String()
	if limited {
		if len(codes) == 0 && !o.Success {
			return "RequestLimitExceeded (or a sub-code)"
		}
		s += " (or rate-limited, with no effect)"
	}
	return s
}

func normCodes(codes []string) []string {
	if len(codes) == 0 {
		return nil
	}
	out := slices.Clone(codes)
	sort.Strings(out)
	return slices.Compact(out)
}

// Violation is one rule a request breaks (certainly, or in some of the
// states its instances may be in), with the outcomes that rule allows.
type Violation struct {
	Rule     *Rule
	Detail   string // what in this request breaks it
	Instance string // the instance concerned, for instance-level rules
	Lenient  Outcomes
	Strict   Outcomes
	// Maybe says the request breaks the rule in some of the cases the
	// model cannot tell apart (a state its instance may be in, the rate
	// limit when only the target's limiter knows), not in all: rule
	// coverage counts such a violation only when the answer was the
	// rule's own.
	Maybe bool
}

func (v Violation) String() string {
	s := v.Rule.ID + ": " + v.Detail
	if v.Instance != "" && !strings.Contains(v.Detail, v.Instance) {
		s += " (" + v.Instance + ")"
	}
	return s
}

func (v Violation) outcomes(s Strictness) Outcomes {
	if s == Strict {
		return v.Strict
	}
	return v.Lenient
}

// rank orders violations by precedence: the rule's place in the rule table.
func (v Violation) rank() int { return v.Rule.rank }

// Verdict is the model's judgement of one request: every rule it may break
// and the outcomes each strictness accepts. A verdict never accepts nothing.
type Verdict struct {
	// Abstain is set when the model does not model the action (a real
	// CVM action other than the three the suite uses): any outcome.
	Abstain bool
	// Violations lists every rule the request breaks or may break, in
	// precedence order.
	Violations []Violation
	// Lenient and Strict are the acceptable outcomes at each strictness.
	Lenient, Strict Outcomes
}

// Outcomes returns the acceptable outcomes at strictness s.
func (v Verdict) Outcomes(s Strictness) Outcomes {
	if s == Strict {
		return v.Strict
	}
	return v.Lenient
}

// Accepts reports whether a response with error code (""=success) is
// acceptable at strictness s.
func (v Verdict) Accepts(code string, s Strictness) bool {
	return v.Abstain || v.Outcomes(s).Has(code)
}

// factor is one independent source of uncertainty in a verdict: an
// instance with several possible states, or whether the request is over
// the rate limit. Each option is the list of violations in one case.
type factor [][]Violation

// combine builds a verdict from the certain violations (they hold in every
// case) and the factors (each independently takes one of its options).
//
// Lenient: a response is acceptable if, in some combination of options,
// it is the code of a violated rule, or success when every violated rule
// allows success. Strict: in each combination, walk the violated rules in
// precedence order, collecting their strict outcomes until one that does
// not allow success; the union over all combinations is acceptable.
// Violations of the same rule (two instances in different wrong states)
// share a rank, so either's code is acceptable: the sources never say
// which member of a batch an error reports.
//
// The union over combinations is computed without enumerating them: a
// violation of rank r is reachable in strict mode iff some combination
// contains it and no stopping violation ranked before r; per factor that
// needs only the option that stops latest.
func combine(certain []Violation, factors []factor) Verdict {
	var v Verdict
	v.Violations = append(v.Violations, certain...)
	for _, f := range factors {
		for _, opt := range f {
			for _, x := range opt {
				x.Maybe = true
				v.Violations = append(v.Violations, x)
			}
		}
	}
	sort.SliceStable(v.Violations, func(i, j int) bool { return v.Violations[i].rank() < v.Violations[j].rank() })
	v.Violations = dedupeViolations(v.Violations)

	// Lenient.
	lenSuccess := allAllowSuccess(certain, Lenient)
	for _, x := range v.Violations {
		v.Lenient = v.Lenient.Union(Outcomes{Codes: x.Lenient.Codes})
	}
	for _, f := range factors {
		ok := false
		for _, opt := range f {
			if allAllowSuccess(opt, Lenient) {
				ok = true
				break
			}
		}
		lenSuccess = lenSuccess && ok
	}
	v.Lenient.Success = lenSuccess

	// Strict.
	const never = int(^uint(0) >> 1)
	certainStop := firstStop(certain)
	best := make([]int, len(factors)) // per factor: the latest first-stop over its options
	for i, f := range factors {
		best[i] = -1
		for _, opt := range f {
			best[i] = max(best[i], firstStop(opt))
		}
	}
	// m1 ≤ m2 are the two smallest of best; idx1 is where m1 is.
	m1, m2, idx1 := never, never, -1
	for i, b := range best {
		if b < m1 {
			m1, m2, idx1 = b, m1, i
		} else if b < m2 {
			m2 = b
		}
	}
	othersBest := func(except int) int {
		if except == idx1 {
			return m2
		}
		return m1
	}
	add := func(x Violation, limit int) {
		if x.rank() <= limit {
			v.Strict = v.Strict.Union(Outcomes{Codes: x.Strict.Codes})
		}
	}
	for _, x := range certain {
		add(x, min(certainStop, m1))
	}
	for i, f := range factors {
		for _, opt := range f {
			lim := min(certainStop, othersBest(i), firstStop(opt))
			for _, x := range opt {
				add(x, lim)
			}
		}
	}
	v.Strict.Success = certainStop == never && m1 == never
	return v
}

// firstStop is the rank of the first violation in vs whose strict outcomes
// do not include success: where a strict target must stop and answer.
func firstStop(vs []Violation) int {
	r := int(^uint(0) >> 1)
	for _, x := range vs {
		if !x.Strict.Success {
			r = min(r, x.rank())
		}
	}
	return r
}

func allAllowSuccess(vs []Violation, s Strictness) bool {
	for _, x := range vs {
		if !x.outcomes(s).Success {
			return false
		}
	}
	return true
}

func dedupeViolations(vs []Violation) []Violation {
	out := vs[:0:0]
	seen := map[string]bool{}
	for _, x := range vs {
		k := x.Rule.ID + "\x00" + x.Instance + "\x00" + x.Detail
		if !seen[k] {
			seen[k] = true
			out = append(out, x)
		}
	}
	return out
}

// canonicalCodes names, for the rules whose strict outcomes still hold
// several codes, the one the reference emulator answers.
var canonicalCodes = map[*Rule]string{}

func init() {
	for r, code := range map[*Rule]string{
		RuleContentType:      CodeInvalidParameter,
		RuleStyleMismatch:    CodeInvalidParameter,
		RuleFinanceHost:      CodeUnsupportedRegion,
		RuleAtFinanceHost:    CodeUnsupportedRegion,
		RuleAuthMissing:      "AuthFailure.InvalidAuthorization",
		RuleIDsAndFilters:    CodeInvalidCombination,
		RuleDescribeLimitMax: CodeInvalidParameterValue,
		RuleFilterLimit:      "InvalidFilterValue.LimitExceeded",
		RuleTerminated:       CodeNotFound,
		RuleStopCharging:     CodeStoppedModeUnsupported,
	} {
		canonicalCodes[r] = code
	}
}

// Canonical returns the canonical strict answer to a request with this
// verdict: the code of the first violation, in precedence order, whose
// strict outcomes do not include success, and that violation; or "" for
// success. (The reference emulator's defaults refuse more: where a rule
// lets a target serve or refuse, it refuses; see the emulator's
// StrictDefaults.) Violations whose rule pass reports true are passed over:
// that is how an emulator fault breaks a rule. A verdict that abstains
// answers success.
func (v Verdict) Canonical(pass func(*Rule) bool) (string, *Violation) {
	return v.Answer(func(x Violation) string {
		if pass != nil && pass(x.Rule) {
			return ""
		}
		return CanonicalCode(x)
	})
}

// Answer returns the answer of a target that walks the violations in
// precedence order and asks choose, for each, the code it answers with
// ("" to pass over it: serve, as far as that rule goes). The first code
// wins; "" for success. Answer does not check that the codes are
// acceptable: the caller chooses from the violation's own outcomes.
func (v Verdict) Answer(choose func(Violation) string) (string, *Violation) {
	for i := range v.Violations {
		x := &v.Violations[i]
		if code := choose(*x); code != "" {
			return code, x
		}
	}
	return "", nil
}

// CanonicalCode is the canonical strict answer to one violation: "" where
// strict mode lets the request be served, else the single code strict
// mode wants, or the emulator's pick (canonicalCodes) where strict still
// names several.
func CanonicalCode(x Violation) string {
	if x.Strict.Success {
		return ""
	}
	if len(x.Strict.Codes) == 1 {
		return x.Strict.Codes[0]
	}
	if c, ok := canonicalCodes[x.Rule]; ok && x.Strict.Has(c) {
		return c
	}
	return x.Strict.Codes[0]
}

// RequestShape reports whether r belongs to the stages that judge the
// request's parameters alone (presence, types, batch size, ID format,
// enums, combinations): the stages a target may check before or after
// authentication (ledger L-05).
func (r *Rule) RequestShape() bool {
	switch r.Stage {
	case stagePresence, stageType, stageBatch, stageIDFormat, stageEnum, stageCombination:
		return true
	}
	return false
}

// Rank is r's place in the precedence order of Rules.
func (r *Rule) Rank() int { return r.rank }

// StopsBefore reports whether a strict target must answer with an error
// before reaching rule r: some violation ranked before r does not allow
// success. The reference emulator consults its rate limiter only for
// requests that reach RuleRateLimit.
func (v Verdict) StopsBefore(r *Rule) bool {
	for _, x := range v.Violations {
		if x.rank() >= r.rank {
			break
		}
		if !x.Strict.Success {
			return true
		}
	}
	return false
}
