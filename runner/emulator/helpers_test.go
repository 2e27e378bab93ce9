package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

var epoch = time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)

// harness is an emulator over loopback with a fake clock.
type harness struct {
	t     *testing.T
	e     *Emulator
	srv   *httptest.Server
	clock *FakeClock
	cred  tcapi.Credential
	cred2 tcapi.Credential
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	if cfg.Fleet == nil {
		cfg.Fleet = DefaultFleet()
	}
	clock := NewFakeClock(epoch)
	cfg.Clock = clock
	if cfg.Latency == 0 {
		cfg.Latency = 300 * time.Millisecond
	}
	e, err := New(cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	h := &harness{t: t, e: e, srv: srv, clock: clock, cred: e.Credentials(e.Accounts()[0])}
	if len(e.Accounts()) > 1 {
		h.cred2 = e.Credentials(e.Accounts()[1])
	}
	return h
}

// call sends a signed TC3 JSON request of action with params and returns
// the parsed response.
func (h *harness) call(action string, params ...tcapi.Param) tcapi.Response {
	h.t.Helper()
	return h.send(tcapi.Call{Action: action, Params: params}, h.cred)
}

// send fills the call's defaults (version, region, timestamp), signs it
// with cred and sends it.
func (h *harness) send(c tcapi.Call, cred tcapi.Credential) tcapi.Response {
	h.t.Helper()
	if c.Version == "" {
		c.Version = model.APIVersion
	}
	if c.Region == "" {
		c.Region = "ap-guangzhou"
	}
	if c.Timestamp.IsZero() {
		c.Timestamp = h.clock.Now()
	}
	req, err := tcapi.NewRequest(context.Background(), h.srv.URL, c, cred)
	require.NoError(h.t, err)
	return h.do(req)
}

func (h *harness) do(req *http.Request) tcapi.Response {
	h.t.Helper()
	res, err := h.srv.Client().Do(req)
	require.NoError(h.t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(h.t, err)
	require.Equal(h.t, http.StatusOK, res.StatusCode, "body %s", body)
	r, err := tcapi.ParseResponse(body)
	require.NoError(h.t, err, "body %s", body)
	require.Regexp(h.t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, r.RequestID)
	return r
}

func ids(ss ...string) tcapi.Param { return tcapi.Param{Name: "InstanceIds", Value: model.Strs(ss...)} }

func param(name string, v model.Value) tcapi.Param { return tcapi.Param{Name: name, Value: v} }

// wantCode asserts the response is the error code.
func wantCode(t *testing.T, r tcapi.Response, code string) {
	t.Helper()
	require.NotNil(t, r.Error, "want %s, got success", code)
	require.Equal(t, code, r.Error.Code, "message: %s", r.Error.Message)
	require.NotEmpty(t, r.Error.Message)
}

func wantOK(t *testing.T, r tcapi.Response, why ...string) {
	t.Helper()
	require.Nil(t, r.Error, "want success, got %v %v", r.Error, why)
}

// describe returns the caller's instances by ID via DescribeInstances.
func (h *harness) describe(params ...tcapi.Param) (int, []wireInstance) {
	h.t.Helper()
	r := h.call(model.ActionDescribe, params...)
	wantOK(h.t, r)
	var total int
	var set []wireInstance
	require.NoError(h.t, json.Unmarshal(r.Fields["TotalCount"], &total))
	require.NoError(h.t, json.Unmarshal(r.Fields["InstanceSet"], &set))
	return total, set
}

func (h *harness) instance(id string) wireInstance {
	h.t.Helper()
	_, set := h.describe(ids(id))
	require.Len(h.t, set, 1, "describe %s", id)
	return set[0]
}

// byState returns the default fleet's main-account instance IDs in state
// s, in ap-guangzhou.
func byState(s model.InstanceState) []string {
	var out []string
	for _, fi := range DefaultFleet().Accounts[0].Instances {
		if fi.State == string(s) && model.RegionOfZone(fi.Zone) == "ap-guangzhou" {
			out = append(out, fi.ID)
		}
	}
	return out
}

// fixture returns the default fleet's instance with a matching predicate.
func fixture(ok func(FixtureInstance) bool) FixtureInstance {
	for _, a := range DefaultFleet().Accounts {
		for _, fi := range a.Instances {
			if ok(fi) {
				return fi
			}
		}
	}
	panic("no such fixture instance")
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ioNopCloser(r io.Reader) io.ReadCloser { return io.NopCloser(r) }

// newTestLogger logs JSON lines into buf, guarded by mu.
func newTestLogger(buf *bytes.Buffer, mu *sync.Mutex) *slog.Logger {
	return slog.New(slog.NewJSONHandler(lockedWriter{buf, mu}, nil))
}

type lockedWriter struct {
	buf *bytes.Buffer
	mu  *sync.Mutex
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}
