package emulator

import (
	"fmt"
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// A variant is one way a conforming target may answer where the sources
// leave room: a ledger entry with more than one acceptable answer, or a
// dimension that is not a code at all (latency, limiter algorithm,
// response form). The default choice of every variant is the strict
// reference's: the code strict mode wants and, where the sources let a
// target serve a request or refuse it, a refusal (strictDefaults);
// `cvmconform emulate --variant NAME=CHOICE` picks another, and
// `cvmconform selftest` runs the suite against random combinations, each
// of which must pass (DESIGN "Verdicts one can trust"). The choices live
// in this one table; New reads an emulator's into its behaviour (see
// resolve), which the points that act on them consult; no check ever asks
// which variant it talks to.

// Variant is one dimension of choice.
type Variant struct {
	Name   string
	Ledger string // the ledger entry, or the rule, it comes from
	What   string
	// Choices lists the named choices; the first is the default. A
	// variant whose value is a duration (latency) also takes any other.
	Choices []string
	// random lists the choices a random combination draws from, where it
	// is not Choices: latencies long enough to slow a self-test are left
	// to the user.
	random []string
	// parse checks a choice outside Choices; nil if there is none.
	parse func(string) error
	// permissive and refusing are the variant's choices in the two
	// corners (CornerLenient, CornerStrict): its most permissive
	// defensible choice and its most refusing one; "" is the default.
	permissive, refusing string
}

// The names of the variants that are not error codes.
const (
	VariantPrecedence   = "precedence"
	VariantLatency      = "latency"
	VariantOpState      = "op-state"
	VariantLimiter      = "limiter"
	VariantLimiterCount = "limiter-counts"
	VariantGzip         = "gzip"
	VariantKeyOrder     = "key-order"
	VariantRequestID    = "request-id"
	VariantMessages     = "messages"
	VariantExtraFields  = "extra-fields"
	VariantOptional     = "optional-fields"
	VariantDescribeOrd  = "describe-order"
	VariantErrorStatus  = "error-status"
	VariantStartAfterSC = "start-after-stop-charging"
)

// The names of the parsing variants (ledger L-27): how the emulator's
// parser reads odd bytes. Each is read only by parsingOf.
const (
	VariantUTF8           = "utf8"
	VariantRepeatedHeader = "repeated-header"
	VariantDuplicateKey   = "duplicate-key"
	VariantTrailingData   = "trailing-data"
	VariantNameCase       = "name-case"
	VariantSignatureForm  = "signature-form"
)

// The corners: every variant at its most permissive defensible choice,
// or at its most refusing one (DESIGN "Verdicts one can trust"); what
// --variant takes for them.
const (
	CornerLenient = "lenient"
	CornerStrict  = "strict"
)

// ChoiceSuccess is the choice, in a rule's variant, of serving a request
// that breaks only that rule (where the rule's lenient outcomes allow it).
const ChoiceSuccess = "success"

// behaviourVariants are the dimensions that are not a rule's code.
var behaviourVariants = []Variant{
	{Name: VariantPrecedence, Ledger: "L-05",
		What:    "which broken rule answers first: the model's order, or the request's shape (presence, types, batch, ID format, enums, combinations) checked before authentication and the rate limit",
		Choices: []string{"declared", "shape-first"}},
	{Name: VariantLatency, Ledger: "L-16, facts §16",
		What:    "how long each operation (STOPPING, STARTING, …) takes: a duration, or MIN-MAX for a random one in that range per operation (e.g. 10s-30s, as the real cloud)",
		Choices: []string{"300ms", "0s", "50ms", "1s", "10s-30s", "60s"},
		random:  []string{"300ms", "0s", "50ms", "100ms-1s", "1s"},
		parse:   func(s string) error { _, _, err := parseLatency(s); return err }},
	{Name: VariantOpState, Ledger: "L-16",
		What:    "LatestOperationState against InstanceState when an operation ends: together; lagging (STOPPED while OPERATING); ahead (STOPPING while SUCCESS, as the real cloud); or either, per operation",
		Choices: []string{"together", "lag", "ahead", "mixed"}},
	{Name: VariantStartAfterSC, Ledger: "L-24",
		What:    "a start of an instance stopped with STOP_CHARGING, whose CPU and memory were released: always succeeds, or fails back to STOPPED (FAILED) half of the time",
		Choices: []string{"succeeds", "fails-sometimes"}, refusing: "fails-sometimes"},
	{Name: VariantLimiter, Ledger: "L-12",
		What:    "the rate limiter: a sliding one-second window; a fixed window per wall-clock second; a token bucket refilling L a second that bursts up to 2×L",
		Choices: []string{"sliding", "fixed", "token"}, permissive: "token"},
	{Name: VariantLimiterCount, Ledger: "L-12",
		What:    "whether the limiter counts only the requests it accepts, or refused ones too",
		Choices: []string{"accepted", "all"}, refusing: "all"},
	{Name: VariantGzip, Ledger: "facts §5 (gzip/deflate accepted)",
		What:    "whether answers are gzip-compressed when the request accepts it",
		Choices: []string{"no", "yes"}},
	{Name: VariantKeyOrder, Ledger: "facts §5, §16 (key order undocumented)",
		What:    "the order of keys in answers: the SDK's struct order, sorted, or reversed",
		Choices: []string{"declared", "sorted", "reversed"}},
	{Name: VariantRequestID, Ledger: "facts §16 (RequestId last, as recorded)",
		What:    "where RequestId stands in Response: last, as the real cloud, or first",
		Choices: []string{"last", "first"}},
	{Name: VariantMessages, Ledger: "facts §6 (messages are not part of the contract)",
		What:    "error messages as the emulator words them, or reworded",
		Choices: []string{"plain", "reworded"}},
	{Name: VariantExtraFields, Ledger: "facts §9 (Instance has many fields)",
		What:    "whether answers carry fields the suite does not know",
		Choices: []string{"no", "yes"}},
	{Name: VariantOptional, Ledger: "facts §9, §16 (nullable fields)",
		What:    "optional fields without a value: null, or left out",
		Choices: []string{"null", "absent"}},
	{Name: VariantDescribeOrd, Ledger: "L-15",
		What:    "the order of DescribeInstances' InstanceSet: oldest or newest first",
		Choices: []string{"oldest", "newest"}},
	{Name: VariantErrorStatus, Ledger: "L-23",
		What:    "the HTTP status of an error answer",
		Choices: []string{"200", "400"}},
}

// parsingVariant is a variant of the emulator's parser: its choices, in
// order, are the tcapi.Parsing values set sets.
type parsingVariant struct {
	Variant
	set func(p *tcapi.Parsing, choice int)
}

// parsingVariants are the parser's choices (ledger L-27), each refusing
// by default, as the strict reference does.
var parsingVariants = []parsingVariant{
	{Variant{Name: VariantUTF8, Ledger: "L-27, facts §1",
		What:    "parameters that are not UTF-8: refused, or each invalid byte read as U+FFFD, as encoding/json reads a string",
		Choices: []string{"refuse", "replace"}, permissive: "replace"},
		func(p *tcapi.Parsing, i int) { p.UTF8 = []tcapi.UTF8Reading{tcapi.UTF8Refuse, tcapi.UTF8Replace}[i] }},
	{Variant{Name: VariantRepeatedHeader, Ledger: "L-27, L-20, RFC 9110 §5.3",
		What:    "a header sent on two lines: refused (the lines joined, as RFC 9110 combines them, parse as no singleton value), or the first line read, as net/http's Header.Get, or the last",
		Choices: []string{"refuse", "first", "last"}, permissive: "first"},
		func(p *tcapi.Parsing, i int) {
			p.RepeatedHeader = []tcapi.Pick{tcapi.PickRefuse, tcapi.PickFirst, tcapi.PickLast}[i]
		}},
	{Variant{Name: VariantDuplicateKey, Ledger: "L-27, RFC 8259 §4",
		What:    "a JSON object or a form holding a name twice: refused as malformed, or the first value read, as net/http's FormValue, or the last, as encoding/json",
		Choices: []string{"refuse", "first", "last"}, permissive: "last"},
		func(p *tcapi.Parsing, i int) {
			p.DuplicateKey = []tcapi.Pick{tcapi.PickRefuse, tcapi.PickFirst, tcapi.PickLast}[i]
		}},
	{Variant{Name: VariantTrailingData, Ledger: "L-27, RFC 8259 §2, §9",
		What:    "bytes after a JSON body's object: refused as malformed, or ignored, as Go's json.Decoder.Decode reads a stream",
		Choices: []string{"refuse", "ignore"}, permissive: "ignore"},
		func(p *tcapi.Parsing, i int) {
			p.TrailingData = []tcapi.Trailing{tcapi.TrailingRefuse, tcapi.TrailingIgnore}[i]
		}},
	{Variant{Name: VariantNameCase, Ledger: "L-27, seed §2",
		What:    "a JSON parameter name in another case (\"instanceIds\"): another, unknown parameter, or the parameter, as encoding/json fills a struct field",
		Choices: []string{"exact", "fold"}, permissive: "fold"},
		func(p *tcapi.Parsing, i int) { p.NameCase = []tcapi.NameCase{tcapi.NameExact, tcapi.NameFold}[i] }},
	// Both choices refuse, so neither corner moves this one.
	{Variant{Name: VariantSignatureForm, Ledger: "L-27, L-20, facts §2 step 5, §4",
		What:    "a TC3 signature that is not 64 hex digits: compared as it stands (AuthFailure.SignatureFailure), or the header checked and found malformed (AuthFailure.InvalidAuthorization)",
		Choices: []string{"compared", "checked"}},
		func(p *tcapi.Parsing, i int) {
			p.SignatureForm = []tcapi.SignatureForm{tcapi.SignatureCompared, tcapi.SignatureChecked}[i]
		}},
}

// parsingOf is how the emulator's parser reads requests under c.
func parsingOf(c Choices) tcapi.Parsing {
	var p tcapi.Parsing
	for _, v := range parsingVariants {
		v.set(&p, slices.Index(v.Choices, c.get(v.Name)))
	}
	return p
}

// Variants lists every variant: those of the rules whose lenient outcomes
// hold more than one answer (named after the rule, lower-cased), then the
// behaviour dimensions, then the parser's.
var Variants = func() []Variant {
	vs := append(ruleVariants(), behaviourVariants...)
	for _, p := range parsingVariants {
		vs = append(vs, p.Variant)
	}
	return vs
}()

// CornerChoices returns every variant at its most permissive defensible
// choice (CornerLenient: served wherever the sources let a target serve,
// odd bytes read as a lenient standard library reads them) or at its
// most refusing one (CornerStrict); ok is false for another name.
func CornerChoices(corner string) (c Choices, ok bool) {
	if corner != CornerLenient && corner != CornerStrict {
		return nil, false
	}
	c = Choices{}
	for _, v := range Variants {
		choice := v.refusing
		if corner == CornerLenient {
			choice = v.permissive
		}
		if choice != "" {
			c[v.Name] = choice
		}
	}
	return c, true
}

// StrictDefault is the reference emulator's default answer to a request
// that breaks a rule whose lenient outcomes let a target serve it or
// refuse it (a ledger entry, or a rule the real API may apply loosely).
type StrictDefault struct {
	Rule   *model.Rule
	Choice string // a code of the rule's lenient outcomes, or ChoiceSuccess
	Why    string
}

// strictDefaults is the emulator's answer, by default, to every rule that
// lets a target serve what it could refuse. Client authors test against
// the emulator: a reference that serves what the real cloud may refuse
// lets a client bug pass in CI and fail in production, and one that acts
// on malformed input is the worst outcome. So the default refuses
// wherever the sources allow refusing, with the code strict mode prefers;
// it serves only where serving is what the real API is documented to do.
// Each rule's variant still offers every answer the ledger allows
// (--variant RULE=success serves), and the suite in lenient mode accepts
// them all. TestStrictDefaultsAudit checks that every rule whose lenient
// outcomes include success is here, and each entry has its own test.
var strictDefaults = []StrictDefault{
	{model.RuleRegionMissing, model.CodeMissingParameter,
		"seed §2 and the cn/intl docs: Region Required=Yes; only the jp mirrors say otherwise (L-10)"},
	{model.RuleRegionNotServed, ChoiceSuccess,
		"the real API serves every region it lists (L-26): refusing one would fail clients that are right"},
	{model.RuleAtFinanceHost, model.CodeUnsupportedRegion,
		"facts §12: Finance regions are isolated; a client that sends another region to a Finance host is pointed at the wrong endpoint (L-11)"},
	{model.RuleExpiryEdge, "AuthFailure.SignatureExpire",
		"facts §4: within 5 minutes of server time; a client whose clock is 290 s or more away fails on the real cloud as soon as the two clocks differ by seconds (L-14)"},
	{model.RuleParamUnknown, model.CodeUnknownParameter,
		"facts §6 UnknownParameter: a misspelt optional parameter would otherwise be ignored without a word (L-08)"},
	{model.RuleParamNull, model.CodeInvalidParameter,
		"facts §1: the SDK never sends null; facts §16: the real cloud answers a mistyped JSON value with InvalidParameter (L-17)"},
	{model.RuleParamEmptyString, model.CodeInvalidParameterValue,
		"seed §2: an empty string is none of the documented values; the SDK never sends one (facts §1; L-17)"},
	{model.RuleTypeCoercible, model.CodeInvalidParameter,
		"seed §2 Type column: ForceStop is a Boolean; facts §16: the real cloud answers a mistyped JSON value with InvalidParameter; the SDK sends true/false (L-17)"},
	{model.RuleBatchLimitDuplicates, model.CodeLimitExceeded,
		"seed §1: at most 100 instances a request; whether duplicates count is undocumented (L-02)"},
	{model.RuleDuplicates, model.CodeInvalidParameterValue,
		"a batch naming an instance twice is a client bug the sources do not bless (L-02)"},
	{model.RuleEnumCase, model.CodeInvalidParameterValue,
		"seed §2: the valid values are written in upper case (L-04)"},
	{model.RuleDescribeLimitMax, model.CodeInvalidParameterValue,
		"facts §9: Limit is at most 100 (L-15)"},
	{model.RuleForceAndStopType, model.CodeInvalidCombination,
		"facts §7: ForceStop is deprecated and must not be combined with StopType (L-01)"},
	{model.RuleDescribeUnknown, ChoiceSuccess,
		"facts §9: DescribeInstances lists no InvalidInstanceId.NotFound; an unknown ID is left out (L-15)"},
	{model.RuleInProgress, model.CodeInProgress,
		"facts §7: OperationDenied.InstanceOperationInProgress exists for an operation in flight (L-19)"},
	{model.RuleRestricted, "UnsupportedOperation.InstanceStateIsolating",
		"SDK cvm errors.go: …InstanceStateIsolating refuses an instance being isolated, the plain reading of EXPIRED and PROTECTIVELY_ISOLATED (L-28)"},
	{model.RuleStopCharging, model.CodeStoppedModeUnsupported,
		"seed §2: STOP_CHARGING is only valid for some pay-as-you-go instances with cloud disks; facts §7 UnsupportedOperation.StoppedModeStopCharging; spot, CDH and CDC eligibility is undocumented (L-07)"},
}

// StrictDefaults lists the emulator's default answers to the rules that
// let a target serve or refuse, in rule order.
func StrictDefaults() []StrictDefault { return slices.Clone(strictDefaults) }

// ruleVariants derives one variant from each rule that lets a target answer
// in more than one way: its choices are the rule's lenient outcomes, the
// default first (strictDefaults, else the code strict mode wants).
func ruleVariants() []Variant {
	var out []Variant
	for _, r := range model.Rules {
		opts := r.Lenient.Codes
		if r.Lenient.Success {
			opts = append([]string{ChoiceSuccess}, opts...)
		}
		if len(opts) < 2 {
			continue
		}
		def := model.CanonicalCode(model.Violation{Rule: r, Lenient: r.Lenient, Strict: r.Strict})
		if def == "" {
			def = ChoiceSuccess
		}
		what := "the code (or success) for a request that breaks " + r.ID + ": " + r.Requirement + " (" + r.Clause + ")"
		if i := slices.IndexFunc(strictDefaults, func(d StrictDefault) bool { return d.Rule == r }); i >= 0 {
			def = strictDefaults[i].Choice
			what += ". Default " + def + ": " + strictDefaults[i].Why
		}
		choices := []string{def}
		for _, o := range opts {
			if o != def {
				choices = append(choices, o)
			}
		}
		ledger := r.Ledger
		if ledger == "" {
			ledger = "rule " + r.ID
		}
		v := Variant{Name: ruleVariantName(r), Ledger: ledger, What: what, Choices: choices}
		// A rule's most permissive choice serves; its most refusing
		// answers with a code (the default where the default refuses).
		if slices.Contains(choices, ChoiceSuccess) {
			v.permissive = ChoiceSuccess
		}
		if choices[0] == ChoiceSuccess {
			v.refusing = choices[1]
		}
		out = append(out, v)
	}
	return out
}

func ruleVariantName(r *model.Rule) string { return strings.ToLower(r.ID) }

// VariantNamed returns the variant called name.
func VariantNamed(name string) (Variant, bool) {
	for _, v := range Variants {
		if v.Name == name {
			return v, true
		}
	}
	return Variant{}, false
}

// Choices is a combination of variants: name → choice. A variant it does
// not name takes its default.
type Choices map[string]string

// String renders the choices as NAME=CHOICE,… in name order: what
// --variant takes back.
func (c Choices) String() string {
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(c)) {
		parts = append(parts, name+"="+c[name])
	}
	return strings.Join(parts, ",")
}

// Changed returns the choices that differ from their variant's default.
func (c Choices) Changed() Choices {
	out := Choices{}
	for name, choice := range c {
		if v, ok := VariantNamed(name); !ok || choice != v.Choices[0] {
			out[name] = choice
		}
	}
	return out
}

// get returns the choice for variant name.
func (c Choices) get(name string) string {
	if v, ok := c[name]; ok {
		return v
	}
	return defaultChoices[name]
}

// defaultChoices maps every variant to its default: get is on the path
// of every request, and must not scan the table.
var defaultChoices = func() map[string]string {
	m := make(map[string]string, len(Variants))
	for _, v := range Variants {
		m[v.Name] = v.Choices[0]
	}
	return m
}()

// Validate reports the first unknown variant or choice.
func (c Choices) Validate() error {
	for _, name := range slices.Sorted(maps.Keys(c)) {
		v, ok := VariantNamed(name)
		if !ok {
			return fmt.Errorf("unknown variant %q (see 'cvmconform emulate --list-variants')", name)
		}
		choice := c[name]
		if slices.Contains(v.Choices, choice) {
			continue
		}
		if v.parse == nil {
			return fmt.Errorf("variant %s: unknown choice %q (choices: %s)", name, choice, strings.Join(v.Choices, ", "))
		}
		if err := v.parse(choice); err != nil {
			return fmt.Errorf("variant %s: %v", name, err)
		}
	}
	return nil
}

// ParseChoices reads a --variant value: NAME=CHOICE pairs separated by
// commas, random[:SEED] for a random combination (a random seed when
// none is given), or a corner (lenient, strict: see CornerChoices). It
// returns the choices and, for random, the seed used.
func ParseChoices(spec string) (Choices, uint64, error) {
	spec = strings.TrimSpace(spec)
	if c, ok := CornerChoices(spec); ok {
		return c, 0, nil
	}
	if spec == "random" || strings.HasPrefix(spec, "random:") {
		seed := rand.Uint64() >> 1
		if s, ok := strings.CutPrefix(spec, "random:"); ok {
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return nil, 0, fmt.Errorf("random:SEED wants a number, not %q", s)
			}
			seed = n
		}
		return RandomChoices(seed), seed, nil
	}
	c := Choices{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, choice, ok := strings.Cut(part, "=")
		if !ok {
			return nil, 0, fmt.Errorf("%q is not NAME=CHOICE (or random[:SEED])", part)
		}
		c[strings.TrimSpace(name)] = strings.TrimSpace(choice)
	}
	if err := c.Validate(); err != nil {
		return nil, 0, err
	}
	return c, 0, nil
}

// RandomChoices draws one choice of every variant from seed. Each
// variant draws from its own stream (the seed and its name), so that a
// variant added later leaves every other variant's draw as it was: a
// random:SEED printed by an older version replays the same combination,
// but for the new variants.
func RandomChoices(seed uint64) Choices { return randomChoices(Variants, seed) }

func randomChoices(vs []Variant, seed uint64) Choices {
	c := Choices{}
	for _, v := range vs {
		from := v.random
		if from == nil {
			from = v.Choices
		}
		h := fnv.New64a()
		h.Write([]byte(v.Name))
		r := rand.New(rand.NewPCG(seed, h.Sum64()))
		c[v.Name] = from[r.IntN(len(from))]
	}
	return c
}

// Merge returns c with the choices of d put over it.
func (c Choices) Merge(d Choices) Choices {
	out := Choices{}
	for k, v := range c {
		out[k] = v
	}
	for k, v := range d {
		out[k] = v
	}
	return out
}

// parseLatency reads a latency choice: a duration, or MIN-MAX.
func parseLatency(s string) (lo, hi time.Duration, err error) {
	a, b, ranged := strings.Cut(s, "-")
	if lo, err = time.ParseDuration(a); err != nil {
		return 0, 0, fmt.Errorf("latency %q: want a duration (300ms) or a range (10s-30s)", s)
	}
	hi = lo
	if ranged {
		if hi, err = time.ParseDuration(b); err != nil || hi < lo {
			return 0, 0, fmt.Errorf("latency %q: want a range MIN-MAX with MIN ≤ MAX", s)
		}
	}
	if lo < 0 {
		return 0, 0, fmt.Errorf("latency %q is negative", s)
	}
	return lo, hi, nil
}

// choose is the emulator's answer to one violation, as its behaviour
// resolved the rule: "" to pass over it (a fault that breaks the rule, or
// a variant that serves it), a fault's own code for the rule where a fault
// answers it, else the code the rule's variant names (chosen, or its
// default), where the violation accepts it, else the canonical code.
func (e *Emulator) choose(x model.Violation) string {
	a := e.behaviour.rules[x.Rule]
	switch {
	case a.passed:
		return ""
	case a.faultCode != "":
		return a.faultCode
	case a.serves && x.Lenient.Success:
		return ""
	case a.code != "" && x.Lenient.Has(a.code):
		return a.code
	}
	return model.CanonicalCode(x)
}

// LatencyOf returns the range of operation latencies the choices name (the
// variant's default where they name none).
func LatencyOf(c Choices) (lo, hi time.Duration, err error) {
	return parseLatency(c.get(VariantLatency))
}
