package emulator

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// behaviour is what one emulator does where it may differ from the strict
// reference: the faults it runs with and the variants it chose, resolved
// once, in New, from Config. The handler, the store and the limiter read
// its typed fields; no fault is looked up by name, and no choice compared
// with a string, where it acts. It is plain data, so that two behaviours
// compare (see the resolver's tests).
type behaviour struct {
	// rules is how the emulator answers a violation of each rule a fault
	// or a rule variant touches (see choose); a rule not here gets its
	// canonical code.
	rules map[*model.Rule]ruleAnswer

	// shapeFirst: the request's shape is judged before authentication
	// and the rate limit (variant precedence=shape-first, ledger L-05).
	shapeFirst bool

	ops     operations    // how operations unfold: the store's
	limits  limitPolicy   // what the rate limiter enforces
	form    form          // how answers are written: the response-form variants
	parsing tcapi.Parsing // how requests are read: the parsing variants, and FaultUTF8Dropped

	// The faults the handler acts on, each named after its fault.

	repeatedRequestID    bool // FaultRepeatedRequestID: every fifth request gets the previous RequestId
	wrongRequestID       bool // FaultWrongRequestID: an operation records another RequestId
	malformedRepaired    bool // FaultMalformedRepaired: a body that does not parse is mended and acted on
	signatureUnchecked   bool // FaultSignatureUnchecked: a bad signature serves as the SecretId's account
	sharedAccounts       bool // FaultSharedAccounts: every account acts as the default one
	hmacSHA256Refused    bool // FaultHmacSHA256Refused: a v1 HmacSHA256 signature is refused
	v1SignatureUnchecked bool // FaultV1SignatureUnchecked: a bad v1 signature serves as the SecretId's account
	regionsOneFleet      bool // FaultRegionsOneFleet: every listed region but Finance serves the home region's fleet
	partialBatch         bool // FaultPartialBatch: a refused batch still acts on the members it could
	stopChargingIgnored  bool // FaultStopChargingIgnored: every stop keeps charging
	lostTransition       bool // FaultLostTransition: an effect is written late, over concurrent ones
	stopWhileStarting    bool // FaultStopWhileStarting: a STARTING instance may be stopped
	limitedTakesEffect   bool // FaultLimitedTakesEffect: a rate-limited request still acts
}

// ruleAnswer is how the emulator answers a violation of one rule: a
// fault's answer where a fault breaks the rule, else the rule's variant's
// choice.
type ruleAnswer struct {
	passed    bool   // a fault passes the rule over (Fault.pass)
	faultCode string // a fault answers this code instead (Fault.answer)
	serves    bool   // the rule's variant chooses ChoiceSuccess
	code      string // the rule's variant chooses this code
}

// resolve reads cfg's faults, variants, latency and rate limit into the
// emulator's behaviour; it reports an unknown fault, variant or choice.
func resolve(cfg Config) (behaviour, error) {
	faults, err := newFaultSet(cfg.Faults)
	if err != nil {
		return behaviour{}, err
	}
	c := cfg.Variants
	if err := c.Validate(); err != nil {
		return behaviour{}, err
	}
	ops, err := resolveOperations(cfg, faults)
	if err != nil {
		return behaviour{}, err
	}
	b := behaviour{
		rules:      resolveRules(faults, c),
		shapeFirst: choiceValue(c, VariantPrecedence, map[string]bool{"declared": false, "shape-first": true}),
		ops:        ops,
		limits:     resolveLimits(cfg, faults),
		form:       resolveForm(c),
		parsing:    parsingOf(c),

		repeatedRequestID:    faults[FaultRepeatedRequestID],
		wrongRequestID:       faults[FaultWrongRequestID],
		malformedRepaired:    faults[FaultMalformedRepaired],
		signatureUnchecked:   faults[FaultSignatureUnchecked],
		sharedAccounts:       faults[FaultSharedAccounts],
		hmacSHA256Refused:    faults[FaultHmacSHA256Refused],
		v1SignatureUnchecked: faults[FaultV1SignatureUnchecked],
		regionsOneFleet:      faults[FaultRegionsOneFleet],
		partialBatch:         faults[FaultPartialBatch],
		stopChargingIgnored:  faults[FaultStopChargingIgnored],
		lostTransition:       faults[FaultLostTransition],
		stopWhileStarting:    faults[FaultStopWhileStarting],
		limitedTakesEffect:   faults[FaultLimitedTakesEffect],
	}
	if faults[FaultUTF8Dropped] {
		b.parsing.UTF8 = tcapi.UTF8Drop
	}
	return b, nil
}

// resolveRules is how the emulator answers each rule under faults and the
// rule variants of c (their defaults where c names none). Where two
// faults answer one rule, the first in name order wins.
func resolveRules(faults faultSet, c Choices) map[*model.Rule]ruleAnswer {
	out := map[*model.Rule]ruleAnswer{}
	for _, r := range model.Rules {
		var a ruleAnswer
		a.passed = faults.passes(r)
		a.faultCode, _ = faults.answers(r)
		if choice := c.get(ruleVariantName(r)); choice == ChoiceSuccess {
			a.serves = true
		} else {
			a.code = choice // "" where the rule has no variant
		}
		if a != (ruleAnswer{}) {
			out[r] = a
		}
	}
	return out
}

// resolveOperations is how operations unfold under cfg and faults.
//
// Latency comes from one of two places, and the latency variant, where
// cfg.Variants names it, wins over cfg.Latency: the emulate command always
// passes --stop-latency (it defaults to DefaultLatency), so were
// Config.Latency to win, --variant latency=… could never take effect; and
// the self-test sizes its settle bound from the variant it names
// (LatencyOf). cfg.Latency, where set, wins over the variant's default
// (which is DefaultLatency too), so that an embedder that wants quick
// operations need not know the variant.
func resolveOperations(cfg Config, faults faultSet) (operations, error) {
	c := cfg.Variants
	o := operations{
		minLatency: cfg.Latency,
		opState: choiceValue(c, VariantOpState,
			map[string]opState{"together": opTogether, "lag": opLag, "ahead": opAhead, "mixed": opMixed}),
		startMayFail:  choiceValue(c, VariantStartAfterSC, map[string]bool{"succeeds": false, "fails-sometimes": true}),
		stuckStopping: faults[FaultStuckStopping],
	}
	if o.minLatency == 0 {
		o.minLatency = DefaultLatency
	}
	o.maxLatency = o.minLatency
	if l, ok := c[VariantLatency]; ok {
		var err error
		if o.minLatency, o.maxLatency, err = parseLatency(l); err != nil {
			return operations{}, err
		}
	}
	return o, nil
}

// resolveLimits is what the rate limiter enforces under cfg and faults.
func resolveLimits(cfg Config, faults faultSet) limitPolicy {
	stop := cfg.RateLimit
	switch {
	case stop == 0:
		stop = model.RateLimit(model.ActionStop)
	case stop < 0:
		stop = 0
	}
	if faults[FaultNoRateLimit] {
		stop = 0
	}
	if faults[FaultStrictRateLimit] {
		stop = max(stop/2, 1)
	}
	c := cfg.Variants
	return limitPolicy{
		stop: stop,
		algorithm: choiceValue(c, VariantLimiter,
			map[string]limiterAlgorithm{"sliding": limitSliding, "fixed": limitFixed, "token": limitToken}),
		countAll:            choiceValue(c, VariantLimiterCount, map[string]bool{"accepted": false, "all": true}),
		describesAsStops:    faults[FaultDescribesAsStops],
		describesSpendStops: faults[FaultDescribesSpendStops],
		accountsShare:       faults[FaultAccountsShareLimit],
	}
}

// resolveForm is the answer form the variants of c choose.
func resolveForm(c Choices) form {
	return form{
		gzip: choiceValue(c, VariantGzip, map[string]bool{"no": false, "yes": true}),
		order: choiceValue(c, VariantKeyOrder,
			map[string]keyOrder{"declared": orderDeclared, "sorted": orderSorted, "reversed": orderReversed}),
		ridFirst: choiceValue(c, VariantRequestID, map[string]bool{"last": false, "first": true}),
		reworded: choiceValue(c, VariantMessages, map[string]bool{"plain": false, "reworded": true}),
		extra:    choiceValue(c, VariantExtraFields, map[string]bool{"no": false, "yes": true}),
		absent:   choiceValue(c, VariantOptional, map[string]bool{"null": false, "absent": true}),
		newest:   choiceValue(c, VariantDescribeOrd, map[string]bool{"oldest": false, "newest": true}),
		status:   choiceValue(c, VariantErrorStatus, map[string]int{"200": 0, "400": http.StatusBadRequest}),
	}
}

// choiceValue is the typed value of variant name's choice in c (its default
// where c names none): values maps each of the variant's Choices to its
// value. A values that does not name exactly the variant's choices is a
// programming error, and panics; every New reaches every choiceValue, so a
// choice added to the table and not here fails every test.
func choiceValue[T any](c Choices, name string, values map[string]T) T {
	v, _ := VariantNamed(name)
	if !slices.Equal(slices.Sorted(maps.Keys(values)), slices.Sorted(slices.Values(v.Choices))) {
		panic(fmt.Sprintf("emulator: variant %s resolves the choices %s, but its choices are %s",
			name, strings.Join(slices.Sorted(maps.Keys(values)), ", "), strings.Join(v.Choices, ", ")))
	}
	return values[c.get(name)]
}
