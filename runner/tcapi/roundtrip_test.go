package tcapi_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Properties: whatever NewRequest signs, Decode accepts and reads back;
// any single change to a signed part makes Decode reject it.

// The generators are made afresh where they are drawn: a rapid generator
// names itself lazily, unguarded against a draw on another goroutine, so
// one shared by the parallel properties is a data race (go test -race
// found it).

func genFieldName() *rapid.Generator[string] {
	return rapid.StringMatching(`[A-Za-z][A-Za-z0-9_-]{0,5}`)
}

func genNumber() *rapid.Generator[string] {
	return rapid.OneOf(
		rapid.Map(rapid.Int64(), func(n int64) string { return strconv.FormatInt(n, 10) }),
		rapid.SampledFrom([]string{"0", "-0", "1.5", "-2.25e-3", "6E+10", "100"}),
	)
}

func genScalar() *rapid.Generator[model.Value] {
	return rapid.OneOf(
		rapid.Map(rapid.String(), model.Str),
		rapid.Map(rapid.StringMatching(`ins-[a-z0-9]{8}`), model.Str),
		rapid.Map(genNumber(), func(s string) model.Value { return model.Value{Kind: model.KindNumber, Text: s} }),
		rapid.Map(rapid.Bool(), model.Bool),
		rapid.Just(model.Null()),
	)
}

func genHost() *rapid.Generator[string] {
	return rapid.SampledFrom([]string{
		"cvm.tencentcloudapi.com", "cvm.ap-guangzhou.tencentcloudapi.com",
		"127.0.0.1:8080", "localhost:1234", "[::1]:9000",
	})
}

func genCommon() *rapid.Generator[string] { return rapid.StringMatching(`[A-Za-z0-9._-]{0,16}`) }

// genValue draws a value up to depth levels of arrays and objects.
func genValue(depth int) *rapid.Generator[model.Value] {
	if depth == 0 {
		return genScalar()
	}
	inner := genValue(depth - 1)
	return rapid.OneOf(
		genScalar(),
		rapid.Map(rapid.SliceOfN(inner, 0, 4), func(items []model.Value) model.Value { return model.Arr(items...) }),
		rapid.Map(rapid.MapOfN(genFieldName(), inner, 0, 3), model.Obj),
		// Filters-shaped: [{"Name": s, "Values": [s…]}]
		rapid.Custom(func(t *rapid.T) model.Value {
			n := rapid.IntRange(1, 3).Draw(t, "filters")
			items := make([]model.Value, n)
			for i := range items {
				items[i] = model.Obj(map[string]model.Value{
					"Name":   model.Str(rapid.SampledFrom([]string{"zone", "instance-state", "tag:env"}).Draw(t, "filterName")),
					"Values": model.Strs(rapid.SliceOfN(rapid.String(), 1, 5).Draw(t, "filterValues")...),
				})
			}
			return model.Arr(items...)
		}),
	)
}

// genParams draws uniquely named action parameters; no name is a v1
// common parameter or contains a dot.
func genParams(t *rapid.T) []tcapi.Param {
	names := rapid.SliceOfNDistinct(rapid.OneOf(
		rapid.SampledFrom([]string{"InstanceIds", "StopType", "ForceStop", "StoppedMode", "Filters", "Limit", "Offset"}),
		rapid.StringMatching(`P[A-Za-z0-9_]{0,8}`),
	), 0, 6, rapid.ID[string]).Draw(t, "paramNames")
	ps := make([]tcapi.Param, len(names))
	for i, n := range names {
		ps[i] = tcapi.Param{Name: n, Value: genValue(2).Draw(t, n)}
	}
	return ps
}

type sample struct {
	call     tcapi.Call
	cred     tcapi.Credential
	endpoint string
	keys     tcapi.KeyMap
}

func genSample(t *rapid.T) sample {
	style := rapid.SampledFrom(tcapi.Styles).Draw(t, "style")
	call := tcapi.Call{
		Action:  genCommon().Draw(t, "action"),
		Version: genCommon().Draw(t, "version"),
		Region:  genCommon().Draw(t, "region"),
		Params:  genParams(t),
		Style:   style,
		Timestamp: time.Unix(rapid.Int64Range(0, 4102444800).Draw(t, "timestamp"), 0).
			In(time.FixedZone("z", rapid.IntRange(-12, 14).Draw(t, "zoneHours")*3600)),
		Nonce:         rapid.Uint64().Draw(t, "nonce"),
		Language:      rapid.SampledFrom([]string{"", "zh-CN", "en-US"}).Draw(t, "language"),
		RequestClient: rapid.SampledFrom([]string{"", "SDK_GO_1.3.211", "cvmconform"}).Draw(t, "requestClient"),
	}
	if style == tcapi.StyleV1Get || style == tcapi.StyleV1PostForm {
		call.V1Method = rapid.SampledFrom([]string{"", tcapi.HmacSHA1, tcapi.HmacSHA256}).Draw(t, "v1Method")
	} else {
		call.UnsignedPayload = rapid.Bool().Draw(t, "unsignedPayload")
	}
	host := genHost().Draw(t, "host")
	endpoint := "http://" + host
	if rapid.Bool().Draw(t, "hostOverride") {
		call.Host = host
		endpoint = "https://cvm.tencentcloudapi.com"
	}
	cred := tcapi.Credential{
		SecretID:  rapid.StringMatching(`AKID[A-Za-z0-9]{1,20}`).Draw(t, "secretID"),
		SecretKey: rapid.String().Draw(t, "secretKey"),
		Token:     rapid.SampledFrom([]string{"", "", "tok-" + rapid.StringMatching(`[A-Za-z0-9]{1,12}`).Draw(t, "token")}).Draw(t, "tokenOrNone"),
	}
	account := rapid.StringMatching(`[0-9]{6,12}`).Draw(t, "account")
	keys := tcapi.KeyMap{
		cred.SecretID: {SecretKey: cred.SecretKey, Token: cred.Token, Account: account},
		"AKIDother":   {SecretKey: "other", Account: "other"},
	}
	return sample{call, cred, endpoint, keys}
}

// formExpect is what a flattened value decodes to; ok is false when it
// flattens to nothing.
func formExpect(v model.Value) (model.Value, bool) {
	switch v.Kind {
	case model.KindString, model.KindNumber, model.KindBool:
		return model.Str(v.Text), true
	case model.KindArray:
		var items []model.Value
		for _, it := range v.Items {
			if e, ok := formExpect(it); ok {
				items = append(items, e)
			}
		}
		return model.Arr(items...), len(items) > 0
	case model.KindObject:
		fields := map[string]model.Value{}
		for k, f := range v.Fields {
			if e, ok := formExpect(f); ok {
				fields[k] = e
			}
		}
		return model.Obj(fields), len(fields) > 0
	}
	return model.Value{}, false
}

func expectedParams(call tcapi.Call) map[string]model.Value {
	want := map[string]model.Value{}
	for _, p := range call.Params {
		if call.Style == tcapi.StyleTC3JSON {
			want[p.Name] = p.Value
		} else if e, ok := formExpect(p.Value); ok {
			want[p.Name] = e
		}
	}
	return want
}

func TestPropertyRoundTrip(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		s := genSample(t)
		req, err := tcapi.NewRequest(context.Background(), s.endpoint, s.call, s.cred)
		if err != nil {
			t.Fatalf("NewRequest: %v", err)
		}
		body := readBody(t, req)
		got := tcapi.Decode(req, body, s.keys, tcapi.DefaultLimits())
		if got.Auth != model.AuthOK {
			t.Fatalf("Auth = %s; want AuthOK", authNames[got.Auth])
		}
		if want := s.keys[s.cred.SecretID].Account; got.Account != want {
			t.Fatalf("Account = %q; want %q", got.Account, want)
		}
		if got.Transport.Decode != model.DecodeOK || got.Transport.BodyTooLarge {
			t.Fatalf("Transport = %+v; want no fault", got.Transport)
		}
		if got.Action != s.call.Action || got.Version != s.call.Version || got.Region != s.call.Region {
			t.Fatalf("Action, Version, Region = %q, %q, %q; want %q, %q, %q", got.Action, got.Version, got.Region, s.call.Action, s.call.Version, s.call.Region)
		}
		if got.Timestamp.Unix() != s.call.Timestamp.Unix() {
			t.Fatalf("Timestamp = %d; want %d", got.Timestamp.Unix(), s.call.Timestamp.Unix())
		}
		if g, w := canonParams(got.Params), canonParams(expectedParams(s.call)); g != w {
			t.Fatalf("Params = %s; want %s", g, w)
		}
		wantEnc := model.EncForm
		if s.call.Style == tcapi.StyleTC3JSON {
			wantEnc = model.EncJSON
		}
		if got.Encoding != wantEnc {
			t.Fatalf("Encoding = %s; want %s", got.Encoding, wantEnc)
		}
	})
}

// tamper names one change to a signed request.
type tamper struct {
	name    string
	applies func(tcapi.Call) bool
	apply   func(r *http.Request, body []byte, keys tcapi.KeyMap, cred tcapi.Credential) ([]byte, tcapi.KeyMap)
}

func isGet(c tcapi.Call) bool { return c.Style == tcapi.StyleTC3Get || c.Style == tcapi.StyleV1Get }
func isV1(c tcapi.Call) bool  { return c.Style == tcapi.StyleV1Get || c.Style == tcapi.StyleV1PostForm }
func always(tcapi.Call) bool  { return true }

var tampers = []tamper{
	{"method GET<->POST", always, func(r *http.Request, b []byte, k tcapi.KeyMap, _ tcapi.Credential) ([]byte, tcapi.KeyMap) {
		if r.Method == http.MethodGet {
			r.Method = http.MethodPost
		} else {
			r.Method = http.MethodGet
		}
		return b, k
	}},
	{"method PUT", always, func(r *http.Request, b []byte, k tcapi.KeyMap, _ tcapi.Credential) ([]byte, tcapi.KeyMap) {
		r.Method = http.MethodPut
		return b, k
	}},
	{"path", always, func(r *http.Request, b []byte, k tcapi.KeyMap, _ tcapi.Credential) ([]byte, tcapi.KeyMap) {
		r.URL.Path = "/x"
		return b, k
	}},
	{"query extra pair", isGet, func(r *http.Request, b []byte, k tcapi.KeyMap, _ tcapi.Credential) ([]byte, tcapi.KeyMap) {
		r.URL.RawQuery += "&Z=1"
		return b, k
	}},
	{"query last pair dropped", isGet, func(r *http.Request, b []byte, k tcapi.KeyMap, _ tcapi.Credential) ([]byte, tcapi.KeyMap) {
		switch i := strings.LastIndexByte(r.URL.RawQuery, '&'); {
		case i >= 0:
			r.URL.RawQuery = r.URL.RawQuery[:i]
		case r.URL.RawQuery == "":
			r.URL.RawQuery = "Z=1" // nothing to drop: add instead
		default:
			r.URL.RawQuery = ""
		}
		return b, k
	}},
	{"host", always, func(r *http.Request, b []byte, k tcapi.KeyMap, _ tcapi.Credential) ([]byte, tcapi.KeyMap) {
		r.Host = "evil." + r.Host
		return b, k
	}},
	{"content type", func(c tcapi.Call) bool { return c.Style != tcapi.StyleV1Get }, func(r *http.Request, b []byte, k tcapi.KeyMap, _ tcapi.Credential) ([]byte, tcapi.KeyMap) {
		if r.Header.Get("Content-Type") == tcapi.ContentTypeForm {
			r.Header.Set("Content-Type", tcapi.ContentTypeJSON)
		} else {
			r.Header.Set("Content-Type", tcapi.ContentTypeJSON+"; charset=utf-8")
		}
		return b, k
	}},
	{"body", func(c tcapi.Call) bool { return !c.UnsignedPayload && c.Style != tcapi.StyleV1Get }, func(r *http.Request, b []byte, k tcapi.KeyMap, _ tcapi.Credential) ([]byte, tcapi.KeyMap) {
		switch r.Header.Get("Content-Type") {
		case tcapi.ContentTypeForm:
			if r.Method == http.MethodPost {
				return append(b, "&Z=1"...), k
			}
			return []byte("x"), k // TC3 GET: the empty body is signed too
		}
		return append(b, ' '), k
	}},
	{"timestamp", always, func(r *http.Request, b []byte, k tcapi.KeyMap, _ tcapi.Credential) ([]byte, tcapi.KeyMap) {
		bump := func(s string) string {
			n, _ := strconv.ParseInt(s, 10, 64)
			return strconv.FormatInt(n+1, 10)
		}
		if ts := r.Header.Get("X-TC-Timestamp"); ts != "" {
			r.Header.Set("X-TC-Timestamp", bump(ts))
			return b, k
		}
		if r.Method == http.MethodGet {
			vs, _ := url.ParseQuery(r.URL.RawQuery)
			vs.Set("Timestamp", bump(vs.Get("Timestamp")))
			r.URL.RawQuery = vs.Encode()
			return b, k
		}
		vs, _ := url.ParseQuery(string(b))
		vs.Set("Timestamp", bump(vs.Get("Timestamp")))
		return []byte(vs.Encode()), k
	}},
	{"secret key", always, func(r *http.Request, b []byte, k tcapi.KeyMap, c tcapi.Credential) ([]byte, tcapi.KeyMap) {
		key := k[c.SecretID]
		key.SecretKey += "x"
		return b, tcapi.KeyMap{c.SecretID: key}
	}},
	{"secret id unknown", always, func(r *http.Request, b []byte, k tcapi.KeyMap, c tcapi.Credential) ([]byte, tcapi.KeyMap) {
		return b, tcapi.KeyMap{"AKIDother": k[c.SecretID]}
	}},
	{"token", always, func(r *http.Request, b []byte, k tcapi.KeyMap, c tcapi.Credential) ([]byte, tcapi.KeyMap) {
		key := k[c.SecretID]
		if key.Token == "" {
			key.Token = "expected"
		} else {
			key.Token += "x"
		}
		return b, tcapi.KeyMap{c.SecretID: key}
	}},
}

func TestPropertyTamperFails(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		s := genSample(t)
		var candidates []tamper
		for _, tp := range tampers {
			if tp.applies(s.call) {
				candidates = append(candidates, tp)
			}
		}
		tp := rapid.SampledFrom(candidates).Draw(t, "tamper")
		req, err := tcapi.NewRequest(context.Background(), s.endpoint, s.call, s.cred)
		if err != nil {
			t.Fatalf("NewRequest: %v", err)
		}
		body, keys := tp.apply(req, readBody(t, req), s.keys, s.cred)
		if got := tcapi.Decode(req, body, keys, tcapi.DefaultLimits()); got.Auth == model.AuthOK {
			t.Fatalf("after %q: Auth = AuthOK; want a failure", tp.name)
		}
	})
}
