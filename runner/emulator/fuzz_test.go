package emulator

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cvmconform/cvmconform/fixtures/hostile"
	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Fuzzing the whole handler (issue 12). Every input is served by a fresh
// emulator over the default fleet, with a clock that does not move, no
// rate limit and fixed credentials, so that a signed seed stays valid.
// Whatever the input:
//
//   - ServeHTTP returns, within fuzzHang: no hang;
//   - the answer is HTTP 200 with a {"Response": …} envelope, a UUID
//     RequestId and, for an error, a Code and a Message; never
//     InternalError, which is what a recovered panic becomes: no panic;
//   - an error answer leaves every instance of every account as it was
//     (ledger L-13);
//   - the answer is one strict mode accepts for the request as the model
//     reads it (the reference emulator passes the suite in strict mode).
//
// The seeds are the hostile corpus (fixtures/hostile), signed; plain `go
// test` replays them and testdata/fuzz/<Fuzz…>. Run a target with
//
//	go test ./runner/emulator -run '^$' -fuzz FuzzServeHTTP -fuzztime 5m

// fuzzHang is how long one request may take before the handler is said
// to hang. Fuzz inputs are small; the slowest real request takes
// milliseconds.
const fuzzHang = 10 * time.Second

// fuzzSeedMax bounds the seeds taken from the corpus: its multi-megabyte
// cases would only slow the fuzzer down, and the checks send them.
const fuzzSeedMax = 64 << 10

var (
	fuzzCred  = tcapi.Credential{SecretID: "AKIDfuzzmain0000", SecretKey: "fuzz-main-secret"}
	fuzzCred2 = tcapi.Credential{SecretID: "AKIDfuzzsecond00", SecretKey: "fuzz-second-secret"}
	fuzzHost  = "127.0.0.1:8080"

	fuzzFleetOnce sync.Once
	fuzzFleet     *FleetFile
)

// fuzzEmulator returns a fresh emulator for one input.
func fuzzEmulator(t *testing.T) (*Emulator, *FakeClock) {
	fuzzFleetOnce.Do(func() { fuzzFleet = DefaultFleet() })
	clock := NewFakeClock(epoch)
	e, err := New(Config{Fleet: fuzzFleet, Clock: clock, RateLimit: -1,
		Keys: map[string]tcapi.Credential{fuzzFleet.Accounts[0].Name: fuzzCred, fuzzFleet.Accounts[1].Name: fuzzCred2}})
	if err != nil {
		t.Fatal(err)
	}
	return e, clock
}

// snapshot is every instance's state.
func (e *Emulator) snapshot() map[string]model.Instance {
	e.store.mu.Lock()
	defer e.store.mu.Unlock()
	out := make(map[string]model.Instance, len(e.store.byID))
	for id, r := range e.store.byID {
		out[id] = r.inst
	}
	return out
}

// rawRequest builds the request the fuzzer describes. headers holds
// "Name: value" lines; a Host line sets the Host.
func rawRequest(method, headers, query string, body []byte) *http.Request {
	r := &http.Request{Method: method, Host: fuzzHost, Header: http.Header{}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		URL: &url.URL{Path: "/", RawQuery: query}, RequestURI: "/", RemoteAddr: "192.0.2.1:1234",
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body))}
	for line := range strings.SplitSeq(headers, "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		if strings.EqualFold(strings.TrimSpace(name), "Host") {
			r.Host = value
			continue
		}
		r.Header.Add(strings.TrimSpace(name), value)
	}
	return r
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// serveChecked serves one request built by build (called twice: once for
// the handler, once for the model's reading) and checks the invariants.
func serveChecked(t *testing.T, build func() (*http.Request, []byte)) {
	e, clock := fuzzEmulator(t)
	before := e.snapshot()
	req, _ := build()
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.ServeHTTP(rec, req)
	}()
	select {
	case <-done:
	case <-time.After(fuzzHang):
		t.Fatalf("ServeHTTP did not return within %v", fuzzHang)
	}
	if rec.Code != http.StatusOK {
		t.Fatalf("HTTP status %d; want 200 (error-status=200 is the default)\n%s", rec.Code, rec.Body.Bytes())
	}
	res, err := tcapi.ParseResponse(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("the answer is not an envelope: %v", err)
	}
	if !uuidRE.MatchString(res.RequestID) {
		t.Fatalf("RequestId %q is not a UUID\n%s", res.RequestID, rec.Body.Bytes())
	}
	code := ""
	if res.Error != nil {
		code = res.Error.Code
		if code == "" || res.Error.Message == "" {
			t.Fatalf("an error without a Code or a Message: %s", rec.Body.Bytes())
		}
		if code == model.CodeInternalError {
			t.Fatalf("InternalError (a recovered panic, or a body read failure): %s", res.Error.Message)
		}
		if after := e.snapshot(); !maps.Equal(before, after) {
			for _, id := range slices.Sorted(maps.Keys(before)) {
				if before[id] != after[id] {
					t.Fatalf("the error %s changed %s: %v → %v (ledger L-13)", code, id, before[id].State, after[id].State)
				}
			}
		}
	}
	// The model's reading of the same request, as the handler read it.
	again, body := build()
	body = body[:min(len(body), int(tcapi.DefaultLimits().ReadLimit()))]
	r := tcapi.Decode(again, body, e.keys, e.limits)
	j := model.Judge(model.Instances(before), r, model.Env{Now: clock.Now(), Limited: model.No, Home: e.home})
	if !j.Accepts(code, model.Strict) {
		t.Fatalf("answer %q; strict mode accepts %s for this request\n%s", orSuccess(code), j.Strict, violationList(j.Violations))
	}
}

func orSuccess(code string) string {
	if code == "" {
		return "success"
	}
	return code
}

func violationList(vs []model.Violation) string {
	var lines []string
	for _, v := range vs {
		lines = append(lines, "  - "+v.String())
	}
	return strings.Join(lines, "\n")
}

// FuzzServeHTTP serves a request of any method, headers, query and body.
func FuzzServeHTTP(f *testing.F) {
	for _, s := range corpusSeeds(f) {
		f.Add(s.method, s.headers, s.query, s.body)
	}
	f.Fuzz(func(t *testing.T, method, headers, query string, body []byte) {
		if !validMethod(method) {
			return // net/http refuses such a request line before any handler
		}
		serveChecked(t, func() (*http.Request, []byte) {
			return rawRequest(method, headers, query, body), body
		})
	})
}

// FuzzServeSigned serves parameters the fuzzer writes, signed as a client
// would sign them, so that every input passes authentication and reaches
// the parameter rules: style 0 a TC3 JSON body, 1 a TC3 GET query, 2 a
// HmacSHA1 GET query, 3 a HmacSHA256 form POST.
func FuzzServeSigned(f *testing.F) {
	for _, s := range corpusSeeds(f) {
		if s.signed != nil {
			f.Add(s.signed.style, s.signed.action, s.signed.region, s.signed.params)
		}
	}
	f.Fuzz(func(t *testing.T, style uint8, action, region string, params []byte) {
		style %= 4
		if style >= 2 {
			if _, err := url.ParseQuery(string(params)); err != nil {
				return // v1 signs the parameters it can read
			}
		}
		serveChecked(t, func() (*http.Request, []byte) { return signedRequest(t, style, action, region, params) })
	})
}

// signedRequest signs params in style (see FuzzServeSigned) with
// fuzzCred at the fuzz clock's time.
func signedRequest(t *testing.T, style uint8, action, region string, params []byte) (*http.Request, []byte) {
	ts := epoch
	switch style {
	case 0:
		req, err := tcapi.NewRequest(context.Background(), "http://"+fuzzHost, tcapi.Call{Action: action, Version: model.APIVersion,
			Region: region, Timestamp: ts, Body: bytes.Clone(params)}, fuzzCred)
		if err != nil {
			t.Fatal(err)
		}
		return req, params
	case 1:
		headers := []tcapi.Header{{Name: "content-type", Value: tcapi.ContentTypeForm}, {Name: "host", Value: fuzzHost}}
		cr := tcapi.CanonicalRequestTC3(http.MethodGet, "/", string(params), headers, tcapi.HashedPayload(nil))
		sig := tcapi.TC3Signature(fuzzCred.SecretKey, tcapi.ServiceCVM, ts, cr)
		h := fmt.Sprintf("Content-Type: %s\nX-TC-Action: %s\nX-TC-Version: %s\nX-TC-Region: %s\nX-TC-Timestamp: %d\nAuthorization: %s\n",
			tcapi.ContentTypeForm, action, model.APIVersion, region, ts.Unix(),
			tcapi.AuthorizationTC3(fuzzCred.SecretID, ts, tcapi.ServiceCVM, tcapi.SignedHeadersTC3(headers), sig))
		return rawRequest(http.MethodGet, h, string(params), nil), nil
	}
	vs, _ := url.ParseQuery(string(params))
	vs.Set("Action", action)
	vs.Set("Version", model.APIVersion)
	vs.Set("Region", region)
	vs.Set("Timestamp", strconv.FormatInt(ts.Unix(), 10))
	vs.Set("Nonce", "7")
	vs.Set("SecretId", fuzzCred.SecretID)
	vs.Del("Signature")
	method, sigMethod := http.MethodGet, tcapi.HmacSHA1
	if style == 3 {
		method, sigMethod = http.MethodPost, tcapi.HmacSHA256
		vs.Set("SignatureMethod", sigMethod)
	} else {
		vs.Del("SignatureMethod")
	}
	vs.Set("Signature", tcapi.V1Signature(sigMethod, fuzzCred.SecretKey, tcapi.V1StringToSign(method, fuzzHost, "/", vs)))
	if method == http.MethodGet {
		return rawRequest(method, "", vs.Encode(), nil), nil
	}
	body := []byte(vs.Encode())
	return rawRequest(method, "Content-Type: "+tcapi.ContentTypeForm, "", body), body
}

// validMethod reports whether net/http would pass method to a handler: a
// non-empty token.
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

type fuzzSeed struct {
	name          string
	method, query string
	headers       string
	body          []byte
	signed        *signedSeed
}

type signedSeed struct {
	style          uint8
	action, region string
	params         []byte
}

// corpusSeeds renders the hostile corpus as raw requests signed with
// fuzzCred at the fuzz clock's time, naming a RUNNING instance of the
// default fleet.
func corpusSeeds(tb testing.TB) []fuzzSeed {
	id := byState(model.Running)[0]
	b := hostile.Binding{ID: id, Now: epoch, Unknown: func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("ins-z%07d", i)
		}
		return out
	}}
	var out []fuzzSeed
	for _, c := range hostile.Cases() {
		call, mutate, err := c.Build(b)
		if err != nil {
			tb.Fatal(err)
		}
		if call.Version == "" {
			call.Version = model.APIVersion
		}
		if call.Region == "" {
			call.Region = "ap-guangzhou"
		}
		if call.Timestamp.IsZero() {
			call.Timestamp = epoch
		}
		req, err := tcapi.NewRequest(context.Background(), "http://"+fuzzHost, call, fuzzCred)
		if err != nil {
			tb.Fatal(err)
		}
		if mutate != nil {
			mutate(req)
		}
		var body []byte
		if req.GetBody != nil {
			rc, _ := req.GetBody()
			body, _ = io.ReadAll(rc)
		}
		if len(body)+len(req.URL.RawQuery) > fuzzSeedMax {
			continue
		}
		var hl strings.Builder
		for _, k := range slices.Sorted(maps.Keys(req.Header)) {
			for _, v := range req.Header[k] {
				hl.WriteString(k + ": " + v + "\n")
			}
		}
		s := fuzzSeed{name: c.Name, method: req.Method, headers: hl.String(), query: req.URL.RawQuery, body: body}
		switch {
		case req.Method == http.MethodPost && req.Header.Get("Content-Type") == tcapi.ContentTypeJSON:
			s.signed = &signedSeed{0, call.Action, call.Region, body}
		case req.Method == http.MethodGet && call.Style == tcapi.StyleTC3Get:
			s.signed = &signedSeed{1, call.Action, call.Region, []byte(req.URL.RawQuery)}
		case req.Method == http.MethodGet && call.Style == tcapi.StyleV1Get:
			s.signed = &signedSeed{2, call.Action, call.Region, []byte(req.URL.RawQuery)}
		case req.Method == http.MethodPost && call.Style == tcapi.StyleV1PostForm:
			s.signed = &signedSeed{3, call.Action, call.Region, body}
		}
		out = append(out, s)
	}
	return out
}
