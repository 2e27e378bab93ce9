package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Version is the suite's version, sent in X-TC-RequestClient.
const Version = "0.1.0"

// Account labels the model uses for the credentials the suite holds.
const (
	AccountMain   = "main"
	AccountSecond = "second"
)

// TargetConfig says how to reach a target.
type TargetConfig struct {
	Endpoint string // base URL, e.g. "https://cvm.tencentcloudapi.com"
	Region   string
	Cred     tcapi.Credential
	// Cred2 is a second account's credentials, for the isolation checks;
	// zero if none.
	Cred2 tcapi.Credential
	// Timeout bounds one request; a request that times out has an unknown
	// outcome. 10 s if zero.
	Timeout time.Duration
	// StopRateLimit is the StopInstances limit per second the target is
	// expected to enforce; the pacer keeps ordinary traffic under it.
	// model.RateLimit(StopInstances) if zero.
	StopRateLimit int
	// Allowed reports whether the suite may stop or start an instance.
	// Nil allows none.
	Allowed func(id string) bool
	// Signings are the signature styles ordinary requests use, in
	// rotation (--signature); TC3 JSON if empty.
	Signings []Signing
	// Lanes are the credentials of further accounts of the same target
	// (the name is historical: each is an account, not a lane), each
	// with its own fleet and rate limits: a run spreads its checks over
	// them (see conformance's plan.go).
	Lanes []tcapi.Credential
	// Transcript, when set, records the exchanges of this target along
	// with others' (the lanes of one run share one); a new one if nil.
	Transcript *Transcript
	// Lane labels this target's exchanges in a shared transcript.
	Lane string

	_ struct{}
}

// Signing is a request style with, for the v1 styles, its HMAC.
type Signing struct {
	Style    tcapi.Style
	V1Method string
}

// The signings --signature names.
var (
	SignTC3        = Signing{Style: tcapi.StyleTC3JSON}
	SignHmacSHA256 = Signing{Style: tcapi.StyleV1Get, V1Method: tcapi.HmacSHA256}
	SignHmacSHA1   = Signing{Style: tcapi.StyleV1PostForm, V1Method: tcapi.HmacSHA1}
)

// Target sends requests to one endpoint, paced under its rate limits,
// records every exchange, and refuses to stop or start an instance the
// allow-list does not name. It is safe for concurrent use.
type Target struct {
	cfg    TargetConfig
	client *http.Client
	keys   tcapi.KeyMap
	pacer  *Pacer
	log    *Transcript
	*account
}

// account is what the lanes of one account share (ForLane): the
// instances discovered and the turn of signing styles.
type account struct {
	mu    sync.Mutex
	fleet map[string]bool // IDs of the caller's discovered instances
	turn  int             // rotation through cfg.Signings
}

// ForLane returns the target as one lane of its account sees it: the same
// account, client, pacer and transcript, its exchanges labelled lane. The
// lanes of one account share its pacer, so together they keep to its
// documented rates.
func (t *Target) ForLane(lane string) *Target {
	l := *t
	l.cfg.Lane = lane
	return &l
}

// NewTarget returns a target for cfg.
func NewTarget(cfg TargetConfig) (*Target, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("endpoint %q is not an http(s) URL", cfg.Endpoint)
	}
	if cfg.Cred.SecretID == "" || cfg.Cred.SecretKey == "" {
		return nil, errors.New("no credentials: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.StopRateLimit == 0 {
		cfg.StopRateLimit = model.RateLimit(model.ActionStop)
	}
	if cfg.Allowed == nil {
		cfg.Allowed = func(string) bool { return false }
	}
	if len(cfg.Signings) == 0 {
		cfg.Signings = []Signing{SignTC3}
	}
	keys := tcapi.KeyMap{cfg.Cred.SecretID: {SecretKey: cfg.Cred.SecretKey, Token: cfg.Cred.Token, Account: AccountMain}}
	if cfg.Cred2.SecretID != "" {
		keys[cfg.Cred2.SecretID] = tcapi.Key{SecretKey: cfg.Cred2.SecretKey, Token: cfg.Cred2.Token, Account: AccountSecond}
	}
	log := cfg.Transcript
	if log == nil {
		log = &Transcript{}
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 16
	return &Target{
		cfg:     cfg,
		client:  &http.Client{Transport: transport, Timeout: cfg.Timeout},
		keys:    keys,
		pacer:   NewPacer(cfg.StopRateLimit),
		log:     log,
		account: &account{fleet: map[string]bool{}},
	}, nil
}

// Config returns the target's configuration.
func (t *Target) Config() TargetConfig { return t.cfg }

// Transcript is the record of every exchange with the target.
func (t *Target) Transcript() *Transcript { return t.log }

// Pacer is the target's client-side rate limiter.
func (t *Target) Pacer() *Pacer { return t.pacer }

// HasSecondAccount reports whether a second account's credentials were
// given.
func (t *Target) HasSecondAccount() bool { return t.cfg.Cred2.SecretID != "" }

// Allowed reports whether the suite may stop or start instance id.
func (t *Target) Allowed(id string) bool { return t.cfg.Allowed(id) }

// KnowFleet records the caller's discovered instances: the allow-list
// guard refuses to name any of them in a stop or start unless allowed.
func (t *Target) KnowFleet(ids []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, id := range ids {
		t.fleet[id] = true
	}
}

// Send is one request to make.
type Send struct {
	Check string // the check sending it, for X-TC-RequestClient and the transcript
	Call  tcapi.Call
	// Second sends with the second account's credentials.
	Second bool
	// Cred, when set, signs with these credentials instead (a deliberately
	// unknown key).
	Cred *tcapi.Credential
	// Mutate changes the signed request before it is sent, to break it on
	// purpose (a wrong signature, no Authorization, another Host).
	Mutate func(*http.Request)
	// Unpaced skips the pacer: only the rate-limit checks exceed the
	// documented limits, on purpose.
	Unpaced bool
	// ExactStyle sends Call.Style and Call.V1Method as given; otherwise
	// the target's signings take turns.
	ExactStyle bool
	// Endpoint, when set, is the base URL to send to instead of the
	// target's (a real cloud's other host).
	Endpoint string
}

// ErrUnreachable wraps a failure to reach the target at all: the check
// could not be carried out, which is an error, never a failure.
var ErrUnreachable = errors.New("target unreachable")

// ErrCancelled wraps a request the caller's context ended before it was
// answered: the suite gave up on it, so it says nothing of the target.
var ErrCancelled = errors.New("request cancelled")

// Do sends one request and records the exchange. Version, Region and
// Timestamp default to the API version, the target's region and now. A
// request that was sent but not answered in time has an unknown outcome
// (Exchange.Outcome.Unknown). Do returns an error when the request could
// not be built, would stop or start an instance outside the allow-list,
// the target could not be reached (ErrUnreachable), or ctx ended before
// the answer came (ErrCancelled).
func (t *Target) Do(ctx context.Context, s Send) (*Exchange, error) {
	c := s.Call
	if c.Version == "" {
		c.Version = model.APIVersion
	}
	if c.Region == "" {
		c.Region = t.cfg.Region
	}
	if c.Timestamp.IsZero() {
		c.Timestamp = time.Now()
	}
	c.RequestClient = "cvmconform/" + Version
	if s.Check != "" {
		c.RequestClient += " " + s.Check
	}
	cred := t.cfg.Cred
	switch {
	case s.Cred != nil:
		cred = *s.Cred
	case s.Second:
		cred = t.cfg.Cred2
	}
	if !s.ExactStyle {
		t.mu.Lock()
		sg := t.cfg.Signings[t.turn%len(t.cfg.Signings)]
		t.turn++
		t.mu.Unlock()
		c.Style, c.V1Method = sg.Style, sg.V1Method
	}
	if err := t.guard(c); err != nil {
		return nil, err
	}
	if !s.Unpaced {
		if err := t.pacer.Wait(ctx, c.Action); err != nil {
			return nil, err
		}
	}
	endpoint := t.cfg.Endpoint
	if s.Endpoint != "" {
		endpoint = s.Endpoint
	}
	req, err := tcapi.NewRequest(ctx, endpoint, c, cred)
	if err != nil {
		return nil, err
	}
	if s.Mutate != nil {
		s.Mutate(req)
	}
	x := &Exchange{Check: s.Check, Lane: t.cfg.Lane, Call: c, Method: req.Method, URL: req.URL.String(), Host: req.Host,
		Headers: RedactHeaders(req.Header), Mutated: s.Mutate != nil}
	x.Body, err = readBody(req)
	if err != nil {
		return nil, err
	}
	x.Request = tcapi.Decode(req, []byte(x.Body), t.keys, tcapi.DefaultLimits())
	if c.Style == tcapi.StyleV1Get || c.Style == tcapi.StyleV1PostForm {
		x.Body = RedactForm(x.Body)
		u := *req.URL
		u.RawQuery = RedactForm(u.RawQuery)
		x.URL = u.String()
	}
	x.Sent = time.Now()
	res, err := t.client.Do(req)
	if err == nil {
		var body []byte
		body, err = io.ReadAll(io.LimitReader(res.Body, 64<<20))
		res.Body.Close()
		x.Status, x.RawResponse = res.StatusCode, string(body)
	}
	x.Received = time.Now()
	var uerr *url.Error
	if errors.As(err, &uerr) {
		// The client's error quotes the URL, whose query holds a v1
		// request's SecretId, Signature and Token: quote the redacted one.
		uerr.URL = x.URL
	}
	switch {
	case err != nil && ctx.Err() != nil:
		x.Err = err
		t.log.add(x)
		return x, fmt.Errorf("%w: %v", ErrCancelled, context.Cause(ctx))
	case err != nil && unreachable(err):
		x.Err = err
		t.log.add(x)
		return x, fmt.Errorf("%w: %v", ErrUnreachable, err)
	case err != nil:
		x.Err = err
		x.Outcome = model.Outcome{Unknown: true}
	default:
		x.Response, x.ParseErr = tcapi.ParseResponse([]byte(x.RawResponse))
		x.Outcome = model.Outcome{RequestID: x.Response.RequestID}
		if x.Response.Error != nil {
			x.Outcome.Code = x.Response.Error.Code
		}
	}
	t.log.add(x)
	return x, nil
}

// guard refuses a stop or start that names one of the caller's discovered
// instances outside the allow-list: the suite stops real machines.
func (t *Target) guard(c tcapi.Call) error {
	if c.Action != model.ActionStop && c.Action != model.ActionStart {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range c.Params {
		for _, id := range stringsIn(p.Value) {
			if t.fleet[id] && !t.cfg.Allowed(id) {
				return fmt.Errorf("refusing to %s %s: it is not in the allow-list (--instances)", c.Action, id)
			}
		}
	}
	return nil
}

func stringsIn(v model.Value) []string {
	switch v.Kind {
	case model.KindString:
		return []string{v.Text}
	case model.KindArray, model.KindObject:
		var out []string
		for _, it := range v.Items {
			out = append(out, stringsIn(it)...)
		}
		for _, f := range v.Fields {
			out = append(out, stringsIn(f)...)
		}
		return out
	}
	return nil
}

func readBody(req *http.Request) (string, error) {
	if req.GetBody == nil {
		return "", nil
	}
	rc, err := req.GetBody()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	return string(b), err
}

// unreachable tells a target that cannot be reached at all (no
// connection) from one that did not answer in time.
func unreachable(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}
