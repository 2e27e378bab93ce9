package model

// The rule table: every validation rule the model enforces, in precedence
// order (DESIGN "The model", check order):
//
//	protocol (method, size, encoding, action, version, region)
//	→ authentication → rate limit → missing/unknown parameters → types
//	→ batch size → ID format → enum values → parameter combinations
//	→ existence/ownership → state → applicability (StoppedMode)
//
// A rule's place in this table is its precedence: strict mode expects the
// code of the first rule a request breaks; lenient mode accepts the code of
// any rule it breaks. Where the sources leave the answer open the rule
// allows success too, and names its ledger entry.
//
// The order within a stage is the model's choice (ledger L-05): the sources
// document no precedence at all.

// Rule is one requirement of the API, with the outcomes that answer a
// request breaking it.
type Rule struct {
	ID          string // stable name, e.g. "BATCH-LIMIT"
	Stage       string // the precedence stage it belongs to
	Clause      string // where the requirement is written
	Requirement string // the requirement as observable behaviour
	Lenient     Outcomes
	Strict      Outcomes
	Ledger      string // ledger entry when the outcomes are a choice

	rank int
}

// Error codes used by more than one rule.
const (
	CodeMissingParameter       = "MissingParameter"
	CodeUnknownParameter       = "UnknownParameter"
	CodeInvalidParameter       = "InvalidParameter"
	CodeInvalidParameterValue  = "InvalidParameterValue"
	CodeLimitExceeded          = "InvalidParameterValue.LimitExceeded"
	CodeInvalidCombination     = "InvalidParameterCombination"
	CodeMalformed              = "InvalidInstanceId.Malformed"
	CodeMalformedAlt           = "InvalidParameterValue.InstanceIdMalformed"
	CodeNotFound               = "InvalidInstanceId.NotFound"
	CodeRequestLimitExceeded   = "RequestLimitExceeded"
	CodeStoppedModeUnsupported = "UnsupportedOperation.StoppedModeStopCharging"
	CodeInProgress             = "OperationDenied.InstanceOperationInProgress"
	CodeMutexTaskRunning       = "MutexOperation.TaskRunning"
	CodeInvalidAction          = "InvalidAction"
	CodeUnsupportedRegion      = "UnsupportedRegion"
	CodeInvalidFilter          = "InvalidFilter"
	CodeInternalError          = "InternalError"
)

// RateLimitCodes are the codes of a rate-limited request (facts §6): the
// family and its sub-codes; which sub-code a per-action limit returns is
// undocumented (ledger L-12).
var RateLimitCodes = []string{
	CodeRequestLimitExceeded,
	"RequestLimitExceeded.UinLimitExceeded",
	"RequestLimitExceeded.GlobalRegionUinLimitExceeded",
	"RequestLimitExceeded.IPLimitExceeded",
}

// RestrictedCodes are the codes the SDK lists for an instance under a
// restriction (SDK cvm errors.go: being isolated, frozen, banned, or
// permanently faulty); which RestrictState draws which is undocumented
// (ledger L-28).
var RestrictedCodes = []string{
	"UnsupportedOperation.InstanceStateIsolating",
	"UnsupportedOperation.InstanceStateFreezing",
	"UnsupportedOperation.InstanceStateBanning",
	"UnsupportedOperation.InstanceStateCorrupted",
}

// Restricted reports whether a listing showed p under a restriction: a
// RestrictState other than NORMAL.
func Restricted(p Instance) bool { return p.RestrictState != "" && p.RestrictState != "NORMAL" }

// IsRateLimited reports whether code says the request was rate limited.
func IsRateLimited(code string) bool { return contains(RateLimitCodes, code) }

// stateCodeTemplate stands, in the state rules' outcome lists, for the
// state's own code; stateViolation puts in the real one.
const stateCodeTemplate = "UnsupportedOperation.InstanceState<State>"

var (
	malformedCodes = []string{CodeMalformed, CodeMalformedAlt, CodeInvalidParameterValue}
	typeCodes      = []string{CodeInvalidParameter, CodeInvalidParameterValue}
)

// Stage names, in precedence order.
const (
	stageProtocol     = "protocol"
	stageAuth         = "authentication"
	stageRate         = "rate limit"
	stagePresence     = "missing/unknown parameters"
	stageType         = "types"
	stageBatch        = "batch size"
	stageIDFormat     = "ID format"
	stageEnum         = "enum values"
	stageCombination  = "parameter combinations"
	stageExistence    = "existence/ownership"
	stageState        = "state"
	stageApplicablity = "applicability"
)

func rule(id, stage, clause, req string, lenient, strict Outcomes, ledger string) *Rule {
	return &Rule{ID: id, Stage: stage, Clause: clause, Requirement: req, Lenient: lenient, Strict: strict, Ledger: ledger}
}

// undecided is a rule where even the current SDK does not narrow the
// outcomes: strict accepts what lenient accepts.
func undecided(id, stage, clause, req string, outcomes Outcomes, ledger string) *Rule {
	return rule(id, stage, clause, req, outcomes, outcomes, ledger)
}

// The rules, in precedence order.
var (
	RuleMethod = rule("PROTO-METHOD", stageProtocol, "facts §1, §6 UnsupportedProtocol",
		"only GET and POST are served",
		Fail("UnsupportedProtocol", "InvalidRequest", CodeInvalidParameter), Fail("UnsupportedProtocol"), "")
	RuleSize = rule("PROTO-SIZE", stageProtocol, "facts §1 limits: GET ≤ 32 KB, v1 POST ≤ 1 MB, v3 POST ≤ 10 MB",
		"a request over the size limit is refused",
		Fail("RequestSizeLimitExceeded", CodeInvalidParameter, "InvalidRequest"), Fail("RequestSizeLimitExceeded"), "")
	RuleContentType = undecided("PROTO-CONTENT-TYPE", stageProtocol, "facts §1 request styles table",
		"a POST body must be application/json (TC3) or application/x-www-form-urlencoded (v1)",
		Fail(CodeInvalidParameter, "InvalidRequest", "UnsupportedProtocol", CodeInvalidParameterValue), "L-21")
	RuleStyleMismatch = undecided("PROTO-STYLE", stageProtocol, "facts §1 [Doc-ReqStruct]: JSON POST must be v3; form POST must be v1",
		"the signature style must fit the body encoding",
		Fail(CodeInvalidParameter, "InvalidRequest", "AuthFailure.SignatureFailure", "AuthFailure.InvalidAuthorization", "UnsupportedProtocol"), "L-21")
	RuleMalformed = rule("PROTO-MALFORMED", stageProtocol, "facts §6 InvalidParameter: format error",
		"a body that is not a JSON object (or not a valid form) is refused",
		Fail(CodeInvalidParameter, "InvalidRequest", CodeInvalidParameterValue), Fail(CodeInvalidParameter), "L-21")
	RuleUTF8 = rule("PROTO-UTF8", stageProtocol, "facts §1: requests are UTF-8",
		"parameters that are not valid UTF-8 are refused",
		Fail(CodeInvalidParameter, "InvalidRequest", CodeInvalidParameterValue), Fail(CodeInvalidParameter), "L-21")
	RuleActionMissing = rule("PROTO-ACTION-MISSING", stageProtocol, "seed §2: Action Required=Yes",
		"a request without Action is refused",
		Fail(CodeMissingParameter, CodeInvalidAction, CodeInvalidParameter), Fail(CodeMissingParameter), "")
	RuleActionUnknown = rule("PROTO-ACTION-UNKNOWN", stageProtocol, "facts §6 InvalidAction",
		"an Action the API does not have is refused",
		Fail(CodeInvalidAction), Fail(CodeInvalidAction), "L-22")
	RuleVersionMissing = rule("PROTO-VERSION-MISSING", stageProtocol, "seed §2: Version Required=Yes",
		"a request without Version is refused",
		Fail(CodeMissingParameter, "NoSuchVersion", CodeInvalidParameter, CodeInvalidAction), Fail(CodeMissingParameter), "")
	RuleVersionWrong = rule("PROTO-VERSION-WRONG", stageProtocol, "seed §2: Version \"The value used for this API: 2017-03-12\"; facts §6 NoSuchVersion",
		"any Version but 2017-03-12 is refused",
		Fail("NoSuchVersion", CodeInvalidParameterValue, CodeInvalidAction, CodeInvalidParameter), Fail("NoSuchVersion"), "")
	RuleRegionMissing = rule("PROTO-REGION-MISSING", stageProtocol, "seed §2: Region Required=Yes; facts §7: mirrors say not required",
		"a request without Region is refused (or served, where the mirrors say Region is optional)",
		Fail(CodeMissingParameter, CodeInvalidParameter, CodeUnsupportedRegion).OrSucceed(), Fail(CodeMissingParameter), "L-10")
	RuleRegionUnknown = rule("PROTO-REGION-UNKNOWN", stageProtocol, "facts §6 UnsupportedRegion; facts §12 region list",
		"a Region the product does not list is refused",
		Fail(CodeUnsupportedRegion, CodeInvalidParameterValue, CodeInvalidParameter), Fail(CodeUnsupportedRegion), "L-10")
	RuleRegionNotServed = rule("PROTO-REGION-NOT-SERVED", stageProtocol, "facts §6 UnsupportedRegion: a region the API does not support; facts §12: the SDK's list may hold retired regions",
		"a listed region other than the one the target is known to serve may be refused as unsupported (lenient); the real API serves every listed region (strict)",
		Fail(CodeUnsupportedRegion).OrSucceed(), Succeed(), "L-26")
	RuleFinanceHost = undecided("PROTO-FINANCE-HOST", stageProtocol, "seed §1 Note: a Finance region needs the Finance domain name; facts §12",
		"a Finance-region request sent to any host but that region's Finance host is refused",
		Fail(CodeUnsupportedRegion, CodeInvalidParameterValue, "UnsupportedOperation", CodeInvalidParameter), "L-11")
	RuleAtFinanceHost = undecided("PROTO-AT-FINANCE-HOST", stageProtocol, "facts §12: Finance regions are isolated",
		"a Finance host may refuse a request for another region",
		Fail(CodeUnsupportedRegion, CodeInvalidParameterValue, "UnsupportedOperation", CodeInvalidParameter).OrSucceed(), "L-11")

	RuleAuthMissing = rule("AUTH-MISSING", stageAuth, "facts §4; facts §1: Authorization (v3) or Signature and SecretId (v1) are required",
		"an unsigned request is refused",
		Fail("AuthFailure.InvalidAuthorization", "AuthFailure.SignatureFailure", "AuthFailure.SecretIdNotFound", "AuthFailure.InvalidSecretId", CodeMissingParameter),
		Fail("AuthFailure.InvalidAuthorization", CodeMissingParameter), "L-20")
	RuleAuthMalformed = rule("AUTH-MALFORMED", stageAuth, "facts §4 AuthFailure.InvalidAuthorization",
		"an Authorization header that cannot be parsed is refused",
		Fail("AuthFailure.InvalidAuthorization", "AuthFailure.SignatureFailure"), Fail("AuthFailure.InvalidAuthorization"), "L-20")
	RuleTimestampMissing = rule("AUTH-TIMESTAMP-MISSING", stageAuth, "facts §1: X-TC-Timestamp / Timestamp required",
		"a request without a timestamp is refused",
		Fail(CodeMissingParameter, "AuthFailure.SignatureExpire", "AuthFailure.SignatureFailure", "AuthFailure.InvalidAuthorization", CodeInvalidParameter),
		Fail(CodeMissingParameter), "L-20")
	RuleNonceMissing = rule("AUTH-NONCE-MISSING", stageAuth, "facts §1 v1 common parameters: Nonce Req. yes, \"random positive int\" [Doc-Common]; facts §3 (the Nonce is signed); facts §6 MissingParameter",
		"a request signed with v1 (HmacSHA1, HmacSHA256) without a Nonce is refused",
		Fail(CodeMissingParameter, "AuthFailure.SignatureFailure", "AuthFailure.InvalidAuthorization", CodeInvalidParameter),
		Fail(CodeMissingParameter), "L-20")
	RuleExpired = rule("AUTH-EXPIRED", stageAuth, "facts §4: the timestamp must be within 5 minutes of server time",
		"a request signed more than 300 s away from the target's clock is refused",
		Fail("AuthFailure.SignatureExpire"), Fail("AuthFailure.SignatureExpire"), "L-14")
	RuleExpiryEdge = undecided("AUTH-EXPIRY-EDGE", stageAuth, "facts §4; \"where the docs are silent\" 14",
		"a timestamp within 10 s of the 300 s edge may be served or refused",
		Fail("AuthFailure.SignatureExpire").OrSucceed(), "L-14")
	RuleSecretID = rule("AUTH-SECRETID", stageAuth, "facts §4 AuthFailure.SecretIdNotFound",
		"a SecretId the target does not know is refused",
		Fail("AuthFailure.SecretIdNotFound", "AuthFailure.InvalidSecretId", "AuthFailure.SignatureFailure"), Fail("AuthFailure.SecretIdNotFound"), "L-20")
	RuleToken = rule("AUTH-TOKEN", stageAuth, "facts §4 AuthFailure.TokenFailure",
		"a wrong or missing session token is refused",
		Fail("AuthFailure.TokenFailure", "AuthFailure.SignatureFailure", "AuthFailure.InvalidAuthorization", "UnauthorizedOperation.InvalidToken"), Fail("AuthFailure.TokenFailure"), "L-20")
	RuleSignature = rule("AUTH-SIGNATURE", stageAuth, "facts §2, §3, §4 AuthFailure.SignatureFailure",
		"a signature that does not match the request is refused",
		Fail("AuthFailure.SignatureFailure"), Fail("AuthFailure.SignatureFailure"), "")

	RuleRateLimit = rule("RATE-LIMIT", stageRate, "seed §1: \"A maximum of 10 requests can be initiated per second for this API\"; facts §6, §15",
		"a request over the per-second limit of its action and account is refused and has no effect",
		Fail(RateLimitCodes...), Fail(CodeRequestLimitExceeded), "L-12")

	RuleParamMissing = rule("PARAM-MISSING", stagePresence, "seed §2: InstanceIds.N Required=Yes",
		"a request without InstanceIds is refused",
		Fail(CodeMissingParameter, CodeInvalidParameter), Fail(CodeMissingParameter), "")
	RuleParamEmpty = rule("PARAM-EMPTY", stagePresence, "seed §2: InstanceIds.N Required=Yes; facts \"silent\" 9",
		"an empty InstanceIds list is refused",
		Fail(CodeMissingParameter, CodeInvalidParameter, CodeInvalidParameterValue), Fail(CodeMissingParameter), "L-03")
	RuleParamUnknown = rule("PARAM-UNKNOWN", stagePresence, "facts §6 UnknownParameter: undefined parameter passed",
		"a parameter the action does not define is refused (or ignored)",
		Fail(CodeUnknownParameter, CodeInvalidParameter).OrSucceed(), Fail(CodeUnknownParameter), "L-08")
	RuleParamNull = undecided("PARAM-NULL", stagePresence, "facts §1: the SDK omits nil fields, never sends null",
		"a JSON null for an optional parameter is treated as absent or refused",
		Fail(CodeInvalidParameter, CodeInvalidParameterValue).OrSucceed(), "L-17")
	RuleParamEmptyString = undecided("PARAM-EMPTY-STRING", stagePresence, "facts §1: the SDK omits empty strings, never sends them",
		"an empty string for an optional parameter is treated as absent or refused",
		Fail(CodeInvalidParameter, CodeInvalidParameterValue).OrSucceed(), "L-17")

	RuleType = rule("PARAM-TYPE", stageType, "seed §2 Type column (InstanceIds.N Array of String, ForceStop Boolean, StopType String, StoppedMode String); facts §6 InvalidParameter",
		"a parameter of the wrong type is refused",
		Fail(typeCodes...), Fail(CodeInvalidParameter), "")
	RuleTypeCoercible = undecided("PARAM-TYPE-COERCIBLE", stageType, "seed §2 ForceStop \"TRUE\"/\"FALSE\"; facts §1 SDK sends JSON true/false and form \"true\"/\"false\"",
		"a boolean or integer written as a string may be coerced or refused",
		Fail(typeCodes...).OrSucceed(), "L-17")

	RuleBatchLimit = rule("BATCH-LIMIT", stageBatch, "seed §1 and §2: \"The maximum number of instances in each request is 100\"; seed §6 InvalidParameterValue.LimitExceeded",
		"more than 100 instance IDs are refused",
		Fail(CodeLimitExceeded, CodeInvalidParameterValue, "LimitExceeded", CodeInvalidParameter), Fail(CodeLimitExceeded), "")
	RuleBatchLimitDuplicates = undecided("BATCH-LIMIT-DUPLICATES", stageBatch, "seed §1 limit of 100; facts \"silent\" 8",
		"more than 100 IDs with at most 100 distinct may be served or refused",
		Fail(CodeLimitExceeded, CodeInvalidParameterValue, "LimitExceeded", CodeInvalidParameter).OrSucceed(), "L-02")
	RuleDuplicates = undecided("BATCH-DUPLICATE", stageBatch, "facts \"silent\" 8: duplicate IDs unstated",
		"a batch naming an instance twice acts on it once, or is refused",
		Fail(CodeInvalidParameterValue, CodeInvalidParameter).OrSucceed(), "L-02")
	RuleFilterLimit = rule("BATCH-FILTERS", stageBatch, "facts §9: at most 10 Filters, 5 Values each",
		"more filters or values than documented are refused",
		Fail("InvalidFilterValue.LimitExceeded", CodeLimitExceeded, CodeInvalidParameterValue, CodeInvalidParameter, CodeInvalidFilter),
		Fail("InvalidFilterValue.LimitExceeded", CodeLimitExceeded), "L-15")

	RuleIDMalformed = rule("ID-MALFORMED", stageIDFormat, "seed §6 InvalidInstanceId.Malformed: \"ins-1122 has an invalid ID length\"; facts §11 ^ins-[a-z0-9]{8}$",
		"an instance ID not of the form ins-xxxxxxxx is refused",
		Fail(malformedCodes...), Fail(CodeMalformed), "L-06")
	RuleIDCase = rule("ID-CASE", stageIDFormat, "facts §11: x is a lower-case letter or digit",
		"an instance ID with upper-case letters is malformed, or simply not found",
		Fail(append([]string{CodeNotFound}, malformedCodes...)...), Fail(CodeMalformed), "L-18")

	RuleStopTypeValue = rule("ENUM-STOPTYPE", stageEnum, "seed §2 StopType valid values SOFT_FIRST, HARD, SOFT; seed §6 InvalidParameterValue",
		"a StopType outside SOFT_FIRST, HARD, SOFT is refused",
		Fail(typeCodes...), Fail(CodeInvalidParameterValue), "L-04")
	RuleStoppedModeValue = rule("ENUM-STOPPEDMODE", stageEnum, "seed §2 StoppedMode valid values KEEP_CHARGING, STOP_CHARGING; seed §6 InvalidParameterValue",
		"a StoppedMode outside KEEP_CHARGING, STOP_CHARGING is refused",
		Fail(typeCodes...), Fail(CodeInvalidParameterValue), "L-04")
	RuleEnumCase = rule("ENUM-CASE", stageEnum, "seed §2 valid values are upper case",
		"an enum value in another letter case may be accepted or refused",
		Fail(typeCodes...).OrSucceed(), Fail(CodeInvalidParameterValue), "L-04")
	RuleDescribeRange = rule("ENUM-RANGE", stageEnum, "facts §9: Offset ≥ 0; Limit default 20, maximum 100",
		"a negative Offset or Limit is refused",
		Fail(typeCodes...), Fail(CodeInvalidParameterValue), "")
	RuleDescribeLimitMax = rule("ENUM-LIMIT-MAX", stageEnum, "facts §9: Limit maximum 100",
		"a Limit over 100 (or 0) is refused, or served as clamped",
		Fail(CodeInvalidParameterValue, CodeLimitExceeded, CodeInvalidParameter).OrSucceed(), Fail(CodeInvalidParameterValue, CodeLimitExceeded), "L-15")
	RuleFilterName = rule("ENUM-FILTER", stageEnum, "facts §9 filter names; InvalidFilter",
		"a filter name DescribeInstances does not define is refused",
		Fail(CodeInvalidFilter, CodeInvalidParameterValue, CodeInvalidParameter), Fail(CodeInvalidFilter), "")

	RuleForceAndStopType = rule("COMBO-FORCESTOP-STOPTYPE", stageCombination, "facts §7: ForceStop is deprecated and must not be combined with StopType; seed §2 lists both without restriction",
		"ForceStop together with StopType may be refused",
		Fail(CodeInvalidCombination, CodeInvalidParameter, CodeInvalidParameterValue).OrSucceed(), Fail(CodeInvalidCombination), "L-01")
	RuleIDsAndFilters = rule("COMBO-IDS-FILTERS", stageCombination, "facts §9: InstanceIds.N or Filters.N, not both",
		"DescribeInstances with both InstanceIds and Filters is refused",
		Fail(CodeInvalidCombination, CodeInvalidParameter, CodeInvalidParameterValue), Fail(CodeInvalidCombination, CodeInvalidParameter), "L-15")

	RuleNotFound = rule("EXIST-UNKNOWN", stageExistence, "seed §6 InvalidInstanceId.NotFound: \"No instance found\"",
		"an ID naming no instance of the caller's account in the region is refused",
		Fail(CodeNotFound, "ResourceNotFound"), Fail(CodeNotFound), "")
	RuleOtherAccount = rule("EXIST-OTHER-ACCOUNT", stageExistence, "DESIGN \"The emulator\": isolated fleets; facts §15: limits and data are per account",
		"another account's instance does not exist for the caller",
		Fail(CodeNotFound, "ResourceNotFound", "UnauthorizedOperation", "AuthFailure.UnauthorizedOperation"), Fail(CodeNotFound), "")
	RuleTerminated = undecided("EXIST-TERMINATED", stageExistence, "facts §7 UnsupportedOperation.InstanceStateTerminated",
		"a destroyed instance is not found, or reported terminated",
		Fail(CodeNotFound, "ResourceNotFound", StateCode(Terminated)), "")
	RuleDescribeUnknown = rule("EXIST-DESCRIBE-UNKNOWN", stageExistence, "facts §9: DescribeInstances lists no InvalidInstanceId.NotFound",
		"DescribeInstances leaves an unknown ID out of the result (or refuses it)",
		Fail(CodeNotFound).OrSucceed(), Succeed(), "L-15")

	RuleStopState = rule("STATE-STOP", stageState, "seed §1: \"You can only perform this operation on instances whose status is RUNNING\"; facts §7 state codes",
		"stopping an instance that is not RUNNING is refused with its state's code",
		Fail(stateCodeTemplate, "InvalidInstanceState", "UnsupportedOperation", "UnsupportedOperation.InstanceStateNotRunning", CodeInProgress, CodeMutexTaskRunning),
		Fail(stateCodeTemplate), "L-09")
	RuleStartState = rule("STATE-START", stageState, "facts §8: only STOPPED instances may be started",
		"starting an instance that is not STOPPED is refused with its state's code",
		Fail(stateCodeTemplate, "InvalidInstanceState", "UnsupportedOperation", CodeInProgress, CodeMutexTaskRunning),
		Fail(stateCodeTemplate), "L-09")
	RuleInProgress = undecided("STATE-IN-PROGRESS", stageState, "facts §7 OperationDenied.InstanceOperationInProgress, MutexOperation.TaskRunning",
		"an instance whose last operation is still OPERATING may be refused",
		Fail(CodeInProgress, CodeMutexTaskRunning).OrSucceed(), "L-19")
	RuleRestricted = undecided("STATE-RESTRICTED", stageState, "facts §9 RestrictState; SDK cvm errors.go UnsupportedOperation.InstanceStateIsolating, …Freezing, …Banning, …Corrupted",
		"an instance whose RestrictState is not NORMAL (expired, or protectively isolated) may be refused with a restricted state's code",
		Fail(RestrictedCodes...).OrSucceed(), "L-28")

	RuleStopCharging = rule("APPLY-STOP-CHARGING", stageApplicablity, "seed §2 StoppedMode: \"only valid for some pay-as-you-go instances using cloud disks\"; facts §7 UnsupportedOperation.StoppedModeStopCharging",
		"STOP_CHARGING on an instance it does not apply to is refused, or ignored",
		Fail(CodeStoppedModeUnsupported, CodeInvalidParameterValue, "InvalidInstance.NotSupported", "UnsupportedOperation").OrSucceed(),
		Fail(CodeStoppedModeUnsupported), "L-07")
)

// Rules is the rule table in precedence order.
var Rules = []*Rule{
	RuleMethod, RuleSize, RuleContentType, RuleStyleMismatch, RuleMalformed, RuleUTF8,
	RuleActionMissing, RuleActionUnknown, RuleVersionMissing, RuleVersionWrong,
	RuleRegionMissing, RuleRegionUnknown, RuleRegionNotServed, RuleFinanceHost, RuleAtFinanceHost,
	RuleAuthMissing, RuleAuthMalformed, RuleTimestampMissing, RuleNonceMissing, RuleExpired, RuleExpiryEdge,
	RuleSecretID, RuleToken, RuleSignature,
	RuleRateLimit,
	RuleParamMissing, RuleParamEmpty, RuleParamUnknown, RuleParamNull, RuleParamEmptyString,
	RuleType, RuleTypeCoercible,
	RuleBatchLimit, RuleBatchLimitDuplicates, RuleDuplicates, RuleFilterLimit,
	RuleIDMalformed, RuleIDCase,
	RuleStopTypeValue, RuleStoppedModeValue, RuleEnumCase, RuleDescribeRange, RuleDescribeLimitMax, RuleFilterName,
	RuleForceAndStopType, RuleIDsAndFilters,
	RuleNotFound, RuleOtherAccount, RuleTerminated, RuleDescribeUnknown,
	RuleStopState, RuleStartState, RuleInProgress, RuleRestricted,
	RuleStopCharging,
}

func init() {
	for i, r := range Rules {
		r.rank = i
	}
}

// violate builds a violation of r with the rule's own outcomes.
func violate(r *Rule, detail string) Violation {
	return Violation{Rule: r, Detail: detail, Lenient: r.Lenient, Strict: r.Strict}
}

// stateViolation is the violation of a state rule by an instance in state
// s: strict expects the state's own code (facts §7); lenient also accepts
// the generic state codes the SDK defines and, while an operation is in
// flight, the in-progress codes (ledger L-09, L-19).
func stateViolation(r *Rule, id string, s InstanceState) Violation {
	lenient := []string{StateCode(s), "InvalidInstanceState", "UnsupportedOperation"}
	if r == RuleStopState {
		lenient = append(lenient, "UnsupportedOperation.InstanceStateNotRunning")
	}
	if s.Transient() {
		lenient = append(lenient, CodeInProgress, CodeMutexTaskRunning)
	}
	return Violation{Rule: r, Instance: id, Detail: id + " is " + string(s),
		Lenient: Fail(lenient...), Strict: Fail(StateCode(s))}
}
