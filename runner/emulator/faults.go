package emulator

import (
	"fmt"
	"sort"
	"strings"

	"github.com/cvmconform/cvmconform/model"
)

// Fault is a named way to break exactly one rule, so that the suite can
// prove each of its checks catches a target that breaks it (DESIGN "The
// emulator"). Faults are chosen with --fault NAME, repeatable.
type Fault struct {
	Name   string
	Breaks string // the rule or behaviour it breaks, with its clause
	What   string // what the faulty emulator does instead

	// pass lists the model rules the faulty emulator ignores when it
	// picks its answer, if that is how the fault works.
	pass []*model.Rule
	// answer gives, for the rules it names, the code the faulty emulator
	// answers instead of a defensible one, if that is how the fault works.
	answer map[*model.Rule]string
	// A fault with neither sets a field of behaviour that the handler,
	// the store or the limiter acts on (see resolve).
}

// The faults, by name.
const (
	FaultBatchLimitOff       = "batch-limit-off"
	FaultMalformedIsNotFound = "malformed-id-not-found"
	FaultStopAnyState        = "stop-any-state"
	FaultPartialBatch        = "partial-batch"
	FaultNoRateLimit         = "no-rate-limit"
	FaultFinanceAnywhere     = "finance-anywhere"
	FaultVersionIgnored      = "version-ignored"
	FaultSignatureUnchecked  = "signature-unchecked"
	FaultExpiryUnchecked     = "expiry-unchecked"
	FaultEnumsUnchecked      = "enums-unchecked"
	FaultTypesUnchecked      = "types-unchecked"
	FaultWrongRequestID      = "wrong-operation-request-id"
	FaultStuckStopping       = "stuck-stopping"
	FaultSharedAccounts      = "shared-accounts"
	FaultRepeatedRequestID   = "repeated-request-id"
	FaultStrictRateLimit     = "strict-rate-limit"
	FaultLimitedTakesEffect  = "limited-takes-effect"
	FaultDescribesAsStops    = "describes-count-as-stops"
	FaultLostTransition      = "lost-transition"
	FaultRegionUnchecked     = "region-unchecked"
	FaultIDsOptional         = "instance-ids-optional"
	FaultUnknownIDsIgnored   = "unknown-ids-ignored"
	FaultStopChargingIgnored = "stop-charging-ignored"
	FaultUnsignedAccepted    = "unsigned-accepted"
	FaultHmacSHA256Refused   = "hmacsha256-refused"
	FaultMalformedRepaired   = "malformed-json-repaired"
	FaultMethodUnchecked     = "method-unchecked"
	FaultMalformedCrashes    = "malformed-internal-error"
	FaultUTF8Dropped         = "utf8-dropped"
	FaultStopWhileStarting   = "stop-while-starting"
)

// The faults of the request styles, the per-action limits and the
// regions: each breaks a rule the suite once proved in one style or one
// direction only.
const (
	FaultV1SignatureUnchecked = "v1-signature-unchecked"
	FaultDescribesSpendStops  = "describes-spend-stops"
	FaultRegionsOneFleet      = "regions-one-fleet"
	FaultAccountsShareLimit   = "accounts-share-rate-limit"
)

// Faults lists every fault the emulator knows, in name order.
var Faults = sortFaults([]Fault{
	{Name: FaultBatchLimitOff, Breaks: "BATCH-LIMIT (seed §1: at most 100 instances a request)",
		What: "accepts and acts on more than 100 instance IDs", pass: []*model.Rule{model.RuleBatchLimit}},
	{Name: FaultMalformedIsNotFound, Breaks: "ID-MALFORMED (seed §6: ins-1122 is InvalidInstanceId.Malformed)",
		What:   "answers InvalidInstanceId.NotFound for a malformed instance ID",
		answer: map[*model.Rule]string{model.RuleIDMalformed: model.CodeNotFound, model.RuleIDCase: model.CodeNotFound}},
	{Name: FaultStopAnyState, Breaks: "STATE-STOP (seed §1: only RUNNING instances can be stopped)",
		What: "stops an instance in any state", pass: []*model.Rule{model.RuleStopState, model.RuleInProgress, model.RuleRestricted}},
	{Name: FaultPartialBatch, Breaks: "atomicity (ledger L-13: an error leaves every instance unchanged)",
		What: "when a batch is refused, still stops (or starts) the members that could be"},
	{Name: FaultNoRateLimit, Breaks: "RATE-LIMIT (seed §1: 10 requests a second)",
		What: "has no rate limiter"},
	{Name: FaultFinanceAnywhere, Breaks: "PROTO-FINANCE-HOST (seed §1 Note: Finance regions need the Finance host)",
		What: "serves a Finance region at any host", pass: []*model.Rule{model.RuleFinanceHost}},
	{Name: FaultVersionIgnored, Breaks: "PROTO-VERSION-WRONG (seed §2 Version: 2017-03-12)",
		What: "serves any Version, or none", pass: []*model.Rule{model.RuleVersionWrong, model.RuleVersionMissing}},
	{Name: FaultSignatureUnchecked, Breaks: "AUTH-SIGNATURE (facts §2, §4)",
		What: "serves a request whose signature does not match, as the key's account", pass: []*model.Rule{model.RuleSignature}},
	{Name: FaultExpiryUnchecked, Breaks: "AUTH-EXPIRED (facts §4: within 5 minutes)",
		What: "serves a request signed at any time", pass: []*model.Rule{model.RuleExpired, model.RuleExpiryEdge}},
	{Name: FaultEnumsUnchecked, Breaks: "ENUM-STOPTYPE, ENUM-STOPPEDMODE (seed §2 valid values)",
		What: "takes an unknown StopType or StoppedMode as the default", pass: []*model.Rule{model.RuleStopTypeValue, model.RuleStoppedModeValue}},
	{Name: FaultTypesUnchecked, Breaks: "PARAM-TYPE (seed §2 Type column)",
		What: "ignores parameters of the wrong type", pass: []*model.Rule{model.RuleType}},
	{Name: FaultWrongRequestID, Breaks: "LatestOperationRequestId (facts §9: the operation's RequestId)",
		What: "records another RequestId as an operation's LatestOperationRequestId"},
	{Name: FaultStuckStopping, Breaks: "async completion (seed §1: STOPPING, then STOPPED)",
		What: "leaves a stopped instance in STOPPING for ever"},
	{Name: FaultSharedAccounts, Breaks: "account isolation (each account owns an isolated fleet)",
		What: "lets every account see and act on the default account's fleet"},
	{Name: FaultRepeatedRequestID, Breaks: "RequestId uniqueness (seed §3: a unique RequestId for each request)",
		What: "answers every fifth request with the previous RequestId"},
	{Name: FaultStrictRateLimit, Breaks: "RATE-LIMIT (seed §1: 10 requests a second)",
		What: "limits StopInstances to half the configured rate"},
	{Name: FaultLimitedTakesEffect, Breaks: "RATE-LIMIT (a refused request has no effect)",
		What: "refuses a StopInstances over the limit but stops its instances anyway"},
	{Name: FaultDescribesAsStops, Breaks: "RATE-LIMIT (facts §15: the limit is per action)",
		What: "counts DescribeInstances against the StopInstances limit"},
	{Name: FaultLostTransition, Breaks: "atomicity under concurrency (a request is judged and applied at once)",
		What: "judges a request, lets others run for a moment, then applies it: concurrent requests overwrite each other"},
	{Name: FaultRegionUnchecked, Breaks: "PROTO-REGION-UNKNOWN (facts §6 UnsupportedRegion)",
		What: "serves a Region the product does not list", pass: []*model.Rule{model.RuleRegionUnknown}},
	{Name: FaultIDsOptional, Breaks: "PARAM-MISSING, PARAM-EMPTY (seed §2: InstanceIds.N is required)",
		What: "answers a StopInstances without instance IDs with success", pass: []*model.Rule{model.RuleParamMissing, model.RuleParamEmpty}},
	{Name: FaultUnknownIDsIgnored, Breaks: "EXIST-UNKNOWN (seed §6 InvalidInstanceId.NotFound)",
		What: "skips IDs that name no instance and acts on the rest", pass: []*model.Rule{model.RuleNotFound}},
	{Name: FaultStopChargingIgnored, Breaks: "StoppedMode (seed §2: STOP_CHARGING stops billing)",
		What: "stops an instance KEEP_CHARGING whatever StoppedMode asks"},
	{Name: FaultUnsignedAccepted, Breaks: "AUTH-MISSING (facts §1, §4: requests are signed)",
		What: "serves a request without Authorization", pass: []*model.Rule{model.RuleAuthMissing}},
	{Name: FaultHmacSHA256Refused, Breaks: "signature v1 (facts §3: SignatureMethod HmacSHA256)",
		What: "refuses every request signed with HmacSHA256 as a signature failure"},
	{Name: FaultMethodUnchecked, Breaks: "PROTO-METHOD (facts §1, §6 UnsupportedProtocol: only GET and POST)",
		What: "serves a request of any HTTP method", pass: []*model.Rule{model.RuleMethod}},
	{Name: FaultMalformedCrashes, Breaks: "PROTO-MALFORMED (facts §6: InvalidParameter for a format error, not an internal error)",
		What:   "answers InternalError to a body it cannot parse (and changes nothing)",
		answer: map[*model.Rule]string{model.RuleMalformed: model.CodeInternalError}},
	{Name: FaultMalformedRepaired, Breaks: "PROTO-MALFORMED (facts §1: the body is one JSON object; §6 InvalidParameter)",
		What: "repairs a JSON body it cannot parse — closes what a truncated body leaves open, drops what follows the first value — and acts on it"},
	{Name: FaultUTF8Dropped, Breaks: "PROTO-UTF8 (facts §1: requests are UTF-8; ledger L-27: a parser may refuse bytes that are not, or read each as U+FFFD)",
		What: "drops the bytes that are not UTF-8 and acts on what is left (ins-r8hr2upy\\xff stops ins-r8hr2upy)"},
	{Name: FaultV1SignatureUnchecked, Breaks: "AUTH-SIGNATURE for signature v1 (facts §3, §4: HmacSHA1 and HmacSHA256 requests are verified too)",
		What: "verifies TC3 signatures but serves a request signed with HmacSHA1 or HmacSHA256 whatever its Signature, as its SecretId's account"},
	{Name: FaultDescribesSpendStops, Breaks: "RATE-LIMIT (facts §15: the limit is per action)",
		What: "spends one of StopInstances' allowance on every DescribeInstances it serves, and serves at most 2 DescribeInstances a second fewer than the stop limit, so that describes alone never exhaust it"},
	{Name: FaultRegionsOneFleet, Breaks: "EXIST-UNKNOWN across regions (seed §6 InvalidInstanceId.NotFound: an instance exists in its own region only)",
		What: "serves every listed region but the Finance ones from one fleet: a DescribeInstances of ap-shanghai lists, and a StopInstances sent with Region ap-shanghai acts on, an ap-guangzhou instance"},
	{Name: FaultAccountsShareLimit, Breaks: "RATE-LIMIT (facts §15: the limits are per account)",
		What: "keeps one allowance per action for the default and the second account together: the second's requests spend the first's, and the first's the second's"},
	{Name: FaultStopWhileStarting, Breaks: "STATE-STOP (seed §1: only RUNNING instances can be stopped; facts §7 UnsupportedOperation.InstanceStateStarting)",
		What: "accepts a stop of a STARTING instance and turns it around to STOPPING"},
})

func sortFaults(fs []Fault) []Fault {
	sort.Slice(fs, func(i, j int) bool { return fs[i].Name < fs[j].Name })
	return fs
}

// faultSet is the set of faults an emulator runs with; only resolve reads
// it.
type faultSet map[string]bool

func newFaultSet(names []string) (faultSet, error) {
	fs := faultSet{}
	for _, n := range names {
		if !knownFault(n) {
			var all []string
			for _, f := range Faults {
				all = append(all, f.Name)
			}
			return nil, fmt.Errorf("unknown fault %q (known: %s)", n, strings.Join(all, ", "))
		}
		fs[n] = true
	}
	return fs, nil
}

func knownFault(name string) bool {
	for _, f := range Faults {
		if f.Name == name {
			return true
		}
	}
	return false
}

// answers returns the code a fault answers for rule r instead of a
// defensible one, if any.
func (fs faultSet) answers(r *model.Rule) (string, bool) {
	for _, f := range Faults {
		if code, ok := f.answer[r]; ok && fs[f.Name] {
			return code, true
		}
	}
	return "", false
}

// passes reports whether the faulty emulator ignores rule r.
func (fs faultSet) passes(r *model.Rule) bool {
	for _, f := range Faults {
		if fs[f.Name] {
			for _, p := range f.pass {
				if p == r {
					return true
				}
			}
		}
	}
	return false
}
