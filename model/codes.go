package model

// KnownCode reports whether the model accounts for code as an answer to
// action, and where: a rule whose outcomes include it, a state's own code
// (facts §7), or a ledger entry saying when a target may answer it
// (SituationalCodes). A code it does not know is one the sources list
// and the model would judge as unacceptable everywhere: a false finding
// waiting for the target that answers it.
func KnownCode(action, code string) (where string, ok bool) {
	for _, r := range Rules {
		if r.Lenient.Has(code) || r.Strict.Has(code) {
			return "rule " + r.ID, true
		}
	}
	for _, s := range InstanceStates {
		if StateCode(s) == code {
			return "rule " + RuleStopState.ID + " / " + RuleStartState.ID + " (the code of state " + string(s) + ")", true
		}
	}
	for _, c := range SituationalCodes {
		if c.Code == code && contains(c.Actions, action) {
			return "ledger " + c.Ledger + ": " + c.When, true
		}
	}
	return "", false
}

// SituationalCode is a code the pinned SDK lists for an action that no
// rule of the model yields: one a target may answer in a situation the
// suite neither creates nor can see coming. Judged says what the suite
// makes of it.
type SituationalCode struct {
	Code    string
	Actions []string
	When    string // the situation, in words, with its source
	Ledger  string
	Judged  Judged
}

// Judged is what the suite makes of a situational code.
type Judged uint8

const (
	// NotForTheSuite: the situation needs a parameter or an operation
	// the suite never sends, so the code never answers its requests; one
	// that does is judged as any code outside the acceptable set.
	NotForTheSuite Judged = iota
	// CannotServe: the situation is the account's or the target's
	// (MFA required, the zone closed to the operation, an internal
	// failure) and invisible before the answer. The model accepts no
	// such answer, but it is not the target departing from the sources:
	// the check that drew it could not be carried out (an error, never a
	// failure and never a pass).
	CannotServe
)

var (
	actionsStop          = []string{ActionStop}
	actionsStopStart     = []string{ActionStop, ActionStart}
	actionsDescribe      = []string{ActionDescribe}
	actionsStopStartDesc = []string{ActionStop, ActionStart, ActionDescribe}
)

// SituationalCodes lists, from the SDK cvm v20170312 client.go lists for
// StopInstances, StartInstances and DescribeInstances (glosses from its
// errors.go), every code no rule yields (ledger L-29).
var SituationalCodes = []SituationalCode{
	{Code: "UnauthorizedOperation.MFAExpired", Actions: actionsStop, Ledger: "L-29", Judged: CannotServe,
		When: "the account requires MFA (operation protection) for the action and the MFA given has expired; the suite cannot give one"},
	{Code: "UnauthorizedOperation.MFANotFound", Actions: actionsStop, Ledger: "L-29", Judged: CannotServe,
		When: "the account requires MFA (operation protection) for the action and none was given; the suite cannot give one"},
	{Code: "InvalidParameterValue.ZoneNotSupported", Actions: actionsStopStart, Ledger: "L-29", Judged: CannotServe,
		When: "the instance's zone does not support the operation (errors.go: \"the request does not support this zone\"); no field shows it beforehand"},
	{Code: "InternalServerError", Actions: actionsStopStartDesc, Ledger: "L-29", Judged: CannotServe,
		When: "the target failed internally (errors.go: \"internal error\"); the outcome of the request is unknown"},
	{Code: "UnsupportedOperation.InstanceReinstallFailed", Actions: actionsStopStart, Ledger: "L-29", Judged: CannotServe,
		When: "the instance's last reinstall (ResetInstance) failed (errors.go); the suite never reinstalls, and an instance found so cannot be stopped or started"},
	{Code: "UnsupportedOperation.HibernationForNormalInstance", Actions: actionsStop, Ledger: "L-29", Judged: NotForTheSuite,
		When: "a hibernating stop of an instance without hibernation enabled (errors.go); the seed's StopInstances has no such parameter and the suite never asks for hibernation"},
	{Code: "FailedOperation.IllegalTagKey", Actions: actionsDescribe, Ledger: "L-29", Judged: NotForTheSuite, When: "a tag filter with an illegal key; the suite sends no tag filter"},
	{Code: "FailedOperation.IllegalTagValue", Actions: actionsDescribe, Ledger: "L-29", Judged: NotForTheSuite, When: "a tag filter with an illegal value; the suite sends no tag filter"},
	{Code: "FailedOperation.TagKeyReserved", Actions: actionsDescribe, Ledger: "L-29", Judged: NotForTheSuite, When: "a tag filter with a reserved key; the suite sends no tag filter"},
	{Code: "InvalidParameterValue.TagKeyNotFound", Actions: actionsDescribe, Ledger: "L-29", Judged: NotForTheSuite, When: "a tag filter with an unknown key; the suite sends no tag filter"},
	{Code: "InvalidHostId.Malformed", Actions: actionsDescribe, Ledger: "L-29", Judged: NotForTheSuite, When: "a malformed dedicated-host ID filter; the suite sends none"},
	{Code: "InvalidParameterValue.IPAddressMalformed", Actions: actionsDescribe, Ledger: "L-29", Judged: NotForTheSuite, When: "a malformed IP address filter; the suite sends none"},
	{Code: "InvalidParameterValue.IPv6AddressMalformed", Actions: actionsDescribe, Ledger: "L-29", Judged: NotForTheSuite, When: "a malformed IPv6 address filter; the suite sends none"},
	{Code: "InvalidParameterValue.InvalidIpFormat", Actions: actionsDescribe, Ledger: "L-29", Judged: NotForTheSuite, When: "an IP filter of the wrong format; the suite sends none"},
	{Code: "InvalidParameterValue.InvalidAppIdFormat", Actions: actionsDescribe, Ledger: "L-29", Judged: NotForTheSuite, When: "a malformed AppId filter; the suite sends none"},
	{Code: "InvalidParameterValue.InvalidTimeFormat", Actions: actionsDescribe, Ledger: "L-29", Judged: NotForTheSuite, When: "a time filter of the wrong format; the suite sends none"},
	{Code: "InvalidParameterValue.InvalidVagueName", Actions: actionsDescribe, Ledger: "L-29", Judged: NotForTheSuite, When: "an invalid fuzzy instance-name filter; the suite sends none"},
	{Code: "InvalidParameterValue.SubnetIdMalformed", Actions: actionsDescribe, Ledger: "L-29", Judged: NotForTheSuite, When: "a malformed subnet-id filter; the suite sends none"},
	{Code: "InvalidParameterValue.VpcIdMalformed", Actions: actionsDescribe, Ledger: "L-29", Judged: NotForTheSuite, When: "a malformed vpc-id filter; the suite sends none"},
	{Code: "InvalidParameterValue.UuidMalformed", Actions: actionsDescribe, Ledger: "L-29", Judged: NotForTheSuite, When: "a malformed uuid filter; the suite sends none"},
	{Code: "InvalidSecurityGroupId.NotFound", Actions: actionsDescribe, Ledger: "L-29", Judged: NotForTheSuite, When: "a security-group filter naming no group; the suite sends none"},
	{Code: "InvalidSgId.Malformed", Actions: actionsDescribe, Ledger: "L-29", Judged: NotForTheSuite, When: "a malformed security-group filter; the suite sends none"},
	{Code: "ResourceNotFound.HpcCluster", Actions: actionsDescribe, Ledger: "L-29", Judged: NotForTheSuite, When: "an HPC-cluster filter naming no cluster; the suite sends none"},
	{Code: "InvalidZone.MismatchRegion", Actions: actionsDescribe, Ledger: "L-29", Judged: NotForTheSuite, When: "a zone filter naming a zone outside the request's region; the suite sends no zone filter"},
}

// CannotServeCode reports whether code, answering action, says the
// request met a situation the suite cannot serve (SituationalCodes,
// CannotServe), and which.
func CannotServeCode(action, code string) (when string, ok bool) {
	for _, c := range SituationalCodes {
		if c.Code == code && c.Judged == CannotServe && contains(c.Actions, action) {
			return c.When, true
		}
	}
	return "", false
}

// SeedCodes are the business error codes of the seed's table (seed §6), in
// its order: the codes rule coverage reports on. InternalServerError and
// InvalidInstance.NotSupported answer situations a conforming run may
// never meet (an internal failure; an instance the operation does not
// support), so a run that leaves them unexercised is not lacking.
var SeedCodes = []string{
	"InternalServerError",
	"InvalidInstance.NotSupported",
	CodeMalformed,
	CodeNotFound,
	CodeInvalidParameterValue,
	CodeLimitExceeded,
	CodeMissingParameter,
}
