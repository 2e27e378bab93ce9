package tcapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Decode's readings (ledger L-27): where a parser may choose, the zero
// Parsing refuses and Readings holds what every other parser reads; a
// request no choice meets has none.
func TestDecodeReadings(t *testing.T) {
	t.Parallel()
	ts := time.Unix(1700000000, 0)
	signed := func(body string) tc3Raw {
		return tc3Raw{host: "127.0.0.1:8080", ct: tcapi.ContentTypeJSON, body: []byte(body), cred: permCred, ts: ts}
	}
	doubledAuth := func() (*http.Request, []byte) {
		r, body := signed(`{"InstanceIds":["ins-r8hr2upy"]}`).request()
		r.Header.Add("Authorization", r.Header.Get("Authorization"))
		return r, body
	}
	wrongSecondAuth := func() (*http.Request, []byte) {
		r, body := signed(`{"InstanceIds":["ins-r8hr2upy"]}`).request()
		r.Header.Add("Authorization", "TC3-HMAC-SHA256 garbled")
		return r, body
	}
	longSignature := func() (*http.Request, []byte) {
		r, body := signed(`{"InstanceIds":["ins-r8hr2upy"]}`).request()
		r.Header.Set("Authorization", r.Header.Get("Authorization")+"00")
		return r, body
	}
	for _, tc := range []struct {
		name   string
		build  func() (*http.Request, []byte)
		main   check
		alts   []check // what the readings hold, in any order
		reason string
	}{
		{"plain", signed(`{"InstanceIds":["ins-r8hr2upy"]}`).request, hasFault(model.DecodeOK), nil,
			"no choice in play: no other reading"},
		{"invalid UTF-8 in a string", signed("{\"InstanceIds\":[\"ins-r8hr2upy\xff\"]}").request, hasFault(model.DecodeNotUTF8),
			[]check{hasParam("InstanceIds", model.Strs("ins-r8hr2upy\uFFFD"))},
			"encoding/json reads the byte as U+FFFD"},
		{"a name twice", signed(`{"InstanceIds":["ins-aaaaaaaa"],"InstanceIds":["ins-bbbbbbbb"]}`).request, hasFault(model.DecodeMalformed),
			[]check{hasParam("InstanceIds", model.Strs("ins-aaaaaaaa")), hasParam("InstanceIds", model.Strs("ins-bbbbbbbb"))},
			"RFC 8259 §4: refuse, the first or the last"},
		{"bytes after the object", signed(`{"InstanceIds":["ins-r8hr2upy"]}x`).request, hasFault(model.DecodeMalformed),
			[]check{hasParam("InstanceIds", model.Strs("ins-r8hr2upy"))},
			"json.Decoder.Decode reads the first value"},
		{"a form name twice", func() (*http.Request, []byte) {
			return plainRequest(http.MethodGet, "127.0.0.1:8080", "", "StopType=SOFT&StopType=HARD", nil), nil
		}, hasFault(model.DecodeMalformed),
			[]check{hasParam("StopType", model.Str("SOFT")), hasParam("StopType", model.Str("HARD"))},
			"net/http's FormValue reads the first, a map the last"},
		{"a name in another case", signed(`{"instanceIds":["ins-r8hr2upy"]}`).request, hasParam("instanceIds", model.Strs("ins-r8hr2upy")),
			[]check{hasParam("InstanceIds", model.Strs("ins-r8hr2upy"))},
			"encoding/json fills a struct field whatever the case"},
		{"Authorization twice", doubledAuth, hasAuth(model.AuthMalformed), []check{hasAuth(model.AuthOK)},
			"joined, it does not parse; net/http's Header.Get reads the first line (both readings of a doubled line agree)"},
		{"a second, garbled Authorization", wrongSecondAuth, hasAuth(model.AuthMalformed), []check{hasAuth(model.AuthOK)},
			"the first line verifies; the last does not parse, as the lines joined do not: one reading besides the zero one"},
		{"a signature of 66 hex digits", longSignature, hasAuth(model.AuthBadSignature), []check{hasAuth(model.AuthMalformed)},
			"compared it differs; checked against facts §2 step 5 the header is malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, body := tc.build()
			got := tcapi.Decode(r, body, testKeys, tcapi.DefaultLimits())
			if err := tc.main(got); err != nil {
				t.Errorf("the zero Parsing: %v\nreason: %s", err, tc.reason)
			}
			if len(got.Readings) != len(tc.alts) {
				t.Fatalf("%d readings; want %d\nreason: %s", len(got.Readings), len(tc.alts), tc.reason)
			}
			for _, c := range tc.alts {
				ok := false
				for _, alt := range got.Readings {
					if c(alt) == nil && len(alt.Readings) == 0 {
						ok = true
					}
				}
				if !ok {
					t.Errorf("no reading passes %v\nreason: %s", c(got.Readings[0]), tc.reason)
				}
			}
		})
	}
}

// DecodeAs reads one way: the parsing it is given, with no readings.
func TestDecodeAs(t *testing.T) {
	t.Parallel()
	body := []byte("{\"InstanceIds\":[\"ins-r8hr2upy\xff\"],\"StopType\":\"HARD\",\"StopType\":\"SOFT\"}")
	r := plainRequest(http.MethodPost, "127.0.0.1:8080", tcapi.ContentTypeJSON, "", nil)
	got := tcapi.DecodeAs(r, body, nil, tcapi.DefaultLimits(), tcapi.Parsing{UTF8: tcapi.UTF8Replace, DuplicateKey: tcapi.PickFirst})
	for _, c := range []check{hasFault(model.DecodeOK), hasParam("StopType", model.Str("HARD")), hasParam("InstanceIds", model.Strs("ins-r8hr2upy\uFFFD"))} {
		if err := c(got); err != nil {
			t.Error(err)
		}
	}
	if len(got.Readings) != 0 {
		t.Errorf("DecodeAs gave %d readings; want none", len(got.Readings))
	}
	if got := tcapi.DecodeAs(r, body, nil, tcapi.DefaultLimits(), tcapi.Parsing{}); got.Transport.Decode != model.DecodeNotUTF8 {
		t.Errorf("the zero Parsing: Decode %d; want DecodeNotUTF8", got.Transport.Decode)
	}
}
