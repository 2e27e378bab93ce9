package tcapi_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

type decodeCase struct {
	name   string
	build  func(t testing.TB) (*http.Request, []byte)
	limits tcapi.Limits // zero: defaults
	checks []check
	reason string
}

func runDecodeCases(t *testing.T, cases []decodeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, body := tc.build(t)
			got := tcapi.Decode(r, body, testKeys, tc.limits)
			for _, c := range tc.checks {
				if err := c(got); err != nil {
					t.Errorf("%v\nreason: %s", err, tc.reason)
				}
			}
		})
	}
}

// fromCall builds a signed request and applies mutate, if any.
func fromCall(call tcapi.Call, cred tcapi.Credential, mutate func(r *http.Request, body []byte) []byte) func(testing.TB) (*http.Request, []byte) {
	return func(t testing.TB) (*http.Request, []byte) {
		r, body := build(t, "http://127.0.0.1:8080", call, cred)
		if mutate != nil {
			body = mutate(r, body)
		}
		return r, body
	}
}

func raw(s tc3Raw) func(testing.TB) (*http.Request, []byte) {
	return func(testing.TB) (*http.Request, []byte) { return s.request() }
}

func plain(method, ct, query string, body string, headers map[string]string) func(testing.TB) (*http.Request, []byte) {
	return func(testing.TB) (*http.Request, []byte) {
		return plainRequest(method, "127.0.0.1:8080", ct, query, headers), []byte(body)
	}
}

// v1Signed builds a v1 request from explicit parameters: SecretId,
// Timestamp and Nonce are added, Signature computed over everything.
func v1Signed(method, host string, params url.Values, cred tcapi.Credential, mutate func(url.Values)) func(testing.TB) (*http.Request, []byte) {
	return func(testing.TB) (*http.Request, []byte) {
		vs := url.Values{"SecretId": {cred.SecretID}, "Timestamp": {"1795649401"}, "Nonce": {"1"}}
		for k, v := range params {
			vs[k] = v
		}
		vs.Set("Signature", tcapi.V1Signature(vs.Get("SignatureMethod"), cred.SecretKey, tcapi.V1StringToSign(method, host, "/", vs)))
		if mutate != nil {
			mutate(vs)
		}
		r := &http.Request{Method: method, Host: host, Header: http.Header{}, URL: &url.URL{Path: "/"}}
		if method == http.MethodGet {
			r.URL.RawQuery = vs.Encode()
			return r, nil
		}
		r.Header.Set("Content-Type", tcapi.ContentTypeForm)
		return r, []byte(vs.Encode())
	}
}

var stopParams = map[string]model.Value{
	"InstanceIds": model.Strs("ins-r8hr2upy", "ins-5d8a23rs"),
	"StopType":    model.Str("SOFT"),
}

func TestDecodeStyles(t *testing.T) {
	t.Parallel()
	var cases []decodeCase
	for _, s := range tcapi.Styles {
		sig, enc := model.SigTC3, model.EncForm
		switch s {
		case tcapi.StyleTC3JSON:
			enc = model.EncJSON
		case tcapi.StyleV1Get, tcapi.StyleV1PostForm:
			sig = model.SigHmacSHA1
		}
		cases = append(cases, decodeCase{
			name:  s.String(),
			build: fromCall(stopCall(s), permCred, nil),
			checks: []check{
				hasAuth(model.AuthOK), hasAccount("100001"), hasFault(model.DecodeOK), hasTooLarge(false),
				hasSig(sig), hasEnc(enc), hasCommon("StopInstances", "2017-03-12", "ap-guangzhou"),
				hasTimestamp(testTS.Unix()), hasHost("127.0.0.1:8080"), hasParams(stopParams),
			},
			reason: "every style NewRequest builds decodes to the same request, common parameters removed",
		})
	}
	v256 := stopCall(tcapi.StyleV1Get)
	v256.V1Method = tcapi.HmacSHA256
	cases = append(cases, decodeCase{
		name: "V1Get HmacSHA256", build: fromCall(v256, tempCred, nil),
		checks: []check{hasAuth(model.AuthOK), hasAccount("100002"), hasSig(model.SigHmacSHA256), hasParams(stopParams)},
		reason: "SignatureMethod=HmacSHA256 selects SHA-256; the Token param suits the temporary key",
	})
	runDecodeCases(t, cases)
}

func TestDecodeFaults(t *testing.T) {
	t.Parallel()
	jsonRaw := func(ct, body string) tc3Raw {
		return tc3Raw{host: "127.0.0.1:8080", ct: ct, body: []byte(body), cred: permCred, ts: testTS}
	}
	cases := []decodeCase{{
		name:   "JSON not an object",
		build:  raw(jsonRaw(tcapi.ContentTypeJSON, `["InstanceIds"]`)),
		checks: []check{hasFault(model.DecodeMalformed), hasAuth(model.AuthOK), hasNoParams(), hasEnc(model.EncJSON)},
		reason: "the body must be one JSON object; the signature still covers the raw bytes",
	}, {
		name:   "JSON truncated",
		build:  raw(jsonRaw(tcapi.ContentTypeJSON, `{"InstanceIds":["ins-r8hr2upy"`)),
		checks: []check{hasFault(model.DecodeMalformed), hasAuth(model.AuthOK)},
		reason: "an unterminated array is not JSON",
	}, {
		name:   "JSON trailing data",
		build:  raw(jsonRaw(tcapi.ContentTypeJSON, `{} {}`)),
		checks: []check{hasFault(model.DecodeMalformed)},
		reason: "exactly one value",
	}, {
		name:   "JSON empty body",
		build:  raw(jsonRaw(tcapi.ContentTypeJSON, ``)),
		checks: []check{hasFault(model.DecodeMalformed)},
		reason: "an empty body is not an object",
	}, {
		name:   "JSON not UTF-8",
		build:  raw(jsonRaw(tcapi.ContentTypeJSON, "{\"StopType\":\"\xff\"}")),
		checks: []check{hasFault(model.DecodeNotUTF8), hasAuth(model.AuthOK), hasNoParams()},
		reason: "facts §1: UTF-8 only; the UTF-8 check comes before parsing",
	}, {
		name:   "query not UTF-8",
		build:  raw(tc3Raw{method: http.MethodGet, host: "127.0.0.1:8080", ct: tcapi.ContentTypeForm, query: "StopType=%FF", cred: permCred, ts: testTS}),
		checks: []check{hasFault(model.DecodeNotUTF8), hasAuth(model.AuthOK)},
		reason: "a percent-escape that decodes to a non-UTF-8 byte",
	}, {
		name:   "query name not UTF-8",
		build:  plain(http.MethodGet, "", "%FF=1", "", nil),
		checks: []check{hasFault(model.DecodeNotUTF8)},
		reason: "names are checked as well as values",
	}, {
		name:   "query bad escape",
		build:  raw(tc3Raw{method: http.MethodGet, host: "127.0.0.1:8080", ct: tcapi.ContentTypeForm, query: "StopType=SOFT&InstanceIds.0=%zz", cred: permCred, ts: testTS}),
		checks: []check{hasFault(model.DecodeMalformed), hasAuth(model.AuthOK), hasParams(map[string]model.Value{"StopType": model.Str("SOFT")})},
		reason: "a bad escape is malformed; the pairs that parse are kept",
	}, {
		name:   "form semicolon",
		build:  plain(http.MethodPost, tcapi.ContentTypeForm, "", "a=1;b=2", nil),
		checks: []check{hasFault(model.DecodeMalformed), hasAuth(model.AuthMissing)},
		reason: "net/url rejects ';' separators",
	}, {
		name:   "POST text/plain",
		build:  raw(jsonRaw("text/plain", `{}`)),
		checks: []check{hasFault(model.DecodeContentType), hasContentType("text/plain"), hasAuth(model.AuthOK), hasNoParams(), hasCommon("StopInstances", "2017-03-12", "")},
		reason: "only JSON and form bodies; TC3 still verifies over the raw body",
	}, {
		name:   "POST no content type",
		build:  plain(http.MethodPost, "", "", "Action=StopInstances", nil),
		checks: []check{hasFault(model.DecodeContentType), hasContentType(""), hasAuth(model.AuthMissing), hasNoParams()},
		reason: "a missing content type is not accepted",
	}, {
		name:   "POST multipart",
		build:  raw(jsonRaw("multipart/form-data; boundary=x", "--x--")),
		checks: []check{hasFault(model.DecodeContentType), hasContentType("multipart/form-data")},
		reason: "style E is for specific APIs only, not CVM",
	}, {
		name:   "content type case and charset",
		build:  raw(jsonRaw("Application/JSON; charset=utf-8", `{"StopType":"SOFT"}`)),
		checks: []check{hasFault(model.DecodeOK), hasContentType("application/json"), hasAuth(model.AuthOK), hasParams(map[string]model.Value{"StopType": model.Str("SOFT")})},
		reason: "media types compare case-insensitively without parameters; the signed value is the raw one",
	}, {
		name:   "form POST signed TC3",
		build:  raw(jsonRaw(tcapi.ContentTypeForm, "InstanceIds.0=ins-r8hr2upy")),
		checks: []check{hasFault(model.DecodeStyleMismatch), hasSig(model.SigTC3), hasAuth(model.AuthOK), hasParams(map[string]model.Value{"InstanceIds": model.Strs("ins-r8hr2upy")})},
		reason: "[Doc-ReqStruct]: a form POST must be v1",
	}, {
		name: "JSON POST signed v1",
		build: func(testing.TB) (*http.Request, []byte) {
			host := "127.0.0.1:8080"
			vs := url.Values{"Action": {"StopInstances"}, "SecretId": {"AKIDperm"}, "Timestamp": {"1795649401"}, "Nonce": {"1"}, "InstanceIds.0": {"ins-r8hr2upy"}}
			sig := tcapi.V1Signature("", "permsecret", tcapi.V1StringToSign("POST", host, "/", vs))
			body := `{"Action":"StopInstances","SecretId":"AKIDperm","Timestamp":1795649401,"Nonce":1,"InstanceIds":["ins-r8hr2upy"],"Signature":"` + sig + `"}`
			return plainRequest(http.MethodPost, host, tcapi.ContentTypeJSON, "", nil), []byte(body)
		},
		checks: []check{
			hasFault(model.DecodeStyleMismatch), hasSig(model.SigHmacSHA1), hasAuth(model.AuthOK), hasEnc(model.EncJSON),
			hasCommon("StopInstances", "", ""), hasTimestamp(1795649401),
			hasParams(map[string]model.Value{"InstanceIds": model.Strs("ins-r8hr2upy")}),
		},
		reason: "[Doc-ReqStruct]: a JSON POST must be TC3; the v1 signature is checked over the body's values flattened",
	}, {
		name:   "content type beats style mismatch",
		build:  plain(http.MethodPost, "text/xml", "", "", map[string]string{"Authorization": "TC3-HMAC-SHA256 x"}),
		checks: []check{hasFault(model.DecodeContentType), hasAuth(model.AuthMalformed)},
		reason: "one fault is reported, content type first",
	}, {
		name:   "GET content type not checked",
		build:  raw(tc3Raw{method: http.MethodGet, host: "127.0.0.1:8080", ct: "text/plain", query: "StopType=SOFT", cred: permCred, ts: testTS}),
		checks: []check{hasFault(model.DecodeOK), hasAuth(model.AuthOK), hasContentType("text/plain")},
		reason: "facts §1: GET reads only the query",
	}, {
		name:   "GET ignores body, POST ignores query",
		build:  plain(http.MethodPost, tcapi.ContentTypeForm, "Action=FromQuery", "Action=FromBody&X=1", nil),
		checks: []check{hasCommon("FromBody", "", ""), hasParams(map[string]model.Value{"X": model.Str("1")})},
		reason: "facts §1: POST reads only the body",
	}}
	runDecodeCases(t, cases)
}

func TestDecodeAuthTC3(t *testing.T) {
	t.Parallel()
	base := tc3Raw{host: "127.0.0.1:8080", ct: tcapi.ContentTypeJSON, body: []byte(`{"StopType":"SOFT"}`), cred: permCred, ts: testTS}
	with := func(f func(*tc3Raw)) func(testing.TB) (*http.Request, []byte) {
		s := base
		f(&s)
		return raw(s)
	}
	setHeader := func(name, value string) func(r *http.Request, body []byte) []byte {
		return func(r *http.Request, body []byte) []byte { r.Header.Set(name, value); return body }
	}
	call := stopCall(tcapi.StyleTC3JSON)
	cases := []decodeCase{{
		name:   "unsigned",
		build:  plain(http.MethodPost, tcapi.ContentTypeJSON, "", `{}`, map[string]string{"X-TC-Action": "StopInstances", "X-TC-Timestamp": "17"}),
		checks: []check{hasAuth(model.AuthMissing), hasSig(model.SigTC3), hasFault(model.DecodeOK), hasCommon("StopInstances", "", ""), hasTimestamp(17), hasAccount("")},
		reason: "no Authorization and no Signature; X-TC-Action makes it look like v3; an unsigned JSON POST is no style mismatch",
	}, {
		name:   "not a TC3 header",
		build:  plain(http.MethodPost, tcapi.ContentTypeJSON, "", `{}`, map[string]string{"Authorization": "Basic QUtJRDpzZWNyZXQ="}),
		checks: []check{hasAuth(model.AuthMalformed), hasSig(model.SigTC3)},
		reason: "an Authorization header that is not v3 cannot be parsed",
	}, {
		name:   "garbled header",
		build:  fromCall(call, permCred, setHeader("Authorization", "TC3-HMAC-SHA256 Credential=AKIDperm")),
		checks: []check{hasAuth(model.AuthMalformed), hasSig(model.SigTC3)},
		reason: "SignedHeaders and Signature missing",
	}, {
		name:   "host not signed",
		build:  with(func(s *tc3Raw) { s.signed = []tcapi.Header{{Name: "content-type", Value: s.ct}} }),
		checks: []check{hasAuth(model.AuthMalformed)},
		reason: "facts §2: SignedHeaders must include content-type and host",
	}, {
		name:   "unknown secret id",
		build:  with(func(s *tc3Raw) { s.cred.SecretID = "AKIDnobody" }),
		checks: []check{hasAuth(model.AuthUnknownSecretID), hasAccount("")},
		reason: "the key store does not know the SecretId",
	}, {
		name:   "wrong secret key",
		build:  with(func(s *tc3Raw) { s.cred.SecretKey = "wrong" }),
		checks: []check{hasAuth(model.AuthBadSignature)},
		reason: "signed with another key",
	}, {
		name:   "timestamp header changed",
		build:  fromCall(call, permCred, setHeader("X-TC-Timestamp", strconv.FormatInt(testTS.Unix()+1, 10))),
		checks: []check{hasAuth(model.AuthBadSignature), hasTimestamp(testTS.Unix() + 1)},
		reason: "the timestamp is part of the string to sign",
	}, {
		name:   "timestamp unparsable",
		build:  fromCall(call, permCred, setHeader("X-TC-Timestamp", "soon")),
		checks: []check{hasAuth(model.AuthBadSignature), hasTimestamp(0)},
		reason: "no date to match the scope against; Timestamp zero",
	}, {
		name:   "service from host label",
		build:  with(func(s *tc3Raw) { s.service = "127" }),
		checks: []check{hasAuth(model.AuthOK)},
		reason: "the Node.js SDK signs service \"127\" for endpoint 127.0.0.1:8080",
	}, {
		name:   "service from host label, other host",
		build:  with(func(s *tc3Raw) { s.service = "127"; s.host = "cvm.tencentcloudapi.com" }),
		checks: []check{hasAuth(model.AuthBadSignature)},
		reason: "only cvm or the Host's own first label",
	}, {
		name:   "service cvm on any host",
		build:  with(func(s *tc3Raw) { s.host = "cvm.ap-guangzhou.tencentcloudapi.com" }),
		checks: []check{hasAuth(model.AuthOK), hasHost("cvm.ap-guangzhou.tencentcloudapi.com")},
		reason: "the SDK always signs cvm",
	}, {
		name:   "other service",
		build:  with(func(s *tc3Raw) { s.service = "cbs" }),
		checks: []check{hasAuth(model.AuthBadSignature)},
		reason: "a signature for another service is not a CVM signature",
	}, {
		name: "doc canonicalisation lower-cases values",
		build: with(func(s *tc3Raw) {
			s.ct = "Application/JSON"
			s.signed = []tcapi.Header{{Name: "content-type", Value: "application/json"}, {Name: "host", Value: s.host}}
		}),
		checks: []check{hasAuth(model.AuthOK)},
		reason: "[Doc-Sig3] lower-cases header values; the SDK does not: both are accepted",
	}, {
		name:   "raw canonicalisation keeps case",
		build:  with(func(s *tc3Raw) { s.ct = "Application/JSON" }),
		checks: []check{hasAuth(model.AuthOK)},
		reason: "the SDK's raw trimmed values are accepted",
	}, {
		name: "x-tc-action signed",
		build: with(func(s *tc3Raw) {
			s.signed = []tcapi.Header{{Name: "content-type", Value: s.ct}, {Name: "host", Value: s.host}, {Name: "x-tc-action", Value: "stopinstances"}}
		}),
		checks: []check{hasAuth(model.AuthOK)},
		reason: "the newest doc revision signs x-tc-action lower-cased (vector V3)",
	}, {
		name: "unsigned payload",
		build: func(t testing.TB) (*http.Request, []byte) {
			s := base
			s.extra = map[string]string{"X-TC-Content-SHA256": tcapi.UnsignedPayload}
			r, _ := s.request()
			return r, []byte(`{"StopType":"HARD"}`)
		},
		checks: []check{hasAuth(model.AuthOK), hasParam("StopType", model.Str("HARD"))},
		reason: "with X-TC-Content-SHA256: UNSIGNED-PAYLOAD the body is not signed",
	}, {
		name: "scope date of another day",
		build: fromCall(call, permCred, func(r *http.Request, b []byte) []byte {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "2026-11-25", "2026-11-24", 1))
			return b
		}),
		checks: []check{hasAuth(model.AuthBadSignature)},
		reason: "the scope date must be the UTC date of X-TC-Timestamp",
	}, {
		name:   "token for a permanent key",
		build:  fromCall(call, permCred, setHeader("X-TC-Token", "tok123")),
		checks: []check{hasAuth(model.AuthBadToken)},
		reason: "a permanent key takes no session token",
	}, {
		name:   "temporary key with its token",
		build:  fromCall(call, tempCred, nil),
		checks: []check{hasAuth(model.AuthOK), hasAccount("100002")},
		reason: "the token matches",
	}, {
		name:   "temporary key, wrong token",
		build:  fromCall(call, tempCred, setHeader("X-TC-Token", "tok999")),
		checks: []check{hasAuth(model.AuthBadToken)},
		reason: "X-TC-Token is not signed, so only the token check catches it",
	}, {
		name:   "temporary key, no token",
		build:  fromCall(call, tempCred, func(r *http.Request, b []byte) []byte { r.Header.Del("X-TC-Token"); return b }),
		checks: []check{hasAuth(model.AuthBadToken)},
		reason: "a temporary key needs its token",
	}, {
		name:   "path changed",
		build:  fromCall(call, permCred, func(r *http.Request, b []byte) []byte { r.URL.Path = "/v2/index.php"; return b }),
		checks: []check{hasAuth(model.AuthBadSignature)},
		reason: "the path is always /; the canonical request uses the path received",
	}}
	runDecodeCases(t, cases)
}

func TestDecodeAuthV1(t *testing.T) {
	t.Parallel()
	host := "127.0.0.1:8080"
	stop := url.Values{"Action": {"StopInstances"}, "Version": {"2017-03-12"}, "InstanceIds.0": {"ins-r8hr2upy"}}
	cases := []decodeCase{{
		name:   "GET ok",
		build:  v1Signed(http.MethodGet, host, stop, permCred, nil),
		checks: []check{hasAuth(model.AuthOK), hasSig(model.SigHmacSHA1), hasCommon("StopInstances", "2017-03-12", ""), hasParams(map[string]model.Value{"InstanceIds": model.Strs("ins-r8hr2upy")})},
		reason: "SecretId, Timestamp, Nonce and Signature are common parameters, not action ones",
	}, {
		name:   "POST ok",
		build:  v1Signed(http.MethodPost, host, stop, permCred, nil),
		checks: []check{hasAuth(model.AuthOK), hasFault(model.DecodeOK), hasEnc(model.EncForm)},
		reason: "style D",
	}, {
		name:   "no SecretId",
		build:  v1Signed(http.MethodGet, host, stop, permCred, func(vs url.Values) { vs.Del("SecretId") }),
		checks: []check{hasAuth(model.AuthMissing), hasSig(model.SigHmacSHA1)},
		reason: "a Signature without SecretId is missing credentials",
	}, {
		name:   "unknown SecretId",
		build:  v1Signed(http.MethodGet, host, stop, tcapi.Credential{SecretID: "AKIDnobody", SecretKey: "x"}, nil),
		checks: []check{hasAuth(model.AuthUnknownSecretID)},
		reason: "the key store does not know it",
	}, {
		name:   "param changed",
		build:  v1Signed(http.MethodGet, host, stop, permCred, func(vs url.Values) { vs.Set("InstanceIds.0", "ins-5d8a23rs") }),
		checks: []check{hasAuth(model.AuthBadSignature)},
		reason: "every parameter is signed",
	}, {
		name:   "signed with SHA-1, claims SHA-256",
		build:  v1Signed(http.MethodGet, host, stop, permCred, func(vs url.Values) { vs.Set("SignatureMethod", tcapi.HmacSHA256) }),
		checks: []check{hasAuth(model.AuthBadSignature), hasSig(model.SigHmacSHA256)},
		reason: "SignatureMethod is signed and picks the hash",
	}, {
		name:   "token for a permanent key",
		build:  v1Signed(http.MethodGet, host, url.Values{"Action": {"StopInstances"}, "Token": {"tok123"}}, permCred, nil),
		checks: []check{hasAuth(model.AuthBadToken)},
		reason: "a permanent key takes no token, even a signed one",
	}, {
		name:   "temporary key without its token",
		build:  v1Signed(http.MethodGet, host, stop, tempCred, nil),
		checks: []check{hasAuth(model.AuthBadToken)},
		reason: "a temporary key needs Token",
	}, {
		name:   "with Nonce",
		build:  v1Signed(http.MethodGet, host, stop, permCred, nil),
		checks: []check{hasAuth(model.AuthOK), hasNonceMissing(false)},
		reason: "facts §1: the Nonce is there",
	}, {
		name: "signed without Nonce",
		build: fromCall(func() tcapi.Call {
			c := stopCall(tcapi.StyleV1Get)
			c.Omit = []string{"Nonce"}
			return c
		}(), permCred, nil),
		checks: []check{hasAuth(model.AuthOK), hasNonceMissing(true)},
		reason: "facts §1: v1 requires Nonce; the signature is right, so only the Nonce is wrong",
	}, {
		name:   "form POST signed with an empty Nonce",
		build:  v1Signed(http.MethodPost, host, url.Values{"Action": {"StopInstances"}, "Nonce": {""}}, permCred, nil),
		checks: []check{hasAuth(model.AuthOK), hasNonceMissing(true)},
		reason: "an empty Nonce is no Nonce",
	}, {
		name:   "unsigned GET without Nonce",
		build:  plain(http.MethodGet, "", "Action=StopInstances&InstanceIds.0=a", "", nil),
		checks: []check{hasAuth(model.AuthMissing), hasNonceMissing(false)},
		reason: "only a signed v1 request is judged for its Nonce: an unsigned one is unsigned",
	}, {
		name: "signed without Timestamp",
		build: fromCall(func() tcapi.Call {
			c := stopCall(tcapi.StyleV1PostForm)
			c.Omit = []string{"Timestamp"}
			return c
		}(), permCred, nil),
		checks: []check{hasAuth(model.AuthOK), hasTimestamp(0), hasNonceMissing(false)},
		reason: "facts §1: Timestamp is required; the model judges its absence (AUTH-TIMESTAMP-MISSING)",
	}, {
		name: "HmacSHA256 signature without SignatureMethod",
		build: fromCall(func() tcapi.Call {
			c := stopCall(tcapi.StyleV1Get)
			c.V1Method, c.Omit = tcapi.HmacSHA256, []string{"SignatureMethod"}
			return c
		}(), permCred, nil),
		checks: []check{hasAuth(model.AuthBadSignature), hasSig(model.SigHmacSHA1)},
		reason: "facts §1: without SignatureMethod the server computes HmacSHA1, so a SHA-256 signature does not match",
	}, {
		name: "signed without Signature",
		build: fromCall(func() tcapi.Call {
			c := stopCall(tcapi.StyleV1Get)
			c.Omit = []string{"Signature"}
			return c
		}(), permCred, nil),
		checks: []check{hasAuth(model.AuthMissing)},
		reason: "Omit Signature sends an unsigned request",
	}, {
		name:   "unsigned GET guesses v1",
		build:  plain(http.MethodGet, "", "Action=StopInstances&SignatureMethod=HmacSHA256&InstanceIds.1=a", "", nil),
		checks: []check{hasAuth(model.AuthMissing), hasSig(model.SigHmacSHA256), hasCommon("StopInstances", "", ""), hasParams(map[string]model.Value{"InstanceIds": model.Strs("a")})},
		reason: "no Authorization, no X-TC-Action: parameters are read as v1",
	}, {
		name:   "unsigned GET with X-TC-Action guesses v3",
		build:  plain(http.MethodGet, "", "Action=X&InstanceIds.0=a", "", map[string]string{"X-TC-Action": "StopInstances"}),
		checks: []check{hasAuth(model.AuthMissing), hasSig(model.SigTC3), hasCommon("StopInstances", "", ""), hasParam("Action", model.Str("X"))},
		reason: "v3 takes common parameters from headers and removes nothing from the query",
	}}
	runDecodeCases(t, cases)
}

// Two Authorization lines read as one value (RFC 9110 §5.3), which does
// not parse, whichever of the two is right.
func TestDecodeDoubledAuthorization(t *testing.T) {
	t.Parallel()
	call := stopCall(tcapi.StyleTC3JSON)
	runDecodeCases(t, []decodeCase{{
		name:   "one line",
		build:  fromCall(call, permCred, nil),
		checks: []check{hasAuth(model.AuthOK)},
		reason: "the ordinary request",
	}, {
		name: "the same line twice",
		build: fromCall(call, permCred, func(r *http.Request, body []byte) []byte {
			r.Header.Add("Authorization", r.Header.Get("Authorization"))
			return body
		}),
		checks: []check{hasAuth(model.AuthMalformed), hasSig(model.SigTC3)},
		reason: "joined, the value holds every part twice",
	}, {
		name: "a garbled line after the right one",
		build: fromCall(call, permCred, func(r *http.Request, body []byte) []byte {
			r.Header.Add("Authorization", "Basic dXNlcjpwYXNz")
			return body
		}),
		checks: []check{hasAuth(model.AuthMalformed)},
		reason: "a server reading only the first line would serve it",
	}})
}

func TestDecodeMethods(t *testing.T) {
	t.Parallel()
	cases := []decodeCase{{
		name:   "PUT signed with TC3",
		build:  raw(tc3Raw{method: http.MethodPut, host: "h", ct: tcapi.ContentTypeJSON, body: []byte(`{}`), cred: permCred, ts: testTS}),
		checks: []check{hasMethod("PUT"), hasAuth(model.AuthOK), hasNoParams(), hasCommon("StopInstances", "2017-03-12", ""), hasFault(model.DecodeOK)},
		reason: "any other method reads no parameters; TC3 still verifies; the model rejects the method",
	}, {
		name:   "DELETE unsigned",
		build:  plain(http.MethodDelete, "", "Action=StopInstances&Signature=x", "", map[string]string{"X-TC-Version": "2017-03-12"}),
		checks: []check{hasMethod("DELETE"), hasAuth(model.AuthMissing), hasSig(model.SigTC3), hasCommon("", "2017-03-12", ""), hasNoParams()},
		reason: "the query is not read, so there is no v1 Signature; headers still fill common parameters",
	}, {
		name: "GET changed to POST",
		build: fromCall(stopCall(tcapi.StyleTC3Get), permCred, func(r *http.Request, b []byte) []byte {
			r.Method = http.MethodPost
			return b
		}),
		checks: []check{hasAuth(model.AuthBadSignature), hasFault(model.DecodeStyleMismatch), hasParams(map[string]model.Value{})},
		reason: "the method is signed; a form POST must be v1; POST ignores the query",
	}}
	runDecodeCases(t, cases)
}

func TestDecodeLimits(t *testing.T) {
	t.Parallel()
	small := tcapi.Limits{MaxGet: 100, MaxV1Post: 200, MaxV3Post: 300}
	q := func(n int) string { return "X=" + strings.Repeat("a", n-2) }
	jsonOf := func(n int) string { return `{"X":"` + strings.Repeat("a", n-8) + `"}` }
	cases := []decodeCase{{
		name:   "GET at limit",
		build:  plain(http.MethodGet, "", q(100), "", nil),
		limits: small,
		checks: []check{hasTooLarge(false), hasFault(model.DecodeOK)},
		reason: "a query of exactly MaxGet bytes is allowed",
	}, {
		name:   "GET over limit",
		build:  plain(http.MethodGet, "", q(101), "", nil),
		limits: small,
		checks: []check{hasTooLarge(true), hasParam("X", model.Str(strings.Repeat("a", 99)))},
		reason: "GET counts the raw query; decoding goes on",
	}, {
		name:   "GET body not counted",
		build:  plain(http.MethodGet, "", "", strings.Repeat("b", 1000), nil),
		limits: small,
		checks: []check{hasTooLarge(false)},
		reason: "GET reads only the query",
	}, {
		name:   "v1 POST at limit",
		build:  plain(http.MethodPost, tcapi.ContentTypeForm, "", q(200), nil),
		limits: small,
		checks: []check{hasTooLarge(false)},
		reason: "exactly MaxV1Post",
	}, {
		name:   "v1 POST over limit",
		build:  plain(http.MethodPost, tcapi.ContentTypeForm, "", q(201), nil),
		limits: small,
		checks: []check{hasTooLarge(true)},
		reason: "an unsigned form POST counts as v1",
	}, {
		name:   "v3 JSON POST between the limits",
		build:  raw(tc3Raw{host: "h", ct: tcapi.ContentTypeJSON, body: []byte(jsonOf(300)), cred: permCred, ts: testTS}),
		limits: small,
		checks: []check{hasTooLarge(false), hasAuth(model.AuthOK)},
		reason: "v3 POST may be larger than v1",
	}, {
		name:   "v3 JSON POST over limit",
		build:  raw(tc3Raw{host: "h", ct: tcapi.ContentTypeJSON, body: []byte(jsonOf(301)), cred: permCred, ts: testTS}),
		limits: small,
		checks: []check{hasTooLarge(true)},
		reason: "over MaxV3Post",
	}, {
		name:   "TC3 form POST uses the v3 limit",
		build:  raw(tc3Raw{host: "h", ct: tcapi.ContentTypeForm, body: []byte(q(250)), cred: permCred, ts: testTS}),
		limits: small,
		checks: []check{hasTooLarge(false), hasFault(model.DecodeStyleMismatch)},
		reason: "the limit follows the signature, the mismatch is a separate fact",
	}, {
		name: "Content-Length over limit",
		build: func(t testing.TB) (*http.Request, []byte) {
			r := plainRequest(http.MethodPost, "h", tcapi.ContentTypeJSON, "", nil)
			r.ContentLength = 301
			return r, []byte(`{}`)
		},
		limits: small,
		checks: []check{hasTooLarge(true), hasFault(model.DecodeOK)},
		reason: "a caller may stop reading early; the declared length counts",
	}, {
		name:   "default limits",
		build:  plain(http.MethodGet, "", q(32<<10+1), "", nil),
		checks: []check{hasTooLarge(true)},
		reason: "zero Limits mean the documented 32 KB for GET",
	}, {
		name:   "default limits at 32 KB",
		build:  plain(http.MethodGet, "", q(32<<10), "", nil),
		checks: []check{hasTooLarge(false)},
		reason: "exactly 32 KB is allowed",
	}}
	runDecodeCases(t, cases)
	if got, want := tcapi.DefaultLimits(), (tcapi.Limits{MaxGet: 32768, MaxV1Post: 1048576, MaxV3Post: 10485760}); got != want {
		t.Errorf("DefaultLimits() = %+v; want %+v", got, want)
	}
	if got, want := (tcapi.Limits{}).ReadLimit(), int64(10485761); got != want {
		t.Errorf("Limits{}.ReadLimit() = %d; want %d", got, want)
	}
	if got, want := small.ReadLimit(), int64(301); got != want {
		t.Errorf("ReadLimit() = %d; want %d", got, want)
	}
}

func TestDecodeParams(t *testing.T) {
	t.Parallel()
	obj := func(kv ...any) model.Value {
		m := map[string]model.Value{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1].(model.Value)
		}
		return model.Obj(m)
	}
	num := func(s string) model.Value { return model.Value{Kind: model.KindNumber, Text: s} }
	cases := []decodeCase{{
		name:   "1-based array",
		build:  plain(http.MethodGet, "", "InstanceIds.1=a&InstanceIds.2=b", "", nil),
		checks: []check{hasParams(map[string]model.Value{"InstanceIds": model.Strs("a", "b")})},
		reason: "legacy API 2.0 is 1-based; order by index",
	}, {
		name:   "numeric order and gaps",
		build:  plain(http.MethodGet, "", "L.10=c&L.2=b&L.0=a&L.7=", "", nil),
		checks: []check{hasParams(map[string]model.Value{"L": model.Strs("a", "b", "", "c")})},
		reason: "indices order numerically (not .10 before .2); gaps close up; empty values stay",
	}, {
		name:  "nested filters",
		build: plain(http.MethodGet, "", "Filters.0.Name=zone&Filters.0.Values.0=ap-guangzhou-1&Filters.0.Values.1=ap-guangzhou-2&Filters.1.Name=instance-state&Filters.1.Values.0=RUNNING", "", nil),
		checks: []check{hasParams(map[string]model.Value{"Filters": model.Arr(
			obj("Name", model.Str("zone"), "Values", model.Strs("ap-guangzhou-1", "ap-guangzhou-2")),
			obj("Name", model.Str("instance-state"), "Values", model.Strs("RUNNING")),
		)})},
		reason: "facts §1: Filters.N.Name and Filters.N.Values.M",
	}, {
		name:   "scalar and indexed",
		build:  plain(http.MethodGet, "", "InstanceIds=x&InstanceIds.0=y", "", nil),
		checks: []check{hasParams(map[string]model.Value{"InstanceIds": model.Strs("y")})},
		reason: "the array wins, as a server reading Name.0, Name.1… sees it",
	}, {
		name:   "indexed and named",
		build:  plain(http.MethodGet, "", "F.Name=x&F.0=y&G.Name=z&G=w", "", nil),
		checks: []check{hasParams(map[string]model.Value{"F": model.Strs("y"), "G": obj("Name", model.Str("z"))})},
		reason: "an array beats an object, an object beats a scalar",
	}, {
		name:   "repeated name",
		build:  plain(http.MethodGet, "", "StopType=SOFT&StopType=HARD", "", nil),
		checks: []check{hasFault(model.DecodeMalformed), hasParams(map[string]model.Value{"StopType": model.Str("HARD")})},
		reason: "the zero Parsing refuses a name twice, as a JSON key twice, and keeps the last (its readings are TestDecodeReadings')",
	}, {
		name:   "odd names",
		build:  plain(http.MethodGet, "", "=v&A.=1&B.1234567890=2&C.01=x&C.1=y", "", nil),
		checks: []check{hasParams(map[string]model.Value{"": model.Str("v"), "A": obj("", model.Str("1")), "B": obj("1234567890", model.Str("2")), "C": model.Strs("y")})},
		reason: "empty names and parts are kept as names; 10 digits is a field name; 01 and 1 are one index",
	}, {
		name:   "form scalars are strings",
		build:  plain(http.MethodGet, "", "ForceStop=true&Limit=20&Z=null", "", nil),
		checks: []check{hasEnc(model.EncForm), hasParams(map[string]model.Value{"ForceStop": model.Str("true"), "Limit": model.Str("20"), "Z": model.Str("null")})},
		reason: "model.EncForm: every scalar arrives as a string",
	}, {
		name:   "JSON repeated key",
		build:  plain(http.MethodPost, tcapi.ContentTypeJSON, "", ` {"S":"a\u00e9\ud83d\ude00\n","N":-1.50E+03,"I":0,"T":true,"F":false,"Z":null,"A":[1,"1",[]],"O":{"k":{"x":[null]}},"E":{},"S":"dup"} `, nil),
		checks: []check{hasEnc(model.EncJSON), hasFault(model.DecodeMalformed)},
		reason: "a repeated key: the zero Parsing refuses it (its readings are TestDecodeReadings')",
	}, {
		name:  "JSON kinds preserved",
		build: plain(http.MethodPost, tcapi.ContentTypeJSON, "", ` {"S":"dup","N":-1.50E+03,"I":0,"T":true,"F":false,"Z":null,"A":[1,"1",[]],"O":{"k":{"x":[null]}},"E":{}} `, nil),
		checks: []check{hasEnc(model.EncJSON), hasFault(model.DecodeOK), hasParams(map[string]model.Value{
			"S": model.Str("dup"), "N": num("-1.50E+03"), "I": num("0"), "T": model.Bool(true), "F": model.Bool(false),
			"Z": model.Null(), "A": model.Arr(num("1"), model.Str("1"), model.Arr()),
			"O": obj("k", obj("x", model.Arr(model.Null()))), "E": obj(),
		})},
		reason: "each key keeps its JSON kind and number text",
	}, {
		name:   "JSON string escapes",
		build:  plain(http.MethodPost, tcapi.ContentTypeJSON, "", `{"S":"\"\\\/\b\f\n\r\t\u672a\ud800x\udc00\ud83d\u0041"}`, nil),
		checks: []check{hasParam("S", model.Str("\"\\/\b\f\n\r\t未\ufffdx\ufffd\ufffdA"))},
		reason: "escapes decode as encoding/json does: lone surrogates become U+FFFD",
	}, {
		name:   "v1 common params removed",
		build:  plain(http.MethodGet, "", "Action=A&Version=V&Region=R&Timestamp=5&Nonce=1&SecretId=S&Signature=G&SignatureMethod=HmacSHA1&Token=T&Language=en-US&RequestClient=C&P=1", "", nil),
		checks: []check{hasCommon("A", "V", "R"), hasTimestamp(5), hasParams(map[string]model.Value{"P": model.Str("1")})},
		reason: "all eleven v1 common parameters leave Params",
	}, {
		name:   "v3 keeps body keys named like common params",
		build:  raw(tc3Raw{host: "h", ct: tcapi.ContentTypeJSON, body: []byte(`{"Action":"X","Region":"Y"}`), cred: permCred, ts: testTS}),
		checks: []check{hasAuth(model.AuthOK), hasCommon("StopInstances", "2017-03-12", ""), hasParams(map[string]model.Value{"Action": model.Str("X"), "Region": model.Str("Y")})},
		reason: "v3 common parameters come from headers; body keys are action parameters",
	}, {
		name:   "deep form name",
		build:  plain(http.MethodGet, "", "D"+strings.Repeat(".a", 40)+"=1", "", nil),
		checks: []check{hasParam("D", deepObj(32, "a"+strings.Repeat(".a", 8), model.Str("1")))},
		reason: "past 32 parts the rest of the name is one field",
	}}
	runDecodeCases(t, cases)
}

// deepObj is {"a":{"a":…{last: leaf}}} with depth-1 "a" levels.
func deepObj(depth int, last string, leaf model.Value) model.Value {
	v := model.Obj(map[string]model.Value{last: leaf})
	for i := 1; i < depth; i++ {
		v = model.Obj(map[string]model.Value{"a": v})
	}
	return v
}

func TestDecodeNilInputs(t *testing.T) {
	t.Parallel()
	got := tcapi.Decode(nil, nil, nil, tcapi.Limits{})
	if got.Auth != model.AuthMissing || got.Transport.Decode != model.DecodeMalformed {
		t.Errorf("Decode(nil) = Auth %s, Decode %s; want AuthMissing, DecodeMalformed", authNames[got.Auth], faultNames[got.Transport.Decode])
	}
	r, body := build(t, "http://h", stopCall(tcapi.StyleTC3JSON), permCred)
	if got := tcapi.Decode(r, body, nil, tcapi.Limits{}); got.Auth != model.AuthUnknownSecretID {
		t.Errorf("Decode(nil KeyStore).Auth = %s; want AuthUnknownSecretID", authNames[got.Auth])
	}
	r = &http.Request{Method: http.MethodGet, Host: "", URL: nil, Header: nil}
	if got := tcapi.Decode(r, nil, testKeys, tcapi.Limits{}); got.Auth != model.AuthMissing || got.Params == nil {
		t.Errorf("Decode(no URL, no Header) = Auth %s, Params %v; want AuthMissing, empty params", authNames[got.Auth], got.Params)
	}
	r = &http.Request{Method: http.MethodGet, URL: &url.URL{Host: "from-url:1"}}
	if got := tcapi.Decode(r, nil, testKeys, tcapi.Limits{}); got.Host != "from-url:1" {
		t.Errorf("Decode(empty Host).Host = %q; want the URL's host", got.Host)
	}
}

func TestDecodeOverLoopback(t *testing.T) {
	t.Parallel()
	// The same round trip through a real HTTP server: the server sees
	// canonicalised header names, r.Host from the wire, and must read the
	// body itself.
	got := make(chan model.Request, 1)
	srv := newDecodeServer(t, got)
	for _, s := range tcapi.Styles {
		call := stopCall(s)
		call.Timestamp = time.Unix(1795649401, 0)
		req, _ := build(t, srv.URL, call, tempCred)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("%v: Do: %v", s, err)
		}
		resp.Body.Close()
		r := <-got
		if r.Auth != model.AuthOK || r.Account != "100002" || canonParams(r.Params) != canonParams(stopParams) {
			t.Errorf("%v over loopback: Auth %s, Account %q, Params %s; want AuthOK, 100002, %s", s, authNames[r.Auth], r.Account, canonParams(r.Params), canonParams(stopParams))
		}
	}
}

func TestDecodeUnsignedJSON(t *testing.T) {
	t.Parallel()
	runDecodeCases(t, []decodeCase{{
		name:   "unsigned JSON without X-TC-Action",
		build:  plain(http.MethodPost, tcapi.ContentTypeJSON, "", `{"Action":"StopInstances","Timestamp":17,"InstanceIds":["a"]}`, nil),
		checks: []check{hasAuth(model.AuthMissing), hasSig(model.SigHmacSHA1), hasFault(model.DecodeOK), hasCommon("StopInstances", "", ""), hasTimestamp(17), hasParams(map[string]model.Value{"InstanceIds": model.Strs("a")})},
		reason: "read as v1: common parameters come out of the body, consistently with their removal from Params",
	}, {
		name:   "empty X-TC-Action header",
		build:  plain(http.MethodGet, "", "Action=X", "", map[string]string{"X-TC-Action": ""}),
		checks: []check{hasAuth(model.AuthMissing), hasSig(model.SigTC3), hasCommon("", "", ""), hasParam("Action", model.Str("X"))},
		reason: "the header's presence, not its value, makes it look like v3",
	}})
}
