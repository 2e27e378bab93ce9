package tcapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Shared fixtures and checks for the black-box tests.

var (
	permCred = tcapi.Credential{SecretID: "AKIDperm", SecretKey: "permsecret"}
	tempCred = tcapi.Credential{SecretID: "AKIDtemp", SecretKey: "tempsecret", Token: "tok123"}
	testKeys = tcapi.KeyMap{
		"AKIDperm":    {SecretKey: "permsecret", Account: "100001"},
		"AKIDtemp":    {SecretKey: "tempsecret", Token: "tok123", Account: "100002"},
		"AKIDEXAMPLE": {SecretKey: "secretkey", Account: "sdk"},
	}
	testTS = time.Unix(1795649401, 0)
)

func mustParseQuery(t testing.TB, s string) url.Values {
	t.Helper()
	vs, err := url.ParseQuery(s)
	if err != nil {
		t.Fatalf("ParseQuery(%q): %v", s, err)
	}
	return vs
}

// stopCall is a typical StopInstances call in style s.
func stopCall(s tcapi.Style) tcapi.Call {
	return tcapi.Call{
		Action: "StopInstances", Version: "2017-03-12", Region: "ap-guangzhou",
		Params: []tcapi.Param{
			{Name: "InstanceIds", Value: model.Strs("ins-r8hr2upy", "ins-5d8a23rs")},
			{Name: "StopType", Value: model.Str("SOFT")},
		},
		Style: s, Timestamp: testTS, Nonce: 42,
	}
}

// build returns a request NewRequest made and its body.
func build(t fataler, endpoint string, call tcapi.Call, cred tcapi.Credential) (*http.Request, []byte) {
	t.Helper()
	req, err := tcapi.NewRequest(context.Background(), endpoint, call, cred)
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	return req, readBody(t, req)
}

// tc3Raw signs an arbitrary request with TC3 using only the exported
// pieces: headers signed are content-type and host unless signed is set.
type tc3Raw struct {
	method, host, ct, query string
	body                    []byte
	cred                    tcapi.Credential
	ts                      time.Time
	service                 string            // "" = cvm
	signed                  []tcapi.Header    // "" = content-type, host
	extra                   map[string]string // unsigned headers
}

func (s tc3Raw) request() (*http.Request, []byte) {
	if s.service == "" {
		s.service = tcapi.ServiceCVM
	}
	if s.method == "" {
		s.method = http.MethodPost
	}
	signed := s.signed
	if signed == nil {
		signed = []tcapi.Header{{Name: "content-type", Value: s.ct}, {Name: "host", Value: s.host}}
	}
	query := s.query
	if s.method == http.MethodPost {
		query = ""
	}
	hashed := tcapi.HashedPayload(s.body)
	if s.extra["X-TC-Content-SHA256"] == tcapi.UnsignedPayload {
		hashed = tcapi.HashedPayload([]byte(tcapi.UnsignedPayload))
	}
	cr := tcapi.CanonicalRequestTC3(s.method, "/", query, signed, hashed)
	sig := tcapi.TC3Signature(s.cred.SecretKey, s.service, s.ts, cr)
	r := &http.Request{
		Method: s.method, Host: s.host, Header: http.Header{},
		URL: &url.URL{Path: "/", RawQuery: s.query},
	}
	if s.ct != "" {
		r.Header.Set("Content-Type", s.ct)
	}
	r.Header.Set("X-TC-Action", "StopInstances")
	r.Header.Set("X-TC-Version", "2017-03-12")
	r.Header.Set("X-TC-Timestamp", strconv.FormatInt(s.ts.Unix(), 10))
	if s.cred.Token != "" {
		r.Header.Set("X-TC-Token", s.cred.Token)
	}
	for k, v := range s.extra {
		r.Header.Set(k, v)
	}
	r.Header.Set("Authorization", tcapi.AuthorizationTC3(s.cred.SecretID, s.ts, s.service, tcapi.SignedHeadersTC3(signed), sig))
	r.ContentLength = int64(len(s.body))
	return r, s.body
}

// plainRequest is an unsigned request.
func plainRequest(method, host, ct, query string, headers map[string]string) *http.Request {
	r := &http.Request{Method: method, Host: host, Header: http.Header{}, URL: &url.URL{Path: "/", RawQuery: query}}
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	return r
}

// canon renders v with its kinds, fields sorted, nil and empty alike, so
// two values compare by their rendering.
func canon(v model.Value) string {
	switch v.Kind {
	case model.KindArray:
		parts := make([]string, len(v.Items))
		for i, it := range v.Items {
			parts[i] = canon(it)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case model.KindObject:
		keys := make([]string, 0, len(v.Fields))
		for k := range v.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = strconv.Quote(k) + ":" + canon(v.Fields[k])
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	return fmt.Sprintf("%s(%q)", v.Kind, v.Text)
}

func canonParams(ps map[string]model.Value) string {
	return canon(model.Obj(ps))
}

var authNames = map[model.AuthFact]string{
	model.AuthOK: "AuthOK", model.AuthMissing: "AuthMissing", model.AuthMalformed: "AuthMalformed",
	model.AuthUnknownSecretID: "AuthUnknownSecretID", model.AuthBadSignature: "AuthBadSignature", model.AuthBadToken: "AuthBadToken",
}

var faultNames = map[model.DecodeFault]string{
	model.DecodeOK: "DecodeOK", model.DecodeMalformed: "DecodeMalformed", model.DecodeNotUTF8: "DecodeNotUTF8",
	model.DecodeContentType: "DecodeContentType", model.DecodeStyleMismatch: "DecodeStyleMismatch",
}

// check is one expectation on a decoded request, httptest checkFunc
// style.
type check func(model.Request) error

func hasAuth(want model.AuthFact) check {
	return func(r model.Request) error {
		if r.Auth != want {
			return fmt.Errorf("Auth = %s; want %s", authNames[r.Auth], authNames[want])
		}
		return nil
	}
}

func hasNonceMissing(want bool) check {
	return func(r model.Request) error {
		if r.NonceMissing != want {
			return fmt.Errorf("NonceMissing = %v; want %v", r.NonceMissing, want)
		}
		return nil
	}
}

func hasFault(want model.DecodeFault) check {
	return func(r model.Request) error {
		if r.Transport.Decode != want {
			return fmt.Errorf("Transport.Decode = %s; want %s", faultNames[r.Transport.Decode], faultNames[want])
		}
		return nil
	}
}

func hasTooLarge(want bool) check {
	return func(r model.Request) error {
		if r.Transport.BodyTooLarge != want {
			return fmt.Errorf("Transport.BodyTooLarge = %v; want %v", r.Transport.BodyTooLarge, want)
		}
		return nil
	}
}

func hasSig(want model.Signature) check {
	return func(r model.Request) error {
		if r.Transport.Signature != want {
			return fmt.Errorf("Transport.Signature = %s; want %s", r.Transport.Signature, want)
		}
		return nil
	}
}

func hasEnc(want model.Encoding) check {
	return func(r model.Request) error {
		if r.Encoding != want {
			return fmt.Errorf("Encoding = %s; want %s", r.Encoding, want)
		}
		return nil
	}
}

func hasMethod(want string) check {
	return func(r model.Request) error {
		if r.Transport.Method != want {
			return fmt.Errorf("Transport.Method = %q; want %q", r.Transport.Method, want)
		}
		return nil
	}
}

func hasContentType(want string) check {
	return func(r model.Request) error {
		if r.Transport.ContentType != want {
			return fmt.Errorf("Transport.ContentType = %q; want %q", r.Transport.ContentType, want)
		}
		return nil
	}
}

func hasCommon(action, version, region string) check {
	return func(r model.Request) error {
		if r.Action != action || r.Version != version || r.Region != region {
			return fmt.Errorf("Action, Version, Region = %q, %q, %q; want %q, %q, %q", r.Action, r.Version, r.Region, action, version, region)
		}
		return nil
	}
}

func hasAccount(want string) check {
	return func(r model.Request) error {
		if r.Account != want {
			return fmt.Errorf("Account = %q; want %q", r.Account, want)
		}
		return nil
	}
}

func hasHost(want string) check {
	return func(r model.Request) error {
		if r.Host != want {
			return fmt.Errorf("Host = %q; want %q", r.Host, want)
		}
		return nil
	}
}

func hasTimestamp(want int64) check {
	return func(r model.Request) error {
		var got int64
		if !r.Timestamp.IsZero() {
			got = r.Timestamp.Unix()
		}
		if got != want {
			return fmt.Errorf("Timestamp = %d (zero: %v); want %d", got, r.Timestamp.IsZero(), want)
		}
		return nil
	}
}

func hasParam(name string, want model.Value) check {
	return func(r model.Request) error {
		got, ok := r.Param(name)
		if !ok {
			return fmt.Errorf("Params[%q] missing; want %s", name, canon(want))
		}
		if canon(got) != canon(want) {
			return fmt.Errorf("Params[%q] = %s; want %s", name, canon(got), canon(want))
		}
		return nil
	}
}

func hasParams(want map[string]model.Value) check {
	return func(r model.Request) error {
		if got := canonParams(r.Params); got != canonParams(want) {
			return fmt.Errorf("Params = %s; want %s", got, canonParams(want))
		}
		return nil
	}
}

func hasNoParams() check {
	return func(r model.Request) error {
		if r.Params != nil {
			return fmt.Errorf("Params = %s; want nil", canonParams(r.Params))
		}
		return nil
	}
}

// fataler is what the helpers need of *testing.T and *rapid.T.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}
