package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Config configures an emulator. The zero value of every field but Fleet
// has a sensible default.
type Config struct {
	// Fleet is the fleet to serve (LoadFleet, or fixtures.DefaultFleet).
	Fleet *FleetFile
	// Keys gives an account's credentials; an account of the fleet
	// without one gets a generated pair (see Emulator.Credentials).
	Keys map[string]tcapi.Credential
	// Clock drives transitions and the rate limiter; RealClock if nil.
	Clock Clock
	// Latency is how long STOPPING, STARTING and the other operations the
	// emulator starts take; 300 ms if zero. The latency variant, where
	// Variants names it, wins (see resolveOperations).
	Latency time.Duration
	// RateLimit is the StopInstances limit per second and account; the
	// other actions keep their documented limits (facts §8, §9). Zero
	// means the default, 10; a negative value turns every limit off.
	RateLimit int
	// Faults names the rules to break (see Faults).
	Faults []string
	// Logger receives one line per request; nothing if nil.
	Logger *slog.Logger
	// Rand is the source of RequestIds and generated credentials;
	// crypto/rand if nil.
	Rand io.Reader
	// Limits are the request size limits; tcapi.DefaultLimits() if zero.
	Limits tcapi.Limits
	// Variants choose among the answers the sources allow (see Variants);
	// every variant not named takes its default, the strict reference's
	// choice: it refuses wherever the sources allow refusing (see
	// StrictDefaults).
	Variants Choices
	// Home is the region the emulator is known to serve; the region of
	// the first account's first instance if "". With the variant
	// proto-region-not-served=UnsupportedRegion it serves no other.
	Home string
	// Seed drives the emulator's random choices (variant latencies given
	// as a range, op-state=mixed); 0 picks one.
	Seed uint64

	_ struct{}
}

// DefaultLatency is the duration of an operation when Config.Latency is
// zero: long enough for STOPPING to be observed, short enough for a quick
// run.
const DefaultLatency = 300 * time.Millisecond

// Emulator is the reference CVM emulator: the model served over the
// TencentCloud API 3.0 protocol, as an http.Handler. It is safe for
// concurrent use.
type Emulator struct {
	store   *store
	limiter *limiter
	keys    tcapi.KeyMap
	creds   map[string]tcapi.Credential
	order   []string // account names in fleet order
	clock   Clock
	// behaviour is what the faults and the variants make the emulator
	// do, resolved once in New; variants are the choices as given, for
	// the trace extra-fields=yes adds to answers.
	behaviour behaviour
	variants  Choices
	home      string
	log       *slog.Logger
	limits    tcapi.Limits

	randMu  sync.Mutex
	rand    io.Reader
	lastRID string // the previous RequestId (FaultRepeatedRequestID)
	rids    int

	// mfa holds the accounts that require MFA for a stop
	// (Account.RequiresMFA).
	mfa map[string]bool
}

// New returns an emulator serving cfg.Fleet.
func New(cfg Config) (*Emulator, error) {
	if cfg.Fleet == nil {
		return nil, fmt.Errorf("emulator: no fleet")
	}
	b, err := resolve(cfg)
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	e := &Emulator{
		keys:      tcapi.KeyMap{},
		creds:     map[string]tcapi.Credential{},
		clock:     cfg.Clock,
		behaviour: b,
		variants:  cfg.Variants.Merge(nil),
		home:      cfg.Home,
		log:       cfg.Logger,
		limits:    cfg.Limits,
		rand:      cfg.Rand,
	}
	if e.clock == nil {
		e.clock = RealClock{}
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.rand == nil {
		e.rand = rand.Reader
	}
	if e.limits == (tcapi.Limits{}) {
		e.limits = tcapi.DefaultLimits()
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = mrand.Uint64()
	}
	e.store = newStore(cfg.Fleet, &timing{operations: b.ops, rng: mrand.New(mrand.NewPCG(seed, 0x71e))})
	if e.home == "" && len(cfg.Fleet.Accounts) > 0 && len(e.store.accounts[cfg.Fleet.Accounts[0].Name]) > 0 {
		e.home = e.store.accounts[cfg.Fleet.Accounts[0].Name][0].region
	}
	for _, a := range cfg.Fleet.Accounts {
		c, ok := cfg.Keys[a.Name]
		if !ok || c.SecretID == "" {
			c = tcapi.Credential{SecretID: "AKID" + e.randomHex(16), SecretKey: e.randomHex(16)}
		}
		if _, dup := e.keys[c.SecretID]; dup {
			return nil, fmt.Errorf("emulator: accounts share the SecretId %s", c.SecretID)
		}
		e.keys[c.SecretID] = tcapi.Key{SecretKey: c.SecretKey, Token: c.Token, Account: a.Name}
		e.creds[a.Name] = c
		e.order = append(e.order, a.Name)
		if a.RequiresMFA {
			if e.mfa == nil {
				e.mfa = map[string]bool{}
			}
			e.mfa[a.Name] = true
		}
	}
	e.limiter = newLimiter(b.limits, e.order)
	return e, nil
}

// Accounts lists the fleet's account names in fixture order; the first is
// the default account.
func (e *Emulator) Accounts() []string { return append([]string(nil), e.order...) }

// Credentials returns an account's credentials.
func (e *Emulator) Credentials(account string) tcapi.Credential { return e.creds[account] }

func (e *Emulator) randomHex(n int) string {
	b := make([]byte, n)
	e.randMu.Lock()
	_, err := io.ReadFull(e.rand, b)
	e.randMu.Unlock()
	if err != nil {
		panic(fmt.Sprintf("emulator: randomness: %v", err))
	}
	return hex.EncodeToString(b)
}

func (e *Emulator) requestID() string {
	e.randMu.Lock()
	defer e.randMu.Unlock()
	e.rids++
	if e.behaviour.repeatedRequestID && e.rids%5 == 0 && e.lastRID != "" {
		return e.lastRID
	}
	e.lastRID = tcapi.NewRequestID(e.rand)
	return e.lastRID
}

// ServeHTTP answers one API request. Every answer is a TencentCloud
// envelope with a RequestId, whatever the input; a panic becomes
// InternalError and the emulator goes on.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	start := time.Now()
	rid := e.requestID()
	a := answer{code: "?"}
	var req model.Request
	defer func() {
		if p := recover(); p != nil {
			e.log.Error("panic", "request_id", rid, "panic", fmt.Sprint(p))
			a = answer{code: model.CodeInternalError, message: "internal error"}
			e.writeError(w, hr, rid, a.code, a.message)
		}
		e.logRequest(hr, req, rid, a, time.Since(start))
	}()
	body, err := io.ReadAll(io.LimitReader(hr.Body, e.limits.ReadLimit()))
	req = tcapi.DecodeAs(hr, body, e.keys, e.limits, e.behaviour.parsing)
	switch {
	case err != nil:
		// The body ended early (a chunked body cut off, a connection
		// dropped): what arrived is no request, so it is judged as a
		// malformed one, and nothing is repaired.
		req.Transport.Decode = model.DecodeMalformed
	case e.behaviour.malformedRepaired && req.Transport.Decode == model.DecodeMalformed:
		req = repaired(hr, body, req, e.keys, e.limits, e.behaviour.parsing)
	}
	switch {
	case e.behaviour.signatureUnchecked && req.Auth == model.AuthBadSignature:
		req.Account = e.accountOfSecretID(hr, body)
	case e.behaviour.sharedAccounts && req.Auth == model.AuthOK:
		req.Account = e.order[0]
	case e.behaviour.hmacSHA256Refused && req.Transport.Signature == model.SigHmacSHA256:
		req.Auth = model.AuthBadSignature
	case e.behaviour.v1SignatureUnchecked && req.Auth == model.AuthBadSignature &&
		(req.Transport.Signature == model.SigHmacSHA1 || req.Transport.Signature == model.SigHmacSHA256):
		req.Auth, req.Account = model.AuthOK, e.accountOfSecretID(hr, body)
	}
	if e.behaviour.regionsOneFleet && model.KnownRegion(req.Region) && !model.FinanceRegion(req.Region) {
		req.Region = e.home
	}
	a = e.answer(req, rid)
	switch {
	case a.code != "":
		e.writeError(w, hr, rid, a.code, a.message)
	case a.describe != nil:
		e.writeDescribe(w, hr, rid, a.describe)
	default:
		e.writeSuccess(w, hr, rid)
	}
}

// answer is what the emulator says to one request: an error code and
// message, or success with DescribeInstances' fields when describe is set.
type answer struct {
	code, message string
	describe      tcapi.RawObject
}

// answer judges req with the model and applies it (see judge); with
// FaultLostTransition it writes the effect judge planned late, after
// judge has released the store (see writeLate).
func (e *Emulator) answer(req model.Request, rid string) answer {
	now := e.clock.Now()
	a, late := e.judge(req, rid, now)
	if late != nil {
		e.writeLate(late)
	}
	return a
}

// judge judges req with the model and applies it under the store's lock,
// which it takes and releases: it walks the rules the request breaks in
// the emulator's precedence order, consulting the rate limiter where the
// rate-limit stage comes, and answers the first code chosen (see choose: a
// fault passes its rule over, a variant picks among the rule's defensible
// answers); with none, the action's effect. With FaultLostTransition the
// effect is not applied but returned, planned, for writeLate; the plan is
// nil otherwise.
func (e *Emulator) judge(req model.Request, rid string, now time.Time) (answer, *latePlan) {
	s := e.store
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(now)
	j := model.Judge(s, req, model.Env{Now: now, Limited: model.No, Home: e.home})
	if j.Abstain {
		return answer{code: model.CodeInvalidAction, message: fmt.Sprintf("the action %s is not served by this emulator", req.Action)}, nil
	}
	vs := e.ordered(j.Violations)
	rate := e.precedence(model.RuleRateLimit)
	for i := 0; i <= len(vs); i++ {
		if i == len(vs) || e.precedence(vs[i].Rule) > rate {
			// The rate-limit stage: every rule before it has been passed.
			if limited, ans := e.rateLimit(req, j, vs[i:], rid, now); limited {
				return ans, nil
			}
			if i == len(vs) {
				break
			}
		}
		code := e.choose(vs[i])
		if code == "" || e.stopsStarting(vs[i]) {
			continue
		}
		if e.behaviour.partialBatch {
			e.applyWhere(req, j, rid, now, func(p model.Instance) bool { return model.AllowsSuccess(j.Action, p, j.Intent) })
		}
		return answer{code: code, message: vs[i].Detail + ": " + vs[i].Rule.Requirement}, nil
	}
	if j.Action == model.ActionStop && e.mfa[req.Account] {
		return answer{code: "UnauthorizedOperation.MFANotFound", message: "the account requires MFA for StopInstances"}, nil
	}
	if e.behaviour.stopChargingIgnored {
		j.Intent.Mode = model.KeepCharging
	}
	switch j.Action {
	case model.ActionStop, model.ActionStart:
		if e.behaviour.lostTransition {
			return answer{}, e.planLate(req, j, rid, now)
		}
		e.applyWhere(req, j, rid, now, func(model.Instance) bool { return true })
		return answer{}, nil
	}
	if e.behaviour.form.instancesChanged() {
		return answer{describe: s.describeAs(e.behaviour.form, req.Account, req.Region, j, requestedIDs(req))}, nil
	}
	return answer{describe: s.describe(req.Account, req.Region, j, requestedIDs(req))}, nil
}

// stopsStarting reports whether FaultStopWhileStarting passes v over: a
// stop of an instance that is STARTING. The caller holds the lock.
func (e *Emulator) stopsStarting(v model.Violation) bool {
	r := e.store.byID[v.Instance]
	return e.behaviour.stopWhileStarting && v.Rule == model.RuleStopState && r != nil && r.inst.State == model.Starting
}

// ordered returns the violations in the emulator's precedence order: the
// model's, or with the request's shape checked first (variant precedence,
// ledger L-05). Rules that need the caller's account (existence, state)
// always come after authentication.
func (e *Emulator) ordered(vs []model.Violation) []model.Violation {
	if !e.behaviour.shapeFirst {
		return vs // already in the model's order
	}
	out := slices.Clone(vs)
	slices.SortStableFunc(out, func(a, b model.Violation) int { return e.precedence(a.Rule) - e.precedence(b.Rule) })
	return out
}

// precedence is rule r's place in the emulator's order.
func (e *Emulator) precedence(r *model.Rule) int {
	if r.RequestShape() && e.behaviour.shapeFirst {
		return 2*model.RuleAuthMissing.Rank() - 1
	}
	return 2 * r.Rank()
}

// rateLimit consults the limiter for a request that reached the
// rate-limit stage and, when it is over the limit, returns the answer: the
// rate-limit code the variant chooses. rest are the violations still to
// come (FaultLimitedTakesEffect acts on a request they would let pass).
func (e *Emulator) rateLimit(req model.Request, j model.Judgement, rest []model.Violation, rid string, now time.Time) (bool, answer) {
	if e.limiter.allow(req.Account, req.Action, now) {
		return false, answer{}
	}
	if e.behaviour.limitedTakesEffect && !slices.ContainsFunc(rest, func(x model.Violation) bool { return e.choose(x) != "" }) {
		e.applyWhere(req, j, rid, now, func(model.Instance) bool { return true })
	}
	v := model.Violation{Rule: model.RuleRateLimit, Lenient: model.RuleRateLimit.Lenient, Strict: model.RuleRateLimit.Strict}
	return true, answer{code: e.choose(v),
		message: fmt.Sprintf("over the limit of %d %s requests a second", e.limiter.limit(req.Action), req.Action)}
}

// applyWhere applies the action's canonical effect to every target of j
// that the caller can see and that satisfies ok. The caller holds the lock.
func (e *Emulator) applyWhere(req model.Request, j model.Judgement, rid string, now time.Time, ok func(model.Instance) bool) {
	if e.behaviour.wrongRequestID {
		rid = e.requestID()
	}
	for _, id := range j.Targets {
		r := e.store.byID[id]
		if r == nil || r.inst.Owner != req.Account || (req.Region != "" && r.inst.Region() != req.Region) || !ok(r.inst) {
			continue
		}
		e.store.set(r, model.Effect(j.Action, r.inst, j.Intent, rid)[0], now)
	}
}

// latePlan is FaultLostTransition's effect of one request: the next
// states computed from what the request judged, as of when it judged
// them, to be written after other requests have had their turn.
type latePlan struct {
	at      time.Time
	updates []lateUpdate
}

// lateUpdate is one instance's planned next state.
type lateUpdate struct {
	r    *record
	next model.Instance
}

// planLate is FaultLostTransition's plan: the next state of each target of
// j the caller owns, computed from the state it judged at now. It changes
// nothing. The caller holds the lock.
func (e *Emulator) planLate(req model.Request, j model.Judgement, rid string, now time.Time) *latePlan {
	plan := &latePlan{at: now}
	for _, id := range j.Targets {
		if r := e.store.byID[id]; r != nil && r.inst.Owner == req.Account {
			plan.updates = append(plan.updates, lateUpdate{r, model.Effect(j.Action, r.inst, j.Intent, rid)[0]})
		}
	}
	return plan
}

// writeLate is FaultLostTransition's write: after a moment in which other
// requests run, it takes the lock and writes the planned states over
// whatever those requests did meanwhile. The caller does not hold the
// lock.
func (e *Emulator) writeLate(plan *latePlan) {
	time.Sleep(20 * time.Millisecond)
	e.store.mu.Lock()
	defer e.store.mu.Unlock()
	for _, u := range plan.updates {
		e.store.set(u.r, u.next, plan.at)
	}
}

// accountOfSecretID finds the account whose SecretId signed a request,
// whatever its signature (FaultSignatureUnchecked).
func (e *Emulator) accountOfSecretID(hr *http.Request, body []byte) string {
	id := hr.URL.Query().Get("SecretId")
	if m := credentialID.FindStringSubmatch(hr.Header.Get("Authorization")); m != nil {
		id = m[1]
	} else if hr.Method == http.MethodPost {
		if vs, err := url.ParseQuery(string(body)); err == nil && vs.Get("SecretId") != "" {
			id = vs.Get("SecretId")
		}
	}
	if k, ok := e.keys.Lookup(id); ok {
		return k.Account
	}
	return ""
}

var credentialID = regexp.MustCompile(`Credential=([^/]+)/`)

// requestedIDs returns the InstanceIds strings of a request.
func requestedIDs(req model.Request) []string {
	v := req.Params["InstanceIds"]
	ids := make([]string, 0, len(v.Items))
	for _, it := range v.Items {
		ids = append(ids, it.Text)
	}
	return ids
}

func (e *Emulator) logRequest(hr *http.Request, req model.Request, rid string, a answer, d time.Duration) {
	outcome := a.code
	if outcome == "" {
		outcome = "success"
	}
	e.log.Info("request",
		"request_id", rid,
		"method", hr.Method,
		"host", hr.Host,
		"action", req.Action,
		"region", req.Region,
		"account", req.Account,
		"client", hr.Header.Get("X-TC-RequestClient"),
		"outcome", outcome,
		"duration_ms", float64(d.Microseconds())/1000)
}
