package tcapi_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

var sdkCred = tcapi.Credential{SecretID: "AKIDEXAMPLE", SecretKey: "secretkey"}

// readBody returns the request's body without consuming it.
func readBody(t fataler, req *http.Request) []byte {
	t.Helper()
	if req.GetBody == nil {
		return nil
	}
	rc, err := req.GetBody()
	if err != nil {
		t.Fatalf("GetBody: %v", err)
	}
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return b
}

// TestNewRequestSDKCaptures rebuilds the requests the Go SDK sent in the
// probe (facts §2, §3) and checks the wire bytes and signatures.
func TestNewRequestSDKCaptures(t *testing.T) {
	t.Parallel()
	ids := model.Strs("ins-r8hr2upy", "ins-5d8a23rs")
	tests := []struct {
		name      string
		endpoint  string
		call      tcapi.Call
		wantBody  string
		wantQuery string
		wantAuth  string // substring of Authorization (v3) or the Signature value (v1)
		reason    string
	}{{
		name:     "TC3 POST",
		endpoint: "http://127.0.0.1:42541",
		call: tcapi.Call{
			Action: "StopInstances", Version: "2017-03-12", Region: "ap-guangzhou",
			Params: []tcapi.Param{
				{Name: "InstanceIds", Value: ids},
				{Name: "StopType", Value: model.Str("SOFT")},
				{Name: "StoppedMode", Value: model.Str("STOP_CHARGING")},
			},
			Style: tcapi.StyleTC3JSON, Timestamp: time.Unix(1795649401, 0),
			Language: "zh-CN", RequestClient: "SDK_GO_1.3.211",
		},
		wantBody: `{"InstanceIds":["ins-r8hr2upy","ins-5d8a23rs"],"StopType":"SOFT","StoppedMode":"STOP_CHARGING"}`,
		wantAuth: "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2026-11-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=de41b985993a73bdc5a966956be83a94128532a901902748d78616e92c6fb547",
		reason:   "the SDK's default style, compact JSON in parameter order",
	}, {
		name:     "TC3 GET",
		endpoint: "http://127.0.0.1:35259",
		call: tcapi.Call{
			Action: "StopInstances", Version: "2017-03-12", Region: "ap-guangzhou",
			Params: []tcapi.Param{
				{Name: "ForceStop", Value: model.Bool(true)},
				{Name: "InstanceIds", Value: ids},
				{Name: "StopType", Value: model.Str("SOFT")},
			},
			Style: tcapi.StyleTC3Get, Timestamp: time.Unix(1795649413, 0),
		},
		wantQuery: "ForceStop=true&InstanceIds.0=ins-r8hr2upy&InstanceIds.1=ins-5d8a23rs&StopType=SOFT",
		wantAuth:  "Signature=66b1e68eb9cc7704e020dbf3b1ae54ab4339cd169867d5928cb08328275067ca",
		reason:    "GET carries only action parameters, flattened 0-based, in the query",
	}, {
		name:     "v1 POST form",
		endpoint: "http://127.0.0.1:35259",
		call: tcapi.Call{
			Action: "StopInstances", Version: "2017-03-12", Region: "ap-guangzhou",
			Params: []tcapi.Param{
				{Name: "ForceStop", Value: model.Bool(true)},
				{Name: "InstanceIds", Value: ids},
				{Name: "StopType", Value: model.Str("SOFT")},
			},
			Style: tcapi.StyleV1PostForm, V1Method: tcapi.HmacSHA256, Timestamp: time.Unix(1795649413, 0),
			Nonce: 1139517535623703906, Language: "zh-CN", RequestClient: "SDK_GO_1.3.211",
		},
		wantAuth: "aPUAcavUL5UWT81DDO7P46g56qHSoE2NogBzLG8lRxc=",
		reason:   "v1 signs every parameter, Language and RequestClient included",
	}, {
		name:     "v1 GET doc",
		endpoint: "https://cvm.tencentcloudapi.com",
		call: tcapi.Call{
			Action: "DescribeInstances", Version: "2017-03-12", Region: "ap-guangzhou",
			Params: []tcapi.Param{
				{Name: "InstanceIds", Value: model.Strs("ins-09dx96dg")},
				{Name: "Limit", Value: model.Num(20)},
				{Name: "Offset", Value: model.Num(0)},
			},
			Style: tcapi.StyleV1Get, Timestamp: time.Unix(1465185768, 0), Nonce: 11886,
		},
		wantAuth: "EliP9YW3pW28FpsEdkXt/+WcGeI=",
		reason:   "the documentation's v1 example; HmacSHA1 sends no SignatureMethod",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cred := sdkCred
			if tt.name == "v1 GET doc" {
				cred = tcapi.Credential{SecretID: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", SecretKey: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"}
			}
			req, err := tcapi.NewRequest(context.Background(), tt.endpoint, tt.call, cred)
			if err != nil {
				t.Fatalf("NewRequest: %v", err)
			}
			body := string(readBody(t, req))
			if tt.wantBody != "" && body != tt.wantBody {
				t.Errorf("body = %s; want %s\nreason: %s", body, tt.wantBody, tt.reason)
			}
			if tt.wantQuery != "" && req.URL.RawQuery != tt.wantQuery {
				t.Errorf("query = %s; want %s\nreason: %s", req.URL.RawQuery, tt.wantQuery, tt.reason)
			}
			var got string
			switch tt.call.Style {
			case tcapi.StyleTC3JSON, tcapi.StyleTC3Get:
				got = req.Header.Get("Authorization")
			case tcapi.StyleV1Get:
				got = req.URL.Query().Get("Signature")
			case tcapi.StyleV1PostForm:
				got = mustParseQuery(t, body).Get("Signature")
			}
			if !strings.Contains(got, tt.wantAuth) {
				t.Errorf("signature = %q; want it to contain %q\nreason: %s", got, tt.wantAuth, tt.reason)
			}
			if req.URL.Path != "/" {
				t.Errorf("path = %q; want /", req.URL.Path)
			}
			if req.Host != strings.TrimPrefix(strings.TrimPrefix(tt.endpoint, "http://"), "https://") {
				t.Errorf("Host = %q; want the endpoint's host", req.Host)
			}
			// And the server side accepts what the client built.
			got2 := tcapi.Decode(req, []byte(body), tcapi.KeyMap{cred.SecretID: {SecretKey: cred.SecretKey, Account: "acct"}}, tcapi.DefaultLimits())
			if got2.Auth != model.AuthOK || got2.Account != "acct" || got2.Action != tt.call.Action {
				t.Errorf("Decode = Auth %d, Account %q, Action %q; want AuthOK, acct, %s", got2.Auth, got2.Account, got2.Action, tt.call.Action)
			}
		})
	}
}

func TestNewRequestWire(t *testing.T) {
	t.Parallel()
	ts := time.Unix(1795649401, 0)
	cred := tcapi.Credential{SecretID: "AKID", SecretKey: "k", Token: "tok"}
	t.Run("TC3 headers", func(t *testing.T) {
		t.Parallel()
		req, err := tcapi.NewRequest(context.Background(), "https://cvm.tencentcloudapi.com/ignored/path", tcapi.Call{
			Action: "StopInstances", Version: "2017-03-12", Style: tcapi.StyleTC3JSON, Timestamp: ts,
			Language: "en-US", RequestClient: "cvmconform", Host: "cvm.ap-guangzhou.tencentcloudapi.com", UnsignedPayload: true,
		}, cred)
		if err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]string{
			"Content-Type":        "application/json",
			"X-TC-Action":         "StopInstances",
			"X-TC-Version":        "2017-03-12",
			"X-TC-Region":         "",
			"X-TC-Timestamp":      "1795649401",
			"X-TC-Language":       "en-US",
			"X-TC-RequestClient":  "cvmconform",
			"X-TC-Token":          "tok",
			"X-TC-Content-SHA256": "UNSIGNED-PAYLOAD",
		} {
			if got := req.Header.Get(name); got != want {
				t.Errorf("header %s = %q; want %q", name, got, want)
			}
		}
		if _, ok := req.Header["X-Tc-Region"]; ok {
			t.Errorf("X-TC-Region sent for an empty Region; want it omitted")
		}
		if req.Host != "cvm.ap-guangzhou.tencentcloudapi.com" || req.URL.Host != "cvm.tencentcloudapi.com" || req.URL.Path != "/" {
			t.Errorf("Host, URL = %q, %s; want the Call's Host, the endpoint's host and path /", req.Host, req.URL)
		}
		if b := readBody(t, req); string(b) != "{}" {
			t.Errorf("body = %s; want {} for no params", b)
		}
	})
	t.Run("v1 GET query", func(t *testing.T) {
		t.Parallel()
		req, err := tcapi.NewRequest(context.Background(), "http://h:1", tcapi.Call{
			Version: "2017-03-12", Style: tcapi.StyleV1Get, V1Method: tcapi.HmacSHA256, Timestamp: ts, Nonce: 7,
			Params: []tcapi.Param{
				{Name: "A B", Value: model.Str("x&y=z")},
				{Name: "N", Value: model.Null()},
				{Name: "E", Value: model.Arr()},
				{Name: "Filters", Value: model.Arr(model.Obj(map[string]model.Value{
					"Name": model.Str("zone"), "Values": model.Strs("ap-guangzhou-1"),
				}))},
			},
		}, cred)
		if err != nil {
			t.Fatal(err)
		}
		want := "Version=2017-03-12&Timestamp=1795649401&Nonce=7&SecretId=AKID&SignatureMethod=HmacSHA256&Token=tok&A+B=x%26y%3Dz&Filters.0.Name=zone&Filters.0.Values.0=ap-guangzhou-1&Signature="
		if !strings.HasPrefix(req.URL.RawQuery, want) {
			t.Errorf("query = %s; want prefix %s (no Action, null and empty array omitted, values URL-encoded)", req.URL.RawQuery, want)
		}
		if req.Header.Get("Content-Type") != "" || req.Body != nil {
			t.Errorf("v1 GET has Content-Type %q, body %v; want neither", req.Header.Get("Content-Type"), req.Body)
		}
	})
	t.Run("JSON kinds", func(t *testing.T) {
		t.Parallel()
		req, err := tcapi.NewRequest(context.Background(), "http://h", tcapi.Call{
			Style: tcapi.StyleTC3JSON, Timestamp: ts,
			Params: []tcapi.Param{
				{Name: "N", Value: model.Value{Kind: model.KindNumber, Text: "1.50e+3"}},
				{Name: "B", Value: model.Bool(false)},
				{Name: "Z", Value: model.Null()},
				{Name: "S", Value: model.Str("q\"\\\n\t\r\x01<\xff")},
				{Name: "O", Value: model.Obj(map[string]model.Value{"b": model.Num(2), "a": model.Arr()})},
				{Name: "U", Value: model.Value{Kind: 99}},
				{Name: "N", Value: model.Str("again")},
			},
		}, cred)
		if err != nil {
			t.Fatal(err)
		}
		want := "{\"N\":1.50e+3,\"B\":false,\"Z\":null,\"S\":\"q\\\"\\\\\\n\\t\\r\\u0001<\xff\",\"O\":{\"a\":[],\"b\":2},\"U\":null,\"N\":\"again\"}"
		if b := readBody(t, req); string(b) != want {
			t.Errorf("body = %q; want %q (numbers verbatim, fields sorted, bytes copied, unknown kind null, repeats kept)", b, want)
		}
	})
}

func TestNewRequestErrors(t *testing.T) {
	t.Parallel()
	cred := tcapi.Credential{SecretID: "AKID", SecretKey: "SUPERSECRET", Token: "TOKENSECRET"}
	tests := []struct {
		name     string
		ctx      context.Context
		endpoint string
		call     tcapi.Call
		wantErr  string
		reason   string
	}{
		{"bad url", context.Background(), "http://[::1", tcapi.Call{}, "endpoint", "the endpoint does not parse"},
		{"no scheme", context.Background(), "localhost:8080", tcapi.Call{}, "want http or https", "SDK-style host:port is not a base URL"},
		{"ftp", context.Background(), "ftp://h", tcapi.Call{}, "want http or https", "only http(s)"},
		{"bad style", context.Background(), "http://h", tcapi.Call{Style: 9}, "Style = Style(9)", "no such style"},
		{"bad v1 method", context.Background(), "http://h", tcapi.Call{Style: tcapi.StyleV1Get, V1Method: "HmacMD5"}, `V1Method = "HmacMD5"`, "only HmacSHA1 and HmacSHA256"},
		{"nil ctx", nil, "http://h", tcapi.Call{}, "nil Context", "net/http refuses a nil context"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tcapi.NewRequest(tt.ctx, tt.endpoint, tt.call, cred) //nolint:staticcheck // nil ctx on purpose
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("NewRequest error = %v; want one containing %q\nreason: %s", err, tt.wantErr, tt.reason)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("NewRequest error %q reveals a secret", err)
			}
		})
	}
}

func TestStyleString(t *testing.T) {
	t.Parallel()
	want := []string{"TC3JSON", "TC3Get", "V1Get", "V1PostForm"}
	for i, s := range tcapi.Styles {
		if s.String() != want[i] {
			t.Errorf("Style(%d).String() = %s; want %s", i, s, want[i])
		}
	}
}

// HTTPMethod sends and signs another method, so that the method is all
// that is wrong with the request.
func TestNewRequestHTTPMethod(t *testing.T) {
	t.Parallel()
	keys := tcapi.KeyMap{sdkCred.SecretID: {SecretKey: sdkCred.SecretKey, Account: "acct"}}
	for _, style := range []tcapi.Style{tcapi.StyleTC3JSON, tcapi.StyleTC3Get, tcapi.StyleV1Get, tcapi.StyleV1PostForm} {
		call := tcapi.Call{Action: model.ActionDescribe, Version: model.APIVersion, Region: "ap-guangzhou", Style: style,
			Timestamp: time.Unix(1795649401, 0), Nonce: 1, HTTPMethod: http.MethodPut}
		req, err := tcapi.NewRequest(context.Background(), "http://127.0.0.1:9", call, sdkCred)
		if err != nil {
			t.Fatal(err)
		}
		if req.Method != http.MethodPut {
			t.Errorf("%v: method = %s; want PUT", style, req.Method)
		}
		var body []byte
		if req.Body != nil {
			body, _ = io.ReadAll(req.Body)
		}
		got := tcapi.Decode(req, body, keys, tcapi.DefaultLimits())
		if got.Transport.Method != http.MethodPut || got.Auth == model.AuthBadSignature {
			t.Errorf("%v: Decode = method %s, auth %d; want PUT, signed as such", style, got.Transport.Method, got.Auth)
		}
	}
}
