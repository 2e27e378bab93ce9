package emulator

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	cvm "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/cvm/v20170312"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// The official Go SDK (tencentcloud-sdk-go cvm v1.1.0 with its common
// v1.1.0) driven against the emulator over real loopback with the wall
// clock, as a user points it at a local fake (facts §14): DescribeInstances
// paging, stop and start with polling, the documented error codes, in every
// request style the SDK can send.

// Shared by sdk_go_test.go, sdk_node_test.go and signature_styles_test.go.

const (
	// liveRegion is the region the clients of the live tests use.
	liveRegion = "ap-guangzhou"
	// liveLatency is how long STOPPING and STARTING last on a live
	// emulator: short for a quick run, long enough to be observed.
	liveLatency = 50 * time.Millisecond
	// liveDeadline bounds every poll for a state.
	liveDeadline = 10 * time.Second
	// livePoll is the pause between two polls.
	livePoll = 10 * time.Millisecond
)

// liveServer is an emulator on real loopback with the wall clock (the
// SDKs sign with it), a short latency and no rate limit (the tests stop
// and start in parallel), behind a recorder of the request styles it is
// sent.
type liveServer struct {
	URL  string // http://127.0.0.1:PORT
	Host string // 127.0.0.1:PORT, the SDKs' endpoint
	Cred tcapi.Credential

	mu   sync.Mutex
	seen []wireRequest
}

// wireRequest is what the recorder notes of one request.
type wireRequest struct {
	Style         string // see requestStyle
	Method        string
	Host          string
	Header        http.Header
	Authorization string
	Query         string
	Body          []byte
}

// liveEmulator starts a liveServer serving the default fleet, with the
// default account's credentials.
func liveEmulator(t *testing.T) *liveServer {
	t.Helper()
	e, err := New(Config{Fleet: DefaultFleet(), Latency: liveLatency, RateLimit: -1})
	require.NoError(t, err)
	l := &liveServer{Cred: e.Credentials(e.Accounts()[0])}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		l.mu.Lock()
		l.seen = append(l.seen, wireRequest{Style: requestStyle(r, body), Method: r.Method, Host: r.Host,
			Header: r.Header.Clone(), Authorization: r.Header.Get("Authorization"), Query: r.URL.RawQuery, Body: body})
		l.mu.Unlock()
		e.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	l.URL = srv.URL
	l.Host = strings.TrimPrefix(srv.URL, "http://")
	return l
}

// requests returns what the server has been sent so far.
func (l *liveServer) requests() []wireRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]wireRequest(nil), l.seen...)
}

// styles returns the distinct request styles the server has been sent.
func (l *liveServer) styles() []string {
	set := map[string]bool{}
	for _, r := range l.requests() {
		set[r.Style] = true
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// requestStyle names a request's style (facts §1) as seen on the wire:
// method, media type for a POST, then "TC3" for an Authorization header
// of that algorithm, or "v1 " and the SignatureMethod ("HmacSHA1" when
// absent) for a Signature parameter.
func requestStyle(r *http.Request, body []byte) string {
	style := r.Method
	raw := r.URL.RawQuery
	if r.Method == http.MethodPost {
		mt, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
		style += " " + strings.TrimSpace(mt)
		raw = string(body)
	}
	switch {
	case strings.HasPrefix(r.Header.Get("Authorization"), "TC3-HMAC-SHA256 "):
		return style + " TC3"
	}
	vs, err := url.ParseQuery(raw)
	if err != nil || vs.Get("Signature") == "" {
		return style + " unsigned"
	}
	m := vs.Get("SignatureMethod")
	if m == "" {
		m = "HmacSHA1"
	}
	return style + " v1 " + m
}

// liveTargets returns the default account's RUNNING instances in
// liveRegion that stop and start plainly: pay-as-you-go on cloud disks (so
// STOP_CHARGING is allowed), no data disks, a guest that honours a soft
// stop. Callers give each subtest its own.
func liveTargets(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	for _, fi := range DefaultFleet().Accounts[0].Instances {
		if fi.State == string(model.Running) && model.RegionOfZone(fi.Zone) == liveRegion &&
			fi.ChargeType == string(model.PostpaidByHour) && !model.DiskType(fi.SystemDisk.Type).Local() &&
			len(fi.DataDisks) == 0 && !fi.IgnoresSoftStop {
			out = append(out, fi.ID)
		}
	}
	require.GreaterOrEqual(t, len(out), n, "the default fleet has %d plain RUNNING instances in %s", len(out), liveRegion)
	return out[:n]
}

// liveRegionIDs returns the IDs of the default account's instances that
// DescribeInstances lists in liveRegion, in fleet order.
func liveRegionIDs() []string {
	var out []string
	for _, fi := range DefaultFleet().Accounts[0].Instances {
		if model.RegionOfZone(fi.Zone) == liveRegion && fi.State != string(model.Terminated) {
			out = append(out, fi.ID)
		}
	}
	return out
}

// tooManyIDs returns 101 well-formed instance IDs: one over the batch
// limit (facts §7).
func tooManyIDs() []string {
	out := make([]string, 101)
	for i := range out {
		out[i] = fmt.Sprintf("ins-%08d", i)
	}
	return out
}

const uuidPattern = `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`

// goSDKClient returns a CVM client of the official Go SDK pointed at
// endpoint (host:port),
// set up as facts §14 says, then changed by tune.
func goSDKClient(t *testing.T, endpoint string, cred tcapi.Credential, tune func(*profile.ClientProfile)) *cvm.Client {
	t.Helper()
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = endpoint
	cpf.HttpProfile.Scheme = "http"
	cpf.HttpProfile.ReqTimeout = 10
	if tune != nil {
		tune(cpf)
	}
	c, err := cvm.NewClient(common.NewCredential(cred.SecretID, cred.SecretKey), liveRegion, cpf)
	require.NoError(t, err)
	return c
}

// wantSDKCode asserts err is the SDK's TencentCloudSDKError with code and
// a RequestId.
func wantSDKCode(t *testing.T, err error, code string) {
	t.Helper()
	require.Error(t, err, "want %s, got success", code)
	var sdkErr *tcerr.TencentCloudSDKError
	require.ErrorAs(t, err, &sdkErr, "want a TencentCloudSDKError, got %T %v", err, err)
	require.Equal(t, code, sdkErr.GetCode(), "message: %s", sdkErr.GetMessage())
	require.NotEmpty(t, sdkErr.GetMessage())
	require.Regexp(t, uuidPattern, sdkErr.GetRequestId())
}

// goSDKInstance describes one instance through the SDK.
func goSDKInstance(t *testing.T, c *cvm.Client, id string) *cvm.Instance {
	t.Helper()
	req := cvm.NewDescribeInstancesRequest()
	req.InstanceIds = common.StringPtrs([]string{id})
	res, err := c.DescribeInstances(req)
	require.NoError(t, err)
	require.Len(t, res.Response.InstanceSet, 1, "describe %s", id)
	require.EqualValues(t, 1, *res.Response.TotalCount)
	return res.Response.InstanceSet[0]
}

// goSDKWaitFor polls DescribeInstances until the instance is in state,
// failing after liveDeadline, and returns it. It records every state it
// saw on the way.
func goSDKWaitFor(t *testing.T, c *cvm.Client, id, state string) (*cvm.Instance, []string) {
	t.Helper()
	var seen []string
	deadline := time.Now().Add(liveDeadline)
	for {
		inst := goSDKInstance(t, c, id)
		s := *inst.InstanceState
		if len(seen) == 0 || seen[len(seen)-1] != s {
			seen = append(seen, s)
		}
		if s == state {
			return inst, seen
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not %s within %v; states seen: %v", id, state, liveDeadline, seen)
		}
		time.Sleep(livePoll)
	}
}

func TestGoSDK(t *testing.T) {
	t.Parallel()

	t.Run("DescribeInstances paging", func(t *testing.T) {
		t.Parallel()
		// The emulator's own server, as cvmconform emulate serves it.
		e, err := New(Config{Fleet: DefaultFleet(), Latency: liveLatency})
		require.NoError(t, err)
		srv, err := Listen("127.0.0.1:0", e)
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, srv.Close()) })
		c := goSDKClient(t, strings.TrimPrefix(srv.URL, "http://"), e.Credentials(e.Accounts()[0]), nil)
		want := liveRegionIDs()

		first, err := c.DescribeInstances(cvm.NewDescribeInstancesRequest())
		require.NoError(t, err)
		require.EqualValues(t, len(want), *first.Response.TotalCount, "TotalCount counts the whole region")
		require.Len(t, first.Response.InstanceSet, min(20, len(want)), "facts §9: Limit defaults to 20")
		require.Regexp(t, uuidPattern, *first.Response.RequestId)

		const limit = 7
		var got []string
		seen := map[string]bool{}
		for offset := 0; ; offset += limit {
			req := cvm.NewDescribeInstancesRequest()
			req.Offset = common.Int64Ptr(int64(offset))
			req.Limit = common.Int64Ptr(limit)
			res, err := c.DescribeInstances(req)
			require.NoError(t, err)
			require.EqualValues(t, len(want), *res.Response.TotalCount, "TotalCount at offset %d", offset)
			if offset >= len(want) {
				require.Empty(t, res.Response.InstanceSet, "past the end")
				break
			}
			require.Len(t, res.Response.InstanceSet, min(limit, len(want)-offset), "page at offset %d", offset)
			for _, inst := range res.Response.InstanceSet {
				id := *inst.InstanceId
				require.False(t, seen[id], "%s listed twice", id)
				seen[id] = true
				got = append(got, id)
				require.True(t, strings.HasPrefix(*inst.Placement.Zone, liveRegion+"-"), "%s is in %s", id, *inst.Placement.Zone)
				require.NotEmpty(t, *inst.InstanceState)
				require.NotEmpty(t, *inst.InstanceChargeType)
			}
		}
		require.Equal(t, want, got, "the pages together are the region's fleet, once each, in a stable order")

		all := cvm.NewDescribeInstancesRequest()
		all.Limit = common.Int64Ptr(100)
		res, err := c.DescribeInstances(all)
		require.NoError(t, err)
		require.Len(t, res.Response.InstanceSet, min(100, len(want)))
		for i, inst := range res.Response.InstanceSet {
			require.Equal(t, want[i], *inst.InstanceId, "one page of 100 agrees with the small pages")
		}

		over := cvm.NewDescribeInstancesRequest()
		over.Limit = common.Int64Ptr(101)
		_, err = c.DescribeInstances(over)
		wantSDKCode(t, err, model.CodeInvalidParameterValue)
	})

	// Every request style the SDK sends (facts §1): the default TC3 JSON
	// POST, TC3 GET, and the older v1 styles, form POST and GET, with both
	// HMACs.
	// Each style gets its own emulator, so that the recorder proves the
	// SDK sent exactly that style, and its own instance.
	styles := []struct {
		name string
		wire string // requestStyle of every request
		tune func(*profile.ClientProfile)
	}{
		{"TC3 JSON POST", "POST application/json TC3", nil},
		{"TC3 GET", "GET TC3", func(p *profile.ClientProfile) { p.HttpProfile.ReqMethod = "GET" }},
		{"v1 HmacSHA256 form POST", "POST application/x-www-form-urlencoded v1 HmacSHA256",
			func(p *profile.ClientProfile) { p.SignMethod = "HmacSHA256" }},
		{"v1 HmacSHA1 form POST", "POST application/x-www-form-urlencoded v1 HmacSHA1",
			func(p *profile.ClientProfile) { p.SignMethod = "HmacSHA1" }},
		{"v1 HmacSHA256 GET", "GET v1 HmacSHA256",
			func(p *profile.ClientProfile) { p.SignMethod = "HmacSHA256"; p.HttpProfile.ReqMethod = "GET" }},
		{"v1 HmacSHA1 GET", "GET v1 HmacSHA1",
			func(p *profile.ClientProfile) { p.SignMethod = "HmacSHA1"; p.HttpProfile.ReqMethod = "GET" }},
	}
	targets := liveTargets(t, len(styles))
	for i, s := range styles {
		id := targets[i]
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			live := liveEmulator(t)
			c := goSDKClient(t, live.Host, live.Cred, s.tune)
			defer func() {
				if !t.Failed() {
					require.Equal(t, []string{s.wire}, live.styles(), "the SDK sent every request in the style under test")
				}
			}()
			require.Equal(t, "RUNNING", *goSDKInstance(t, c, id).InstanceState)

			stop := cvm.NewStopInstancesRequest()
			stop.InstanceIds = common.StringPtrs([]string{id})
			stop.StopType = common.StringPtr("SOFT")
			stop.StoppedMode = common.StringPtr("STOP_CHARGING")
			stopped, err := c.StopInstances(stop)
			require.NoError(t, err)
			stopRID := *stopped.Response.RequestId
			require.Regexp(t, uuidPattern, stopRID)

			inst, states := goSDKWaitFor(t, c, id, "STOPPED")
			require.Subset(t, []string{"STOPPING", "STOPPED"}, states, "the way down")
			require.Equal(t, "StopInstances", *inst.LatestOperation)
			require.Equal(t, "SUCCESS", *inst.LatestOperationState)
			require.Equal(t, stopRID, *inst.LatestOperationRequestId, "the stop's RequestId")
			require.Equal(t, "STOP_CHARGING", *inst.StopChargingMode)

			start := cvm.NewStartInstancesRequest()
			start.InstanceIds = common.StringPtrs([]string{id})
			started, err := c.StartInstances(start)
			require.NoError(t, err)
			startRID := *started.Response.RequestId
			require.Regexp(t, uuidPattern, startRID)
			require.NotEqual(t, stopRID, startRID)

			inst, states = goSDKWaitFor(t, c, id, "RUNNING")
			require.Subset(t, []string{"STARTING", "RUNNING"}, states, "the way up")
			require.Equal(t, "StartInstances", *inst.LatestOperation)
			require.Equal(t, "SUCCESS", *inst.LatestOperationState)
			require.Equal(t, startRID, *inst.LatestOperationRequestId, "the start's RequestId")
			require.Equal(t, "NOT_APPLICABLE", *inst.StopChargingMode)

			// The documented error codes, as the SDK surfaces them.
			many := cvm.NewStopInstancesRequest()
			many.InstanceIds = common.StringPtrs(tooManyIDs())
			_, err = c.StopInstances(many)
			wantSDKCode(t, err, model.CodeLimitExceeded)
			require.Equal(t, "InvalidParameterValue.LimitExceeded", model.CodeLimitExceeded)

			malformed := cvm.NewStopInstancesRequest()
			malformed.InstanceIds = common.StringPtrs([]string{"ins-1122"})
			_, err = c.StopInstances(malformed)
			wantSDKCode(t, err, model.CodeMalformed)
			require.Equal(t, "InvalidInstanceId.Malformed", model.CodeMalformed)

			manyStart := cvm.NewStartInstancesRequest()
			manyStart.InstanceIds = common.StringPtrs(tooManyIDs())
			_, err = c.StartInstances(manyStart)
			wantSDKCode(t, err, model.CodeLimitExceeded)

			malformedStart := cvm.NewStartInstancesRequest()
			malformedStart.InstanceIds = common.StringPtrs([]string{"ins-1122"})
			_, err = c.StartInstances(malformedStart)
			wantSDKCode(t, err, model.CodeMalformed)

			require.Equal(t, "RUNNING", *goSDKInstance(t, c, id).InstanceState, "the refused requests changed nothing")
		})
	}

	t.Run("wrong secret key", func(t *testing.T) {
		t.Parallel()
		live := liveEmulator(t)
		bad := live.Cred
		bad.SecretKey += "x"
		for _, s := range styles {
			c := goSDKClient(t, live.Host, bad, s.tune)
			_, err := c.DescribeInstances(cvm.NewDescribeInstancesRequest())
			wantSDKCode(t, err, "AuthFailure.SignatureFailure")
		}
	})
}
