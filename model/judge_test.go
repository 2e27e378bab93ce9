package model

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// Table tests keyed to the seed: every parameter row (seed §2), every error
// code row (seed §6), the two-instance example (seed §4), and the state
// rule (seed §1), each with the outcomes the model must accept.

type judgeCase struct {
	name    string
	req     Request
	env     Env
	lenient Outcomes
	strict  Outcomes
	reason  string
}

var (
	notFound  = Fail(CodeNotFound, "ResourceNotFound")
	malformed = Fail(CodeMalformed, CodeMalformedAlt, CodeInvalidParameterValue)
	limitExc  = Fail(CodeLimitExceeded, CodeInvalidParameterValue, "LimitExceeded", CodeInvalidParameter)
	typeErr   = Fail(CodeInvalidParameter, CodeInvalidParameterValue)
)

func runJudgeCases(t *testing.T, f Fleet, cases []judgeCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := c.env
			if e == (Env{}) {
				e = env
			}
			j := Judge(f, c.req, e)
			if d := cmp.Diff(c.lenient, j.Lenient); d != "" {
				t.Errorf("lenient mismatch (-want +got):\n%s\nreason: %s\nviolations: %v", d, c.reason, j.Violations)
			}
			if d := cmp.Diff(c.strict, j.Strict); d != "" {
				t.Errorf("strict mismatch (-want +got):\n%s\nreason: %s\nviolations: %v", d, c.reason, j.Violations)
			}
		})
	}
}

func TestJudgeSeedParameters(t *testing.T) {
	t.Parallel()
	ok := Succeed()
	runJudgeCases(t, fleet(), []judgeCase{
		{"example two instances", stop(seedA, seedB), env, ok, ok,
			"seed §4: the example stops two RUNNING instances"},

		{"Action missing", func() Request { r := stop(seedA); r.Action = ""; return r }(), env,
			Fail(CodeMissingParameter, CodeInvalidAction, CodeInvalidParameter), Fail(CodeMissingParameter),
			"seed §2: Action is required"},
		{"Action unknown", func() Request { r := stop(seedA); r.Action = "StopInstance"; return r }(), env,
			Fail(CodeInvalidAction), Fail(CodeInvalidAction), "facts §6 InvalidAction"},
		{"Version missing", func() Request { r := stop(seedA); r.Version = ""; return r }(), env,
			Fail(CodeMissingParameter, "NoSuchVersion", CodeInvalidParameter, CodeInvalidAction), Fail(CodeMissingParameter),
			"seed §2: Version is required"},
		{"Version wrong", func() Request { r := stop(seedA); r.Version = "2020-01-01"; return r }(), env,
			Fail("NoSuchVersion", CodeInvalidParameterValue, CodeInvalidAction, CodeInvalidParameter), Fail("NoSuchVersion"),
			"seed §2: the value used for this API is 2017-03-12"},
		{"Region missing", func() Request { r := stop(seedA); r.Region = ""; return r }(), env,
			Fail(CodeMissingParameter, CodeInvalidParameter, CodeUnsupportedRegion).OrSucceed(), Fail(CodeMissingParameter),
			"seed §2 says required, mirrors say optional (L-10)"},
		{"Region unsupported", func() Request { r := stop(seedA); r.Region = "xx-nowhere"; return r }(), env,
			Fail(CodeUnsupportedRegion, CodeInvalidParameterValue, CodeInvalidParameter, CodeNotFound, "ResourceNotFound"), Fail(CodeUnsupportedRegion),
			"facts §6 UnsupportedRegion; the instance is not in that region either"},

		{"InstanceIds missing", without(stop(seedA), "InstanceIds"), env,
			Fail(CodeMissingParameter, CodeInvalidParameter), Fail(CodeMissingParameter), "seed §2: InstanceIds.N required"},
		{"InstanceIds null", with(stop(), "InstanceIds", Null()), env,
			Fail(CodeMissingParameter, CodeInvalidParameter), Fail(CodeMissingParameter), "null is no value"},
		{"InstanceIds empty", stop(), env,
			Fail(CodeMissingParameter, CodeInvalidParameter, CodeInvalidParameterValue), Fail(CodeMissingParameter), "L-03"},
		{"InstanceIds a string", with(stop(), "InstanceIds", Str(seedA)), env,
			typeErr, Fail(CodeInvalidParameter), "seed §2: Array of String"},
		{"InstanceIds of numbers", with(stop(), "InstanceIds", Arr(Num(1))), env,
			typeErr, Fail(CodeInvalidParameter), "seed §2: Array of String"},
		{"100 unknown IDs", stop(many(100)...), env,
			notFound, Fail(CodeNotFound), "seed §1: 100 is allowed; they do not exist"},
		{"101 IDs", stop(many(101)...), env,
			limitExc.Union(notFound), Fail(CodeLimitExceeded), "seed §1: at most 100; strict checks size before existence"},
		{"ins-1122", stop("ins-1122"), env,
			malformed, Fail(CodeMalformed), "seed §6: ins-1122 has an invalid ID length"},
		{"upper-case ID", stop("ins-R8HR2UPY"), env,
			malformed.Union(Fail(CodeNotFound)), Fail(CodeMalformed), "L-18"},
		{"unknown ID", stop("ins-zzzzzzzz"), env, notFound, Fail(CodeNotFound), "seed §6 InvalidInstanceId.NotFound"},
		{"another account's", stop("ins-theirs01"), env,
			Fail(CodeNotFound, "ResourceNotFound", "UnauthorizedOperation", "AuthFailure.UnauthorizedOperation"), Fail(CodeNotFound),
			"fleets are isolated"},
		{"another region's", stop("ins-shanghai"), env, notFound, Fail(CodeNotFound), "Region picks the data"},
		{"duplicate IDs", stop(seedA, seedA), env,
			Fail(CodeInvalidParameterValue, CodeInvalidParameter).OrSucceed(), Fail(CodeInvalidParameterValue, CodeInvalidParameter).OrSucceed(), "L-02"},
		{"101 entries, 100 distinct", stop(append(many(100), "ins-00000000")...), env,
			Fail(CodeLimitExceeded, CodeInvalidParameterValue, "LimitExceeded", CodeInvalidParameter).Union(notFound),
			Fail(CodeLimitExceeded, CodeInvalidParameterValue, "LimitExceeded", CodeInvalidParameter, CodeNotFound), "L-02: undecided, then existence"},

		{"ForceStop true", with(stop(seedA), "ForceStop", Bool(true)), env, ok, ok, "seed §2 ForceStop Boolean"},
		{"ForceStop false", with(stop(seedA), "ForceStop", Bool(false)), env, ok, ok, "seed §2 ForceStop Boolean"},
		{"ForceStop string TRUE", with(stop(seedA), "ForceStop", Str("TRUE")), env,
			typeErr.OrSucceed(), typeErr.OrSucceed(), "L-17: the seed writes TRUE"},
		{"ForceStop yes", with(stop(seedA), "ForceStop", Str("yes")), env, typeErr, Fail(CodeInvalidParameter), "not a Boolean"},
		{"ForceStop 1", with(stop(seedA), "ForceStop", Num(1)), env, typeErr, Fail(CodeInvalidParameter), "not a Boolean"},
		{"ForceStop null", with(stop(seedA), "ForceStop", Null()), env, typeErr.OrSucceed(), typeErr.OrSucceed(), "L-17"},
		{"StopType SOFT", with(stop(seedA), "StopType", Str("SOFT")), env, ok, ok, "seed §2"},
		{"StopType HARD", with(stop(seedA), "StopType", Str("HARD")), env, ok, ok, "seed §2"},
		{"StopType SOFT_FIRST", with(stop(seedA), "StopType", Str("SOFT_FIRST")), env, ok, ok, "seed §2"},
		{"StopType bad", with(stop(seedA), "StopType", Str("GENTLE")), env,
			typeErr, Fail(CodeInvalidParameterValue), "seed §6 InvalidParameterValue"},
		{"StopType lower case", with(stop(seedA), "StopType", Str("hard")), env,
			typeErr.OrSucceed(), Fail(CodeInvalidParameterValue), "L-04"},
		{"StopType empty", with(stop(seedA), "StopType", Str("")), env, typeErr.OrSucceed(), typeErr.OrSucceed(), "L-17"},
		{"StopType number", with(stop(seedA), "StopType", Num(2)), env, typeErr, Fail(CodeInvalidParameter), "seed §2 String"},
		{"StoppedMode KEEP", with(stop(seedA), "StoppedMode", Str("KEEP_CHARGING")), env, ok, ok, "seed §2"},
		{"StoppedMode STOP", with(stop(seedA), "StoppedMode", Str("STOP_CHARGING")), env, ok, ok, "seed §2: postpaid on cloud disk"},
		{"StoppedMode bad", with(stop(seedA), "StoppedMode", Str("HALF_CHARGING")), env,
			typeErr, Fail(CodeInvalidParameterValue), "seed §6 InvalidParameterValue"},
		{"ForceStop with StopType", with(with(stop(seedA), "ForceStop", Bool(true)), "StopType", Str("HARD")), env,
			Fail(CodeInvalidCombination, CodeInvalidParameter, CodeInvalidParameterValue).OrSucceed(), Fail(CodeInvalidCombination), "L-01"},
		{"unknown parameter", with(stop(seedA), "DryRun", Bool(true)), env,
			Fail(CodeUnknownParameter, CodeInvalidParameter).OrSucceed(), Fail(CodeUnknownParameter), "L-08"},
	})
}

func TestJudgeStates(t *testing.T) {
	t.Parallel()
	f := fleet()
	var cases []judgeCase
	for _, s := range InstanceStates {
		if s == Running {
			continue
		}
		lenient := []string{StateCode(s), "InvalidInstanceState", "UnsupportedOperation", "UnsupportedOperation.InstanceStateNotRunning"}
		if s.Transient() {
			lenient = append(lenient, CodeInProgress, CodeMutexTaskRunning)
		}
		cases = append(cases, judgeCase{"stop " + string(s), stop(idOf(s)), env, Fail(lenient...), Fail(StateCode(s)),
			"seed §1: only RUNNING instances can be stopped"})
	}
	cases = append(cases,
		judgeCase{"stop RUNNING still OPERATING", stop("ins-busy0001"), env,
			Fail(CodeInProgress, CodeMutexTaskRunning).OrSucceed(), Fail(CodeInProgress, CodeMutexTaskRunning).OrSucceed(), "L-19"},
		judgeCase{"batch with one STOPPED", stop(seedA, idOf(Stopped)), env,
			Fail(StateCode(Stopped), "InvalidInstanceState", "UnsupportedOperation", "UnsupportedOperation.InstanceStateNotRunning"),
			Fail(StateCode(Stopped)), "seed §1; atomic batch (L-13)"},
		judgeCase{"batch with two wrong states", stop(idOf(Stopped), idOf(Pending)), env,
			Fail(StateCode(Stopped), StateCode(Pending), "InvalidInstanceState", "UnsupportedOperation", "UnsupportedOperation.InstanceStateNotRunning", CodeInProgress, CodeMutexTaskRunning),
			Fail(StateCode(Stopped), StateCode(Pending)), "L-05: either member's code"},
		judgeCase{"start STOPPED", request(ActionStart, map[string]Value{"InstanceIds": Strs(idOf(Stopped))}), env,
			Succeed(), Succeed(), "facts §8"},
		judgeCase{"start RUNNING", request(ActionStart, map[string]Value{"InstanceIds": Strs(seedA)}), env,
			Fail(StateCode(Running), "InvalidInstanceState", "UnsupportedOperation"), Fail(StateCode(Running)), "facts §8: only STOPPED"},
		judgeCase{"STOP_CHARGING on prepaid", with(stop("ins-prepaid1"), "StoppedMode", Str("STOP_CHARGING")), env,
			Fail(CodeStoppedModeUnsupported, CodeInvalidParameterValue, "InvalidInstance.NotSupported", "UnsupportedOperation").OrSucceed(),
			Fail(CodeStoppedModeUnsupported), "L-07; seed §6 InvalidInstance.NotSupported is defensible here"},
		judgeCase{"STOP_CHARGING on local disk", with(stop("ins-localdk1"), "StoppedMode", Str("STOP_CHARGING")), env,
			Fail(CodeStoppedModeUnsupported, CodeInvalidParameterValue, "InvalidInstance.NotSupported", "UnsupportedOperation").OrSucceed(),
			Fail(CodeStoppedModeUnsupported), "L-07"},
		judgeCase{"STOP_CHARGING on spot", with(stop("ins-spotpd01"), "StoppedMode", Str("STOP_CHARGING")), env,
			Fail(CodeStoppedModeUnsupported, CodeInvalidParameterValue, "InvalidInstance.NotSupported", "UnsupportedOperation").OrSucceed(),
			Fail(CodeStoppedModeUnsupported, CodeInvalidParameterValue, "InvalidInstance.NotSupported", "UnsupportedOperation").OrSucceed(), "L-07: undecided"},
		judgeCase{"KEEP_CHARGING on prepaid", with(stop("ins-prepaid1"), "StoppedMode", Str("KEEP_CHARGING")), env,
			Succeed(), Succeed(), "KEEP_CHARGING applies to everything"},
	)
	runJudgeCases(t, f, cases)
}

func TestJudgeCommonErrors(t *testing.T) {
	t.Parallel()
	authed := func(a AuthFact) Request { r := stop(seedA); r.Auth = a; return r }
	runJudgeCases(t, fleet(), []judgeCase{
		{"unsigned", authed(AuthMissing), env,
			Fail("AuthFailure.InvalidAuthorization", "AuthFailure.SignatureFailure", "AuthFailure.SecretIdNotFound", "AuthFailure.InvalidSecretId", CodeMissingParameter),
			Fail("AuthFailure.InvalidAuthorization", CodeMissingParameter), "facts §4"},
		{"garbled Authorization", authed(AuthMalformed), env,
			Fail("AuthFailure.InvalidAuthorization", "AuthFailure.SignatureFailure"), Fail("AuthFailure.InvalidAuthorization"), "facts §4"},
		{"unknown SecretId", authed(AuthUnknownSecretID), env,
			Fail("AuthFailure.SecretIdNotFound", "AuthFailure.InvalidSecretId", "AuthFailure.SignatureFailure"), Fail("AuthFailure.SecretIdNotFound"), "facts §4"},
		{"bad signature", authed(AuthBadSignature), env,
			Fail("AuthFailure.SignatureFailure"), Fail("AuthFailure.SignatureFailure"), "facts §4"},
		{"bad token", authed(AuthBadToken), env,
			Fail("AuthFailure.TokenFailure", "AuthFailure.SignatureFailure", "AuthFailure.InvalidAuthorization", "UnauthorizedOperation.InvalidToken"), Fail("AuthFailure.TokenFailure"),
			"facts §4; the SDK lists UnauthorizedOperation.InvalidToken for DescribeInstances (ledger L-20)"},
		{"expired", stop(seedA), Env{Now: t0.Add(time.Hour)},
			Fail("AuthFailure.SignatureExpire"), Fail("AuthFailure.SignatureExpire"), "facts §4: 5 minutes"},
		{"from the future", stop(seedA), Env{Now: t0.Add(-10 * time.Minute)},
			Fail("AuthFailure.SignatureExpire"), Fail("AuthFailure.SignatureExpire"), "facts §4: a plain difference"},
		{"at the edge", stop(seedA), Env{Now: t0.Add(300 * time.Second)},
			Fail("AuthFailure.SignatureExpire").OrSucceed(), Fail("AuthFailure.SignatureExpire").OrSucceed(), "L-14"},
		{"no timestamp", func() Request { r := stop(seedA); r.Timestamp = time.Time{}; return r }(), env,
			Fail(CodeMissingParameter, "AuthFailure.SignatureExpire", "AuthFailure.SignatureFailure", "AuthFailure.InvalidAuthorization", CodeInvalidParameter),
			Fail(CodeMissingParameter), "facts §1"},
		{"v1 without Nonce", func() Request {
			r := stop(seedA)
			r.Transport.Signature, r.NonceMissing = SigHmacSHA1, true
			return r
		}(), env,
			Fail(CodeMissingParameter, "AuthFailure.SignatureFailure", "AuthFailure.InvalidAuthorization", CodeInvalidParameter),
			Fail(CodeMissingParameter), "facts §1: Nonce is required for v1"},
		{"v1 without Nonce, wrong signature", func() Request {
			r := authed(AuthBadSignature)
			r.Transport.Signature, r.NonceMissing = SigHmacSHA256, true
			return r
		}(), env,
			Fail(CodeMissingParameter, "AuthFailure.SignatureFailure", "AuthFailure.InvalidAuthorization", CodeInvalidParameter),
			Fail(CodeMissingParameter), "facts §1: the Nonce is missing before the signature is checked (L-05)"},
		{"unsigned v1 without Nonce", func() Request {
			r := authed(AuthMissing)
			r.Transport.Signature, r.NonceMissing = SigHmacSHA1, true
			return r
		}(), env,
			Fail("AuthFailure.InvalidAuthorization", "AuthFailure.SignatureFailure", "AuthFailure.SecretIdNotFound", "AuthFailure.InvalidSecretId", CodeMissingParameter),
			Fail("AuthFailure.InvalidAuthorization", CodeMissingParameter), "an unsigned request is refused as unsigned, whatever else it lacks"},
		{"rate limited", stop(seedA), Env{Now: t0, Limited: Yes},
			Fail(RateLimitCodes...), Fail(CodeRequestLimitExceeded), "seed §1: 10 a second"},
		{"maybe rate limited", stop(seedA), Env{Now: t0, Limited: Maybe},
			Fail(RateLimitCodes...).OrSucceed(), Fail(CodeRequestLimitExceeded).OrSucceed(), "a client cannot know the limiter's state"},
		{"rate limited and malformed", stop("ins-1122"), Env{Now: t0, Limited: Yes},
			Fail(RateLimitCodes...).Union(malformed), Fail(CodeRequestLimitExceeded), "DESIGN: rate limit before parameters"},
		{"PUT", func() Request { r := stop(seedA); r.Transport.Method = "PUT"; return r }(), env,
			Fail("UnsupportedProtocol", "InvalidRequest", CodeInvalidParameter), Fail("UnsupportedProtocol"), "facts §1"},
		{"too large", func() Request { r := stop(seedA); r.Transport.BodyTooLarge = true; return r }(), env,
			Fail("RequestSizeLimitExceeded", CodeInvalidParameter, "InvalidRequest"), Fail("RequestSizeLimitExceeded"), "facts §1"},
		{"broken JSON", func() Request { r := stop(); r.Params = nil; r.Transport.Decode = DecodeMalformed; return r }(), env,
			Fail(CodeInvalidParameter, "InvalidRequest", CodeInvalidParameterValue, CodeMissingParameter), Fail(CodeInvalidParameter), "facts §6"},
		{"not UTF-8", func() Request { r := stop(seedA); r.Transport.Decode = DecodeNotUTF8; return r }(), env,
			Fail(CodeInvalidParameter, "InvalidRequest", CodeInvalidParameterValue), Fail(CodeInvalidParameter), "facts §1"},
		{"text/plain", func() Request { r := stop(seedA); r.Transport.Decode = DecodeContentType; return r }(), env,
			Fail(CodeInvalidParameter, "InvalidRequest", "UnsupportedProtocol", CodeInvalidParameterValue),
			Fail(CodeInvalidParameter, "InvalidRequest", "UnsupportedProtocol", CodeInvalidParameterValue), "L-21"},
		{"style mismatch", func() Request { r := stop(seedA); r.Transport.Decode = DecodeStyleMismatch; return r }(), env,
			Fail(CodeInvalidParameter, "InvalidRequest", "AuthFailure.SignatureFailure", "AuthFailure.InvalidAuthorization", "UnsupportedProtocol"),
			Fail(CodeInvalidParameter, "InvalidRequest", "AuthFailure.SignatureFailure", "AuthFailure.InvalidAuthorization", "UnsupportedProtocol"), "L-21"},
	})
}

func TestJudgeFinanceHosts(t *testing.T) {
	t.Parallel()
	fin := fleet()
	p := inst("ins-finance1", Running)
	p.Zone = "ap-shanghai-fsi-1"
	fin[p.ID] = p
	at := func(host, reg string) Request { r := stop(p.ID); r.Host, r.Region = host, reg; return r }
	finErr := Fail(CodeUnsupportedRegion, CodeInvalidParameterValue, "UnsupportedOperation", CodeInvalidParameter)
	runJudgeCases(t, fin, []judgeCase{
		{"finance at its host", at(RegionHost("ap-shanghai-fsi"), "ap-shanghai-fsi"), env, Succeed(), Succeed(), "seed §1 Note"},
		{"finance at nearest host", at(NearestHost, "ap-shanghai-fsi"), env, finErr, finErr, "seed §1 Note: needs the Finance domain"},
		{"finance at intl host", at(NearestHostIntl+":443", "ap-shanghai-fsi"), env, finErr, finErr, "seed §1 Note"},
		{"finance at another region's host", at(RegionHost("ap-guangzhou"), "ap-shanghai-fsi"), env, finErr, finErr, "seed §1 Note"},
		{"finance at loopback", at("127.0.0.1:8080", "ap-shanghai-fsi"), env, Succeed(), Succeed(), "hosts the model cannot place are not judged"},
		{"other region at a finance host", func() Request { r := stop(seedA); r.Host = RegionHost("ap-shenzhen-fsi"); return r }(), env,
			finErr.OrSucceed(), finErr.OrSucceed(), "L-11"},
	})
}

func TestJudgeDescribe(t *testing.T) {
	t.Parallel()
	desc := func(params map[string]Value) Request { return request(ActionDescribe, params) }
	filter := func(name string, values ...string) Value {
		return Obj(map[string]Value{"Name": Str(name), "Values": Strs(values...)})
	}
	ok := Succeed()
	runJudgeCases(t, fleet(), []judgeCase{
		{"no parameters", desc(nil), env, ok, ok, "facts §9: first 20"},
		{"ids", desc(map[string]Value{"InstanceIds": Strs(seedA)}), env, ok, ok, "facts §9"},
		{"unknown id", desc(map[string]Value{"InstanceIds": Strs("ins-zzzzzzzz")}), env,
			Fail(CodeNotFound).OrSucceed(), ok, "L-15: left out"},
		{"filters", desc(map[string]Value{"Filters": Arr(filter("instance-state", "RUNNING"), filter("tag:env", "x"))}), env, ok, ok, "facts §9"},
		{"ids and filters", desc(map[string]Value{"InstanceIds": Strs(seedA), "Filters": Arr(filter("zone", zone))}), env,
			Fail(CodeInvalidCombination, CodeInvalidParameter, CodeInvalidParameterValue), Fail(CodeInvalidCombination, CodeInvalidParameter), "L-15"},
		{"bad filter name", desc(map[string]Value{"Filters": Arr(filter("colour", "red"))}), env,
			Fail(CodeInvalidFilter, CodeInvalidParameterValue, CodeInvalidParameter), Fail(CodeInvalidFilter), "facts §9"},
		{"bad filter shape", desc(map[string]Value{"Filters": Arr(Str("zone"))}), env,
			typeErr, Fail(CodeInvalidParameter), "facts §9 Filter"},
		{"11 filters", desc(map[string]Value{"Filters": Arr(filter("zone", zone), filter("zone", zone), filter("zone", zone), filter("zone", zone),
			filter("zone", zone), filter("zone", zone), filter("zone", zone), filter("zone", zone), filter("zone", zone), filter("zone", zone), filter("zone", zone))}), env,
			RuleFilterLimit.Lenient, RuleFilterLimit.Strict, "facts §9: 10 filters"},
		{"6 values", desc(map[string]Value{"Filters": Arr(filter("zone", "a", "b", "c", "d", "e", "f"))}), env,
			RuleFilterLimit.Lenient, RuleFilterLimit.Strict, "facts §9: 5 values"},
		{"Limit 100", desc(map[string]Value{"Limit": Num(100)}), env, ok, ok, "facts §9: max 100"},
		{"Limit 101", desc(map[string]Value{"Limit": Num(101)}), env,
			Fail(CodeInvalidParameterValue, CodeLimitExceeded, CodeInvalidParameter).OrSucceed(), Fail(CodeInvalidParameterValue, CodeLimitExceeded), "L-15"},
		{"Limit string", desc(map[string]Value{"Limit": Str("10")}), env, typeErr.OrSucceed(), typeErr.OrSucceed(), "L-17"},
		{"Limit float", desc(map[string]Value{"Limit": Value{Kind: KindNumber, Text: "1.5"}}), env, typeErr, Fail(CodeInvalidParameter), "Integer"},
		{"Offset negative", desc(map[string]Value{"Offset": Num(-1)}), env, typeErr, Fail(CodeInvalidParameterValue), "facts §9"},
		{"form Offset", func() Request { r := desc(map[string]Value{"Offset": Str("5")}); r.Encoding = EncForm; return r }(), env, ok, ok, "form scalars are strings"},
		{"empty ids", desc(map[string]Value{"InstanceIds": Strs()}), env, typeErr.OrSucceed(), typeErr.OrSucceed(), "L-17"},
	})
}

func TestJudgeForm(t *testing.T) {
	t.Parallel()
	form := func(r Request) Request { r.Encoding = EncForm; return r }
	runJudgeCases(t, fleet(), []judgeCase{
		{"ForceStop=true", form(with(stop(seedA), "ForceStop", Str("true"))), env, Succeed(), Succeed(), "facts §1 flattening: bools as true/false"},
		{"ForceStop=TRUE", form(with(stop(seedA), "ForceStop", Str("TRUE"))), env, typeErr.OrSucceed(), typeErr.OrSucceed(), "L-17"},
		{"ForceStop=1", form(with(stop(seedA), "ForceStop", Str("1"))), env, typeErr.OrSucceed(), typeErr.OrSucceed(), "L-17: strconv.ParseBool reads 1 as true, and no source says how a form spells a Boolean"},
		{"ForceStop=F", form(with(stop(seedA), "ForceStop", Str("F"))), env, typeErr.OrSucceed(), typeErr.OrSucceed(), "L-17: strconv.ParseBool reads F as false"},
		{"ForceStop=yes", form(with(stop(seedA), "ForceStop", Str("yes"))), env, typeErr, Fail(CodeInvalidParameter), "not a Boolean in any spelling, strconv.ParseBool's included"},
		{"InstanceIds scalar", form(with(stop(), "InstanceIds", Str(seedA))), env, typeErr, Fail(CodeInvalidParameter), "InstanceIds.N is an array"},
	})
}

func TestJudgeAbstainsOnUnmodeledActions(t *testing.T) {
	t.Parallel()
	r := stop(seedA)
	r.Action = "RebootInstances"
	j := Judge(fleet(), r, env)
	if !j.Abstain || !j.Accepts("AnythingAtAll", Strict) || !j.Accepts("", Lenient) {
		t.Fatalf("Judge(RebootInstances) = %+v; want abstain", j.Verdict)
	}
}

func TestNoRuleAcceptsInternalErrors(t *testing.T) {
	t.Parallel()
	// seed §6 lists InternalServerError; no request provokes it on a
	// conforming target, so no rule may accept it.
	for _, r := range Rules {
		for _, c := range []string{"InternalServerError", CodeInternalError} {
			if r.Lenient.Has(c) || r.Strict.Has(c) {
				t.Errorf("rule %s accepts %s", r.ID, c)
			}
		}
	}
}

func TestRulesAreWellFormed(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	ledger := map[string]bool{}
	for _, e := range Ledger {
		ledger[e.ID] = true
	}
	for i, r := range Rules {
		if seen[r.ID] {
			t.Errorf("duplicate rule %s", r.ID)
		}
		seen[r.ID] = true
		if r.rank != i || r.Clause == "" || r.Requirement == "" || r.Stage == "" {
			t.Errorf("rule %s: rank %d at %d, clause %q, requirement %q", r.ID, r.rank, i, r.Clause, r.Requirement)
		}
		if r.Ledger != "" && !ledger[r.Ledger] {
			t.Errorf("rule %s names ledger entry %s, which does not exist", r.ID, r.Ledger)
		}
		if r.Lenient.Empty() || r.Strict.Empty() || !r.Strict.Subset(r.Lenient) {
			t.Errorf("rule %s: strict %v must be a non-empty subset of lenient %v", r.ID, r.Strict, r.Lenient)
		}
		if (r.Lenient.Success || r.Strict.Success) && r.Ledger == "" && r != RuleDescribeUnknown {
			t.Errorf("rule %s allows success without a ledger entry saying why", r.ID)
		}
		if !strings.Contains(r.Clause, "§") && !strings.Contains(r.Clause, "DESIGN") && !strings.Contains(r.Clause, "silent") {
			t.Errorf("rule %s cites no clause: %q", r.ID, r.Clause)
		}
	}
}

// Ledger L-26: a target known to serve the run's region may refuse
// another listed region as unsupported in lenient mode; strict mode wants
// it served, as the real API serves every region it lists. Neither
// touches the run's own region or a region nobody lists.
func TestRegionNotServed(t *testing.T) {
	t.Parallel()
	home := Env{Now: t0, Limited: No, Home: "ap-guangzhou"}
	cases := []struct {
		name          string
		region        string
		env           Env
		lenient, strc Outcomes
		reason        string
	}{
		{"another listed region", "ap-shanghai", home, Fail(CodeUnsupportedRegion).OrSucceed(), Succeed(), "L-26"},
		{"the run's own region", "ap-guangzhou", home, Succeed(), Succeed(), "the home region is served"},
		{"no home known", "ap-shanghai", env, Succeed(), Succeed(), "a definite target decides itself"},
		{"an unlisted region", "xx-nowhere", home, RuleRegionUnknown.Lenient, RuleRegionUnknown.Strict, "PROTO-REGION-UNKNOWN alone"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := request(ActionDescribe, nil)
			r.Region = c.region
			j := Judge(Instances{}, r, c.env)
			require.Equal(t, c.lenient, j.Lenient, c.reason)
			require.Equal(t, c.strc, j.Strict, c.reason)
		})
	}
}

// A request read several ways (ledger L-27) is acceptable answered as
// any reading: the union of their outcomes, and a success acts on what
// the serving reading names.
func TestJudgeReadings(t *testing.T) {
	t.Parallel()
	refused := stop(seedA)
	refused.Auth = AuthMalformed
	served := stop(seedA)
	r := refused
	r.Readings = []Request{served}
	j := Judge(fleet(), r, env)
	require.False(t, Judge(fleet(), refused, env).Lenient.Success, "the refusing reading alone")
	require.True(t, j.Lenient.Success && j.Strict.Success, "a target may serve it as the reading that verifies")
	require.True(t, j.Accepts("AuthFailure.InvalidAuthorization", Strict), "or refuse it as the other")
	require.Equal(t, []string{seedA}, j.Targets, "a success stops what the serving reading names")

	malformed := stop(seedA + "\uFFFD")
	bad := stop()
	bad.Transport.Decode = DecodeNotUTF8
	bad.Params = nil
	bad.Readings = []Request{malformed}
	j = Judge(fleet(), bad, env)
	require.False(t, j.Lenient.Success, "refused on every reading")
	require.True(t, j.Accepts(CodeMalformed, Strict), "a malformed ID, as encoding/json reads the byte")
	require.True(t, j.Accepts(CodeInvalidParameter, Strict), "or unreadable")
	require.Empty(t, j.Targets)

	o := NewObserver(acct, region, Lenient)
	o.Know(inst(seedA, Running))
	_, f := o.Exchange(r, env, Outcome{RequestID: "r-1"})
	require.Nil(t, f)
	for _, p := range o.Possible(seedA) {
		require.NotEqual(t, Running, p.State, "the served reading stopped %s", seedA)
	}
}
