package passive_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	cvm "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/cvm/v20170312"

	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"

	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/passive"
	"github.com/cvmconform/cvmconform/runner/report"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// The official Go SDK talks to the emulator through the proxy, which
// judges every exchange live.

type liveProxy struct {
	URL   string
	proxy *passive.Proxy
	mu    sync.Mutex
	seen  []passive.Finding
}

func (l *liveProxy) findings() []passive.Finding {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]passive.Finding(nil), l.seen...)
}

func (l *liveProxy) lines() string {
	var out []string
	for _, f := range l.findings() {
		out = append(out, f.String()+"\n"+f.Context)
	}
	return strings.Join(out, "\n")
}

func startProxy(t *testing.T, upstream string, cfg passive.ProxyConfig) *liveProxy {
	t.Helper()
	l := &liveProxy{}
	cfg.Upstream = upstream
	cfg.OnFinding = func(f passive.Finding) {
		l.mu.Lock()
		l.seen = append(l.seen, f)
		l.mu.Unlock()
	}
	p, err := passive.NewProxy(cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	l.URL, l.proxy = srv.URL, p
	return l
}

// styles are request styles of the SDK (facts §1): its default TC3 JSON
// POST, and v1 GET with HmacSHA256.
var styles = map[string]func(*profile.ClientProfile){
	"TC3 JSON POST": nil,
	"v1 GET HmacSHA256": func(p *profile.ClientProfile) {
		p.SignMethod = "HmacSHA256"
		p.HttpProfile.ReqMethod = "GET"
	},
	"v1 form POST HmacSHA1": func(p *profile.ClientProfile) { p.SignMethod = "HmacSHA1" },
}

func TestProxySDKCleanEmulator(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	lp := startProxy(t, e.URL, passive.ProxyConfig{})
	ids := plainInstances(t, 20, len(styles))
	i := 0
	for name, tune := range styles {
		c := sdkClient(t, lp.URL, e.Cred, nil, tune)
		require.Equal(t, "InvalidInstanceId.Malformed", sdkCycle(t, c, ids[i]), name)
		i++
	}
	require.Empty(t, lp.findings(), lp.lines())
	res := lp.proxy.Result()
	require.Empty(t, res.Findings, findingLines(res))
	require.Positive(t, res.Judged)
	require.Equal(t, res.Exchanges, res.Judged)
	require.Equal(t, "rate limit judged on the timeline (too loose only)", res.Rate)
}

func TestProxySDKFaultyEmulator(t *testing.T) {
	t.Parallel()
	for _, fc := range faultCases {
		t.Run(fc.fault, func(t *testing.T) {
			t.Parallel()
			e := startEmulator(t, fc.fault)
			lp := startProxy(t, e.URL, passive.ProxyConfig{})
			c := sdkClient(t, lp.URL, e.Cred, nil, nil)
			sdkCycle(t, c, plainInstances(t, 24+fc.skip, 1)[0])
			var got *passive.Finding
			for _, f := range lp.findings() {
				if strings.Contains(f.Rule, fc.rule) {
					got = &f
					break
				}
			}
			require.NotNil(t, got, "%s: want %s (%s); found:\n%s", fc.fault, fc.rule, fc.reason, lp.lines())
			require.True(t, strings.HasPrefix(got.String(), e.URL+" #"), "the finding names the target and the exchange: %s", got)
			require.Positive(t, got.Index)
		})
	}
}

// hostBound serves e as a target that verifies signatures for its own
// name, whatever Host it is sent, as the real cloud does.
func hostBound(t *testing.T, e *emulator.Embedded) string {
	t.Helper()
	var host string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Host = host
		e.Server.Emulator.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	host = strings.TrimPrefix(srv.URL, "http://")
	return srv.URL
}

func TestProxyResignsForTheUpstreamHost(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	upstream := hostBound(t, e)
	keys := tcapi.KeyMap{e.Cred.SecretID: {SecretKey: e.Cred.SecretKey, Account: runner.MaskSecretID(e.Cred.SecretID)}}
	ids := plainInstances(t, 28, len(styles))

	plain := startProxy(t, upstream, passive.ProxyConfig{})
	_, err := sdkClient(t, plain.URL, e.Cred, nil, nil).DescribeInstances(cvm.NewDescribeInstancesRequest())
	var sdkErr *tcerr.TencentCloudSDKError
	require.ErrorAs(t, err, &sdkErr)
	require.Equal(t, "AuthFailure.SignatureFailure", sdkErr.GetCode(), "signed for the proxy, refused by a target that checks its name")
	require.Empty(t, plain.findings(), "without the key the judge accepts what the target answered")

	lp := startProxy(t, upstream, passive.ProxyConfig{Resign: keys, Judge: passive.Config{Keys: keys}})
	i := 0
	for name, tune := range styles {
		c := sdkClient(t, lp.URL, e.Cred, nil, tune)
		require.Equal(t, "InvalidInstanceId.Malformed", sdkCycle(t, c, ids[i]), name)
		i++
	}
	wrong := e.Cred
	wrong.SecretKey += "x"
	_, err = sdkClient(t, lp.URL, wrong, nil, nil).DescribeInstances(cvm.NewDescribeInstancesRequest())
	require.ErrorAs(t, err, &sdkErr)
	require.Equal(t, "AuthFailure.SignatureFailure", sdkErr.GetCode(), "a bad signature is not laundered")
	require.Empty(t, lp.findings(), lp.lines())
}

func TestProxyTranscriptHoldsNoSecret(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	var buf bytes.Buffer
	lp := startProxy(t, e.URL, passive.ProxyConfig{Transcript: &buf})
	i := 0
	ids := plainInstances(t, 32, len(styles))
	for _, tune := range styles {
		sdkCycle(t, sdkClient(t, lp.URL, e.Cred, nil, tune), ids[i])
		i++
	}
	require.NoError(t, lp.proxy.TranscriptErr())
	text := buf.String()
	require.NotContains(t, text, e.Cred.SecretKey)
	require.NotContains(t, text, e.Cred.SecretID)
	for _, m := range regexp.MustCompile(`Signature=[^,&"\s]*`).FindAllString(text, -1) {
		require.Contains(t, []string{"Signature=(redacted)", "Signature=%28redacted%29"}, m)
	}
	res := judge(t, "proxy.jsonl", buf.Bytes(), passive.Config{})
	require.Empty(t, res.Findings, findingLines(res))
	require.Equal(t, lp.proxy.Result().Exchanges, res.Judged, "the transcript judges again as the proxy judged")
}

func TestProxyUpstreamUnreachable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	lp := startProxy(t, srv.URL, passive.ProxyConfig{})
	res, err := http.Post(lp.URL, "application/json", strings.NewReader("{}"))
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusBadGateway, res.StatusCode)
	r := lp.proxy.Result()
	require.Equal(t, 1, r.Exchanges)
	require.Empty(t, r.Findings, "no answer is no finding")
	require.Equal(t, 1, r.Unanswered, "an error of the proxy's run")
	require.Contains(t, r.UnansweredWhy, "refused")
	require.Zero(t, r.Judged, "nor a judged exchange")
	run := passive.Report(passive.ReportInfo{}, r)
	require.Contains(t, run.Incomplete, "1 of 1 exchanges got no answer from the upstream")
	require.NotEqual(t, report.Conformant, run.Verdict())
}

func TestProxyRefusesConnect(t *testing.T) {
	t.Parallel()
	lp := startProxy(t, "http://127.0.0.1:9", passive.ProxyConfig{})
	req, err := http.NewRequest(http.MethodConnect, lp.URL, nil)
	require.NoError(t, err)
	req.Host = "cvm.tencentcloudapi.com:443"
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
	require.Zero(t, lp.proxy.Result().Exchanges)
}
