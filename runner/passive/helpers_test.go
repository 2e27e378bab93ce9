package passive_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/require"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	cvm "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/cvm/v20170312"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/passive"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Shared by the package's tests: an emulator, a recorder between the
// official Go SDK and it, a stop/start cycle as a user's program would
// drive it, and writers of every recording format the judge reads.

const (
	testRegion = "ap-guangzhou"
	// pollEvery paces the cycle's DescribeInstances under the documented
	// 40 a second.
	pollEvery = 30 * time.Millisecond
)

// startEmulator starts the reference emulator with a short latency.
func startEmulator(t *testing.T, faults ...string) *emulator.Embedded {
	t.Helper()
	return startEmulatorWith(t, emulator.EmbeddedOptions{Faults: faults})
}

// startEmulatorWith starts the reference emulator with o, and a short
// latency.
func startEmulatorWith(t *testing.T, o emulator.EmbeddedOptions) *emulator.Embedded {
	t.Helper()
	o.Latency = 20 * time.Millisecond
	e, err := emulator.StartEmbedded(o)
	require.NoError(t, err)
	t.Cleanup(func() { e.Close() })
	return e
}

// plainInstances returns n RUNNING instances of the default account in
// testRegion that stop and start plainly: pay-as-you-go on cloud disks,
// no data disks, a guest that honours a soft stop. skip leaves out the
// first ones, so that tests sharing nothing can take their own.
func plainInstances(t *testing.T, skip, n int) []string {
	t.Helper()
	var out []string
	for _, fi := range emulator.DefaultFleet().Accounts[0].Instances {
		if fi.State == string(model.Running) && model.RegionOfZone(fi.Zone) == testRegion &&
			fi.ChargeType == string(model.PostpaidByHour) && !model.DiskType(fi.SystemDisk.Type).Local() &&
			len(fi.DataDisks) == 0 && !fi.IgnoresSoftStop {
			out = append(out, fi.ID)
		}
	}
	require.GreaterOrEqual(t, len(out), skip+n)
	return out[skip : skip+n]
}

// recorded is one exchange as the test recorder saw it.
type recorded struct {
	method, url, host string
	header            http.Header
	body              []byte
	status            int
	respHeader        http.Header
	resp              []byte
	sent, received    time.Time
}

// recorder is an http.RoundTripper that records every exchange.
type recorder struct {
	mu  sync.Mutex
	all []recorded
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	sent := time.Now()
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	rb, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(rb))
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	r.mu.Lock()
	r.all = append(r.all, recorded{method: req.Method, url: req.URL.String(), host: host, header: req.Header.Clone(), body: body,
		status: res.StatusCode, respHeader: res.Header.Clone(), resp: rb, sent: sent, received: time.Now()})
	r.mu.Unlock()
	return res, nil
}

// action is the X-TC-Action a recorded request was sent with (the SDK
// sets its headers under their own spelling, not Go's canonical one).
func action(r recorded) string {
	for k, vs := range r.header {
		if strings.EqualFold(k, "X-TC-Action") && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

func (r *recorder) exchanges() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.all)
}

// sdkClient is an official Go SDK client of the emulator at base URL
// (http://host:port), with tune applied to its profile and rt, when not
// nil, as its transport.
func sdkClient(t *testing.T, base string, cred tcapi.Credential, rt http.RoundTripper, tune func(*profile.ClientProfile)) *cvm.Client {
	t.Helper()
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = strings.TrimPrefix(base, "http://")
	cpf.HttpProfile.Scheme = "http"
	cpf.HttpProfile.ReqTimeout = 10
	if tune != nil {
		tune(cpf)
	}
	c, err := cvm.NewClient(common.NewCredential(cred.SecretID, cred.SecretKey), testRegion, cpf)
	require.NoError(t, err)
	if rt != nil {
		c.WithHttpTransport(rt)
	}
	return c
}

// describe describes one instance through the SDK.
func describe(t *testing.T, c *cvm.Client, id string) *cvm.Instance {
	t.Helper()
	req := cvm.NewDescribeInstancesRequest()
	req.InstanceIds = common.StringPtrs([]string{id})
	res, err := c.DescribeInstances(req)
	require.NoError(t, err)
	require.Len(t, res.Response.InstanceSet, 1)
	return res.Response.InstanceSet[0]
}

// waitFor polls until the instance is in state.
func waitFor(t *testing.T, c *cvm.Client, id, state string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for *describe(t, c, id).InstanceState != state {
		require.True(t, time.Now().Before(deadline), "%s: not %s in time", id, state)
		time.Sleep(pollEvery)
	}
}

// sdkCycle drives one instance as a user's program would: look at it,
// stop it (SOFT, STOP_CHARGING) and wait, start it and wait, then make a
// mistake: a malformed ID (seed §6 "ins-1122"). It returns the code the
// mistake got.
func sdkCycle(t *testing.T, c *cvm.Client, id string) string {
	t.Helper()
	require.Equal(t, "RUNNING", *describe(t, c, id).InstanceState)
	stop := cvm.NewStopInstancesRequest()
	stop.InstanceIds = common.StringPtrs([]string{id})
	stop.StopType = common.StringPtr("SOFT")
	stop.StoppedMode = common.StringPtr("STOP_CHARGING")
	_, err := c.StopInstances(stop)
	require.NoError(t, err)
	waitFor(t, c, id, "STOPPED")
	start := cvm.NewStartInstancesRequest()
	start.InstanceIds = common.StringPtrs([]string{id})
	_, err = c.StartInstances(start)
	require.NoError(t, err)
	waitFor(t, c, id, "RUNNING")
	bad := cvm.NewStopInstancesRequest()
	bad.InstanceIds = common.StringPtrs([]string{"ins-1122"})
	_, err = c.StopInstances(bad)
	var sdkErr *tcerr.TencentCloudSDKError
	require.ErrorAs(t, err, &sdkErr)
	return sdkErr.GetCode()
}

// recordCycle records sdkCycle on one fresh instance of an emulator with
// the given faults.
func recordCycle(t *testing.T, skip int, faults ...string) []recorded {
	t.Helper()
	e := startEmulator(t, faults...)
	rec := &recorder{}
	c := sdkClient(t, e.URL, e.Cred, rec, nil)
	sdkCycle(t, c, plainInstances(t, skip, 1)[0])
	return rec.exchanges()
}

// --- writers of every format, as the recorders of each write them ---

type format struct {
	name  string
	want  passive.Format
	write func([]recorded) []byte
}

var formats = []format{
	{"vcrpy", passive.FormatVCRPy, func(rs []recorded) []byte { return vcrpyCassette(rs, false) }},
	{"vcrpy-binary", passive.FormatVCRPy, func(rs []recorded) []byte { return vcrpyCassette(rs, true) }},
	{"go-vcr-v1", passive.FormatGoVCR1, goVCR1Cassette},
	{"go-vcr-v4", passive.FormatGoVCR2, goVCR2Cassette},
	{"har", passive.FormatHAR, harFile},
}

// binaryBody marshals as YAML !!binary, as vcrpy writes a bytes body.
type binaryBody []byte

func (b binaryBody) MarshalYAML() ([]byte, error) {
	return []byte("!!binary " + base64.StdEncoding.EncodeToString(b)), nil
}

func headerMap(h http.Header) yaml.MapSlice {
	var out yaml.MapSlice
	for _, k := range slices.Sorted(maps.Keys(h)) {
		out = append(out, yaml.MapItem{Key: k, Value: h[k]})
	}
	return out
}

func mustYAML(v any) []byte {
	b, err := yaml.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// vcrpyCassette writes rs as vcrpy does (version 1; bodies as strings,
// or as !!binary when binary).
func vcrpyCassette(rs []recorded, binary bool) []byte {
	var inter []any
	for _, r := range rs {
		h := r.header.Clone()
		h.Set("Host", r.host)
		var body, resp any = string(r.body), string(r.resp)
		if binary {
			body, resp = binaryBody(r.body), binaryBody(r.resp)
		}
		if len(r.body) == 0 {
			body = nil
		}
		inter = append(inter, yaml.MapSlice{
			{Key: "request", Value: yaml.MapSlice{{Key: "body", Value: body}, {Key: "headers", Value: headerMap(h)},
				{Key: "method", Value: r.method}, {Key: "uri", Value: r.url}}},
			{Key: "response", Value: yaml.MapSlice{{Key: "body", Value: yaml.MapSlice{{Key: "string", Value: resp}}},
				{Key: "headers", Value: headerMap(r.respHeader)},
				{Key: "status", Value: yaml.MapSlice{{Key: "code", Value: r.status}, {Key: "message", Value: http.StatusText(r.status)}}}}},
		})
	}
	return mustYAML(yaml.MapSlice{{Key: "interactions", Value: inter}, {Key: "version", Value: 1}})
}

// goVCR1Cassette writes rs as go-vcr v2 does (cassette version 1).
func goVCR1Cassette(rs []recorded) []byte {
	var inter []any
	for _, r := range rs {
		inter = append(inter, yaml.MapSlice{
			{Key: "request", Value: yaml.MapSlice{{Key: "body", Value: string(r.body)}, {Key: "form", Value: map[string][]string{}},
				{Key: "headers", Value: headerMap(r.header)}, {Key: "url", Value: r.url}, {Key: "method", Value: r.method}}},
			{Key: "response", Value: yaml.MapSlice{{Key: "body", Value: string(r.resp)}, {Key: "headers", Value: headerMap(r.respHeader)},
				{Key: "status", Value: fmt.Sprintf("%d %s", r.status, http.StatusText(r.status))}, {Key: "code", Value: r.status},
				{Key: "duration", Value: r.received.Sub(r.sent).String()}}},
		})
	}
	return mustYAML(yaml.MapSlice{{Key: "version", Value: 1}, {Key: "interactions", Value: inter}})
}

// goVCR2Cassette writes rs as go-vcr v4 does (cassette version 2).
func goVCR2Cassette(rs []recorded) []byte {
	var inter []any
	for i, r := range rs {
		inter = append(inter, yaml.MapSlice{
			{Key: "id", Value: i},
			{Key: "request", Value: yaml.MapSlice{{Key: "proto", Value: "HTTP/1.1"}, {Key: "proto_major", Value: 1}, {Key: "proto_minor", Value: 1},
				{Key: "content_length", Value: len(r.body)}, {Key: "host", Value: r.host}, {Key: "body", Value: string(r.body)},
				{Key: "headers", Value: headerMap(r.header)}, {Key: "url", Value: r.url}, {Key: "method", Value: r.method}}},
			{Key: "response", Value: yaml.MapSlice{{Key: "proto", Value: "HTTP/1.1"}, {Key: "proto_major", Value: 1}, {Key: "proto_minor", Value: 1},
				{Key: "content_length", Value: len(r.resp)}, {Key: "body", Value: string(r.resp)}, {Key: "headers", Value: headerMap(r.respHeader)},
				{Key: "status", Value: fmt.Sprintf("%d %s", r.status, http.StatusText(r.status))}, {Key: "code", Value: r.status},
				{Key: "duration", Value: r.received.Sub(r.sent).String()}}},
		})
	}
	return mustYAML(yaml.MapSlice{{Key: "version", Value: 2}, {Key: "interactions", Value: inter}})
}

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func harHeaders(h http.Header) []harNV {
	var out []harNV
	for k, vs := range h {
		for _, v := range vs {
			out = append(out, harNV{k, v})
		}
	}
	return out
}

// harFile writes rs as HAR 1.2, as browsers' developer tools export it.
func harFile(rs []recorded) []byte {
	type entry struct {
		StartedDateTime string  `json:"startedDateTime"`
		Time            float64 `json:"time"`
		Request         any     `json:"request"`
		Response        any     `json:"response"`
		Timings         any     `json:"timings"`
	}
	var entries []entry
	for _, r := range rs {
		h := r.header.Clone()
		h.Set("Host", r.host)
		req := map[string]any{"method": r.method, "url": r.url, "httpVersion": "HTTP/1.1", "headers": harHeaders(h),
			"queryString": []any{}, "headersSize": -1, "bodySize": len(r.body)}
		if len(r.body) > 0 {
			req["postData"] = map[string]any{"mimeType": r.header.Get("Content-Type"), "text": string(r.body)}
		}
		entries = append(entries, entry{StartedDateTime: r.sent.UTC().Format(time.RFC3339Nano),
			Time:    float64(r.received.Sub(r.sent)) / float64(time.Millisecond),
			Request: req,
			Response: map[string]any{"status": r.status, "statusText": http.StatusText(r.status), "httpVersion": "HTTP/1.1",
				"headers": harHeaders(r.respHeader), "content": map[string]any{"size": len(r.resp), "mimeType": "application/json", "text": string(r.resp)},
				"redirectURL": "", "headersSize": -1, "bodySize": len(r.resp)},
			Timings: map[string]any{"send": 0, "wait": 0, "receive": 0}})
	}
	b, err := json.MarshalIndent(map[string]any{"log": map[string]any{"version": "1.2",
		"creator": map[string]any{"name": "cvmconform tests", "version": "1"}, "entries": entries}}, "", "  ")
	if err != nil {
		panic(err)
	}
	return b
}

// judge reads and judges a recording written in memory.
func judge(t *testing.T, name string, data []byte, cfg passive.Config) *passive.Result {
	t.Helper()
	rec, err := passive.Read(name, data)
	require.NoError(t, err)
	return passive.JudgeRecording(cfg, rec)
}

// findingLines lists a result's findings, one a line, for messages.
func findingLines(r *passive.Result) string {
	var lines []string
	for _, f := range r.Findings {
		lines = append(lines, f.String()+"\n"+f.Context)
	}
	return strings.Join(lines, "\n")
}

// firstOf returns the first finding whose rules include rule, or nil.
func firstOf(r *passive.Result, rule string) *passive.Finding {
	for i, f := range r.Findings {
		if slices.Contains(strings.Split(f.Rule, ", "), rule) {
			return &r.Findings[i]
		}
	}
	return nil
}
