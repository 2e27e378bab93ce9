package passive_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/passive"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Recordings as people make them: recorders are told to drop what
// carries credentials or the time (vcrpy's filter_headers,
// filter_query_parameters, filter_post_data_parameters). What is absent
// from such a recording is unknown, never missing.

// recordStyledCycle records sdkCycle on one fresh instance of the
// emulator, through an SDK client tuned by tune (nil: TC3 JSON POST).
func recordStyledCycle(t *testing.T, skip int, tune func(*profile.ClientProfile)) ([]recorded, tcapi.KeyStore) {
	t.Helper()
	e := startEmulator(t)
	rec := &recorder{}
	c := sdkClient(t, e.URL, e.Cred, rec, tune)
	sdkCycle(t, c, plainInstances(t, skip, 1)[0])
	return rec.exchanges(), tcapi.KeyMap{e.Cred.SecretID: {SecretKey: e.Cred.SecretKey, Account: runner.MaskSecretID(e.Cred.SecretID)}}
}

// withoutHeaders drops the named headers from every exchange, whatever
// their spelling.
func withoutHeaders(rs []recorded, names ...string) []recorded {
	out := make([]recorded, len(rs))
	for i, r := range rs {
		r.header = r.header.Clone()
		for k := range r.header {
			for _, n := range names {
				if strings.EqualFold(k, n) {
					delete(r.header, k)
				}
			}
		}
		out[i] = r
	}
	return out
}

// withoutParams drops the named v1 parameters from every exchange's
// query (GET) or form body (POST).
func withoutParams(t *testing.T, rs []recorded, names ...string) []recorded {
	t.Helper()
	out := make([]recorded, len(rs))
	for i, r := range rs {
		u, err := url.Parse(r.url)
		require.NoError(t, err)
		raw := u.RawQuery
		if r.method == http.MethodPost {
			raw = string(r.body)
		}
		vs, err := url.ParseQuery(raw)
		require.NoError(t, err)
		for _, n := range names {
			require.NotEmpty(t, vs.Get(n), "exchange %d sent %s", i+1, n)
			vs.Del(n)
		}
		if r.method == http.MethodPost {
			r.body = []byte(vs.Encode())
		} else {
			u.RawQuery = vs.Encode()
			r.url = u.String()
		}
		out[i] = r
	}
	return out
}

func TestScrubbedCredentialsAndTimesAreUnknown(t *testing.T) {
	t.Parallel()
	v1 := func(method, sign string) func(*profile.ClientProfile) {
		return func(p *profile.ClientProfile) { p.HttpProfile.ReqMethod, p.SignMethod = method, sign }
	}
	cases := []struct {
		name   string
		skip   int
		tune   func(*profile.ClientProfile)
		scrub  func(*testing.T, []recorded) []recorded
		reason string
	}{
		{"tc3 timestamp", 40, nil,
			func(_ *testing.T, rs []recorded) []recorded { return withoutHeaders(rs, "X-TC-Timestamp") },
			"the timestamp is signed: without it neither the window nor the signature can be judged"},
		{"tc3 all", 41, nil,
			func(_ *testing.T, rs []recorded) []recorded {
				return withoutHeaders(rs, "Authorization", "X-TC-Timestamp", "X-TC-Token", "X-TC-RequestClient")
			},
			"vcrpy's filter_headers as commonly given"},
		{"v1 GET timestamp and nonce", 42, v1(http.MethodGet, "HmacSHA256"),
			func(t *testing.T, rs []recorded) []recorded { return withoutParams(t, rs, "Timestamp", "Nonce") },
			"v1 signs every parameter: without them the signature cannot be judged"},
		{"v1 POST all", 43, v1(http.MethodPost, "HmacSHA1"),
			func(t *testing.T, rs []recorded) []recorded {
				return withoutParams(t, rs, "Signature", "Timestamp", "Nonce", "SecretId")
			},
			"filter_post_data_parameters over every credential"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rs, keys := recordStyledCycle(t, tc.skip, tc.tune)
			scrubbed := tc.scrub(t, rs)
			for _, cfg := range []passive.Config{{}, {Keys: keys}} {
				for _, f := range formats {
					res := judge(t, f.name, f.write(scrubbed), cfg)
					require.Empty(t, res.Findings, "%s (keys %v): %s:\n%s", f.name, cfg.Keys != nil, tc.reason, findingLines(res))
					require.Equal(t, len(rs), res.Judged, f.name)
				}
			}
		})
	}
}

// What a recording leaves unknown is resolved from the answer, and
// nothing else is: a target that refuses a malformed ID (seed §6) as not
// found still draws its finding from a scrubbed recording.
func TestScrubbedRecordingsStillShowWhatTheyShow(t *testing.T) {
	t.Parallel()
	rs := withoutHeaders(recordCycle(t, 44, "malformed-id-not-found"), "Authorization", "X-TC-Timestamp", "X-TC-Token")
	for _, f := range formats {
		res := judge(t, f.name, f.write(rs), passive.Config{})
		require.Len(t, res.Findings, 1, "%s:\n%s", f.name, findingLines(res))
		require.Equal(t, len(rs), res.Findings[0].Index, f.name)
		require.Contains(t, res.Findings[0].Actual, "InvalidInstanceId.NotFound", f.name)
	}
}

// The SDK does not sign X-TC-Token (facts §2: SignedHeaders
// content-type;host), so a scrubbed recording whose signature verifies may
// still have carried a token, right or wrong: with the key given, a
// TokenFailure answer to a request whose recording has no X-TC-Token is
// accepted, not judged as a refusal of an authenticated request.
func TestScrubbedTokenMayHaveBeenSent(t *testing.T) {
	t.Parallel()
	rs, keys := recordStyledCycle(t, 45, nil)
	require.Equal(t, "DescribeInstances", action(rs[0]))
	rs[0].resp = []byte(`{"Response":{"Error":{"Code":"AuthFailure.TokenFailure","Message":"token invalid"},"RequestId":"00000000-0000-4000-8000-000000000001"}}`)
	res := judge(t, "token.yaml", vcrpyCassette(rs, false), passive.Config{Keys: keys})
	require.Empty(t, res.Findings, findingLines(res))
}
