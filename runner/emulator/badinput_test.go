package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Bad input never crashes the emulator and never changes state: each is
// answered with a Tencent error inside the envelope, with a RequestId.

func TestBadInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{RateLimit: -1})
	target := byState(model.Running)[0]
	signed := func(mutate func(*http.Request)) *http.Request {
		req, err := tcapi.NewRequest(context.Background(), h.srv.URL, tcapi.Call{
			Action: model.ActionStop, Version: model.APIVersion, Region: "ap-guangzhou", Timestamp: h.clock.Now(),
			Params: []tcapi.Param{ids(target)}}, h.cred)
		require.NoError(t, err)
		mutate(req)
		return req
	}
	raw := func(method, ctype, body string) *http.Request {
		req, err := http.NewRequest(method, h.srv.URL, strings.NewReader(body))
		require.NoError(t, err)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		req.Header.Set("X-TC-Action", model.ActionStop)
		req.Header.Set("X-TC-Version", model.APIVersion)
		req.Header.Set("X-TC-Region", "ap-guangzhou")
		return req
	}
	setBody := func(req *http.Request, body []byte) {
		req.Body = http.NoBody
		if len(body) > 0 {
			req.Body = ioNopCloser(bytes.NewReader(body))
		}
		req.ContentLength = int64(len(body))
	}
	huge := `{"InstanceIds":[` + strings.Repeat(`"ins-00000000",`, 200000) + `"ins-00000000"]}`
	cases := []struct {
		name  string
		req   *http.Request
		codes []string
	}{
		{"malformed JSON", signed(func(r *http.Request) { setBody(r, []byte(`{"InstanceIds": [`)) }), []string{"AuthFailure.SignatureFailure", model.CodeInvalidParameter}},
		{"not an object", raw("POST", "application/json", `[1,2]`), []string{"AuthFailure.InvalidAuthorization", model.CodeInvalidParameter}},
		{"wrong content type", raw("POST", "text/plain", `{}`), []string{model.CodeInvalidParameter}},
		{"no content type", raw("POST", "", `{}`), []string{model.CodeInvalidParameter}},
		{"unsigned", raw("POST", "application/json", `{"InstanceIds":["`+target+`"]}`), []string{"AuthFailure.InvalidAuthorization"}},
		{"garbled Authorization", signed(func(r *http.Request) { r.Header.Set("Authorization", "TC3-HMAC-SHA256 garbage") }), []string{"AuthFailure.InvalidAuthorization"}},
		{"wrong signature", signed(func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:len(a)-4]+"0000")
		}), []string{"AuthFailure.SignatureFailure"}},
		{"expired timestamp", func() *http.Request {
			req, _ := tcapi.NewRequest(context.Background(), h.srv.URL, tcapi.Call{Action: model.ActionStop, Version: model.APIVersion,
				Region: "ap-guangzhou", Timestamp: h.clock.Now().Add(-time.Hour), Params: []tcapi.Param{ids(target)}}, h.cred)
			return req
		}(), []string{"AuthFailure.SignatureExpire"}},
		{"oversized body", raw("POST", "application/json", `{"x":"`+strings.Repeat("a", 11<<20)+`"}`), []string{"RequestSizeLimitExceeded"}},
		{"non-UTF-8", raw("POST", "application/json", "{\"InstanceIds\":[\"ins-\xff\xfe\"]}"), []string{model.CodeInvalidParameter}},
		{"huge array", raw("POST", "application/json", huge), []string{"AuthFailure.InvalidAuthorization"}},
		{"PUT", raw("PUT", "application/json", `{}`), []string{"UnsupportedProtocol"}},
		{"DELETE", raw("DELETE", "", ``), []string{"UnsupportedProtocol"}},
		{"no action", func() *http.Request {
			r := raw("POST", "application/json", `{}`)
			r.Header.Del("X-TC-Action")
			return r
		}(), []string{model.CodeMissingParameter}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.do(c.req)
			require.NotNil(t, r.Error, "want one of %v", c.codes)
			require.Contains(t, c.codes, r.Error.Code, "message: %s", r.Error.Message)
		})
	}
	require.Equal(t, "RUNNING", h.instance(target).InstanceState, "no bad input changed anything")
}

func TestWrongTypesAreJudgedByTheModel(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{RateLimit: -1})
	target := byState(model.Running)[0]
	for name, p := range map[string]tcapi.Param{
		"ForceStop string": param("ForceStop", model.Str("yes")),
		"StopType number":  param("StopType", model.Num(3)),
		"ForceStop object": param("ForceStop", model.Obj(map[string]model.Value{"a": model.Num(1)})),
	} {
		r := h.call(model.ActionStop, ids(target), p)
		require.NotNil(t, r.Error, name)
		require.Equal(t, model.CodeInvalidParameter, r.Error.Code, name)
	}
	require.Equal(t, "RUNNING", h.instance(target).InstanceState)
}

type panicBody struct{}

func (panicBody) Read([]byte) (int, error) { panic("boom") }
func (panicBody) Close() error             { return nil }

func TestPanicBecomesInternalError(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	var mu sync.Mutex
	e, err := New(Config{Fleet: DefaultFleet(), Logger: newTestLogger(&logs, &mu)})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/", nil)
	req.Body = panicBody{}
	e.ServeHTTP(rec, req)
	res, err := tcapi.ParseResponse(rec.Body.Bytes())
	require.NoError(t, err)
	require.Equal(t, model.CodeInternalError, res.Error.Code)
	require.NotEmpty(t, res.RequestID)
	mu.Lock()
	require.Contains(t, logs.String(), "boom")
	mu.Unlock()
	// and it goes on
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	var env struct{ Response map[string]json.RawMessage }
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &env))
	require.Contains(t, env.Response, "RequestId")
}

func TestLogsNeverHoldSecrets(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	var mu sync.Mutex
	h := newHarness(t, Config{Logger: newTestLogger(&logs, &mu)})
	h.call(model.ActionDescribe)
	h.call(model.ActionStop, ids("ins-1122"))
	mu.Lock()
	defer mu.Unlock()
	out := logs.String()
	require.Equal(t, 2, strings.Count(out, "\n"), "one line a request: %s", out)
	require.NotContains(t, out, h.cred.SecretKey)
	require.NotContains(t, out, "Signature=")
	require.Contains(t, out, "InvalidInstanceId.Malformed")
}

// A body that ends early (a chunked body cut off) is no request: it is
// refused as malformed, not answered with an internal error, and even the
// fault that mends broken JSON does not act on it.
func TestBodyEndingEarly(t *testing.T) {
	t.Parallel()
	for _, faults := range [][]string{nil, {FaultMalformedRepaired}} {
		h := newHarness(t, Config{RateLimit: -1, Faults: faults})
		id := running()
		req := h.request(tcapi.Call{Action: model.ActionStop, Params: []tcapi.Param{ids(id), param("StopType", model.Str("HARD"))}}, nil)
		body, err := io.ReadAll(req.Body)
		require.NoError(t, err)
		cut := body[:len(body)-1] // the request's last byte never comes
		req.Body = io.NopCloser(io.MultiReader(bytes.NewReader(cut), iotest.ErrReader(io.ErrUnexpectedEOF)))
		rec := httptest.NewRecorder()
		h.e.ServeHTTP(rec, req)
		res, err := tcapi.ParseResponse(rec.Body.Bytes())
		require.NoError(t, err)
		require.NotNil(t, res.Error, "faults %v", faults)
		require.Equal(t, model.CodeInvalidParameter, res.Error.Code, "faults %v: %s", faults, res.Error.Message)
		require.NotEmpty(t, res.RequestID)
		require.Equal(t, model.Running, h.state(id).State, "faults %v", faults)
	}
}
