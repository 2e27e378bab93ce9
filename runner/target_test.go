package runner_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

const region = "ap-guangzhou"

// embedded starts the reference emulator for one test and closes it when
// the test ends.
func embedded(t testing.TB, o emulator.EmbeddedOptions) *emulator.Embedded {
	t.Helper()
	if o.Latency == 0 {
		o.Latency = 20 * time.Millisecond
	}
	e, err := emulator.StartEmbedded(o)
	if err != nil {
		t.Fatalf("StartEmbedded: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// allowAll is the allow-list of a loopback run with --all-instances.
func allowAll(string) bool { return true }

// target returns a target for the embedded emulator e, adjusted by mods.
func target(t testing.TB, e *emulator.Embedded, mods ...func(*runner.TargetConfig)) *runner.Target {
	t.Helper()
	cfg := runner.TargetConfig{Endpoint: e.URL, Region: region, Cred: e.Cred, Cred2: e.Cred2, Allowed: allowAll}
	for _, m := range mods {
		m(&cfg)
	}
	tg, err := runner.NewTarget(cfg)
	if err != nil {
		t.Fatalf("NewTarget: %v", err)
	}
	return tg
}

func stop(ids ...string) tcapi.Call {
	return tcapi.Call{Action: model.ActionStop, Params: []tcapi.Param{{Name: "InstanceIds", Value: model.Strs(ids...)}}}
}

func describe(params ...tcapi.Param) tcapi.Call {
	return tcapi.Call{Action: model.ActionDescribe, Params: params}
}

func do(t testing.TB, tg *runner.Target, s runner.Send) *runner.Exchange {
	t.Helper()
	x, err := tg.Do(context.Background(), s)
	if err != nil {
		t.Fatalf("Do(%s): %v", s.Call.Action, err)
	}
	return x
}

// header returns the recorded value of header name ("" if absent).
func header(x *runner.Exchange, name string) string {
	for _, h := range x.Headers {
		if v, ok := strings.CutPrefix(h, name+": "); ok {
			return v
		}
	}
	return ""
}

func TestNewTargetRefusesBadConfig(t *testing.T) {
	t.Parallel()
	cred := tcapi.Credential{SecretID: "AKIDexample", SecretKey: "key"}
	tests := []struct {
		name   string
		cfg    runner.TargetConfig
		want   string
		reason string
	}{
		{"no-endpoint", runner.TargetConfig{Cred: cred}, "not an http(s) URL", "an endpoint is required"},
		{"ftp", runner.TargetConfig{Endpoint: "ftp://127.0.0.1", Cred: cred}, "not an http(s) URL", "only http(s)"},
		{"no-key", runner.TargetConfig{Endpoint: "http://127.0.0.1:1", Cred: tcapi.Credential{SecretID: "AKIDexample"}}, "TENCENTCLOUD_SECRET_KEY", "a SecretId alone cannot sign"},
		{"no-id", runner.TargetConfig{Endpoint: "http://127.0.0.1:1", Cred: tcapi.Credential{SecretKey: "key"}}, "TENCENTCLOUD_SECRET_ID", "a key without its id cannot sign"},
	}
	for _, tc := range tests {
		_, err := runner.NewTarget(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: NewTarget = %v; want an error containing %q\nreason: %s", tc.name, err, tc.want, tc.reason)
		}
	}
	tg, err := runner.NewTarget(runner.TargetConfig{Endpoint: "http://127.0.0.1:1", Cred: cred})
	if err != nil {
		t.Fatal(err)
	}
	c := tg.Config()
	if c.Timeout != 10*time.Second || c.StopRateLimit != model.RateLimit(model.ActionStop) ||
		!slices.Equal(c.Signings, []runner.Signing{runner.SignTC3}) {
		t.Fatalf("defaults: Timeout %v, StopRateLimit %d, Signings %v; want 10s, %d, [TC3]", c.Timeout, c.StopRateLimit, c.Signings, model.RateLimit(model.ActionStop))
	}
	if tg.Allowed("ins-12345678") {
		t.Fatal("a target without Allowed allows an instance; want none allowed")
	}
	if tg.HasSecondAccount() {
		t.Fatal("HasSecondAccount without Cred2")
	}
	if tg.Pacer() == nil || tg.Pacer().Interval(model.ActionStop) == 0 {
		t.Fatal("the target's pacer does not pace StopInstances")
	}
}

func TestDoFillsRecordsAndJudges(t *testing.T) {
	t.Parallel()
	e := embedded(t, emulator.EmbeddedOptions{})
	tg := target(t, e)
	if !tg.HasSecondAccount() {
		t.Fatal("HasSecondAccount = false with the emulator's second account")
	}
	before := time.Now().Add(-time.Second)
	x := do(t, tg, runner.Send{Check: "SI-TEST-01", Call: describe(tcapi.Param{Name: "Limit", Value: model.Num(1)})})
	if x.Call.Version != model.APIVersion || x.Call.Region != region || x.Call.Timestamp.Before(before) {
		t.Errorf("Call = Version %q, Region %q, Timestamp %v; want %q, %q, now", x.Call.Version, x.Call.Region, x.Call.Timestamp, model.APIVersion, region)
	}
	if want := "cvmconform/" + runner.Version + " SI-TEST-01"; x.Call.RequestClient != want || header(x, "X-Tc-Requestclient") != want {
		t.Errorf("RequestClient = %q, header %q; want %q", x.Call.RequestClient, header(x, "X-Tc-Requestclient"), want)
	}
	r := x.Request
	if r.Auth != model.AuthOK || r.Account != runner.AccountMain || r.Action != model.ActionDescribe || r.Version != model.APIVersion || r.Region != region {
		t.Errorf("Request = Auth %v, Account %q, Action %q, Version %q, Region %q; want AuthOK, main, DescribeInstances, %s, %s",
			r.Auth, r.Account, r.Action, r.Version, r.Region, model.APIVersion, region)
	}
	if v, ok := r.Param("Limit"); !ok || v.Text != "1" {
		t.Errorf("Request.Params[Limit] = %v, %v; want 1", v, ok)
	}
	if x.Outcome.Code != "" || x.Outcome.Unknown || x.Outcome.RequestID == "" || x.ParseErr != nil || x.Err != nil {
		t.Errorf("Outcome = %+v (ParseErr %v, Err %v); want success with a RequestId", x.Outcome, x.ParseErr, x.Err)
	}
	if x.Status != http.StatusOK || x.Method != http.MethodPost || x.Host != strings.TrimPrefix(e.URL, "http://") {
		t.Errorf("Status %d, Method %s, Host %s", x.Status, x.Method, x.Host)
	}
	if x.Duration() <= 0 || x.Sent.Before(before) {
		t.Errorf("Sent %v, Duration %v", x.Sent, x.Duration())
	}
	if !strings.HasPrefix(x.Answer(), "success, TotalCount ") {
		t.Errorf("Answer() = %q; want success with the TotalCount", x.Answer())
	}

	y := do(t, tg, runner.Send{Check: "SI-TEST-02", Call: stop("ins-1122")})
	if y.Outcome.Code != model.CodeMalformed {
		t.Errorf("stop of ins-1122: Outcome %v; want %s", y.Outcome, model.CodeMalformed)
	}
	if v, _ := y.Request.Param("InstanceIds"); y.Request.Action != model.ActionStop || v.String() != `["ins-1122"]` {
		t.Errorf("Request = %s %v; want StopInstances [ins-1122]", y.Request.Action, v)
	}
	if !strings.HasPrefix(y.Answer(), model.CodeMalformed+": ") {
		t.Errorf("Answer() = %q; want it to start with the code", y.Answer())
	}
	z := do(t, tg, runner.Send{Call: describe(), Second: true})
	if z.Request.Account != runner.AccountSecond || z.Outcome.Code != "" {
		t.Errorf("a Second send: Account %q, Outcome %v; want the second account, success", z.Request.Account, z.Outcome)
	}
	if z.Call.RequestClient != "cvmconform/"+runner.Version {
		t.Errorf("RequestClient without a check = %q", z.Call.RequestClient)
	}
	if x.Seq != 1 || y.Seq != 2 || z.Seq != 3 || tg.Transcript().Len() != 3 {
		t.Errorf("Seq = %d, %d, %d, Len %d; want 1, 2, 3, 3", x.Seq, y.Seq, z.Seq, tg.Transcript().Len())
	}
	if x.Check != "SI-TEST-01" || y.Check != "SI-TEST-02" {
		t.Errorf("Check = %q, %q", x.Check, y.Check)
	}
}

func TestDoSendsTheRequestClientOnTheWire(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		got = append(got, r.Header.Get("X-TC-RequestClient")+r.Form.Get("RequestClient"))
		mu.Unlock()
		fmt.Fprint(w, `{"Response":{"RequestId":"r-1","TotalCount":0,"InstanceSet":[]}}`)
	}))
	t.Cleanup(srv.Close)
	tg, err := runner.NewTarget(runner.TargetConfig{Endpoint: srv.URL, Region: region,
		Cred:     tcapi.Credential{SecretID: "AKIDwireclient", SecretKey: "k"},
		Signings: []runner.Signing{runner.SignTC3, runner.SignHmacSHA256, runner.SignHmacSHA1}})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		_, res, err := tg.Describe(context.Background(), "SI-WIRE-01")
		if err != nil || res.TotalCount != 0 {
			t.Fatalf("Describe: %v, %+v", err, res)
		}
	}
	want := "cvmconform/" + runner.Version + " SI-WIRE-01"
	for i, g := range got {
		if g != want {
			t.Errorf("request %d carried RequestClient %q; want %q", i, g, want)
		}
	}
}

// flipSignature changes one hex digit of a TC3 Authorization's signature.
func flipSignature(r *http.Request) {
	a := r.Header.Get("Authorization")
	i := strings.Index(a, "Signature=") + len("Signature=")
	d := byte('0')
	if a[i] == '0' {
		d = '1'
	}
	r.Header.Set("Authorization", a[:i]+string(d)+a[i+1:])
}

func TestDeliberateBreakageReadsAsSuch(t *testing.T) {
	t.Parallel()
	e := embedded(t, emulator.EmbeddedOptions{})
	tg := target(t, e)

	x := do(t, tg, runner.Send{Call: describe(), Mutate: flipSignature})
	if x.Request.Auth != model.AuthBadSignature || x.Outcome.Code != "AuthFailure.SignatureFailure" {
		t.Errorf("a flipped signature: Auth %v, Outcome %v; want AuthBadSignature, AuthFailure.SignatureFailure", x.Request.Auth, x.Outcome)
	}
	if !strings.Contains(x.Summary(), "wrong signature") {
		t.Errorf("Summary() = %q; want it to say the signature is wrong", x.Summary())
	}

	unknown := tcapi.Credential{SecretID: "AKIDnobodyhasthiskey0000000000", SecretKey: "nope"}
	x = do(t, tg, runner.Send{Call: describe(), Cred: &unknown})
	if x.Request.Auth != model.AuthUnknownSecretID || !strings.HasPrefix(x.Outcome.Code, "AuthFailure.") {
		t.Errorf("an unknown SecretId: Auth %v, Outcome %v; want AuthUnknownSecretID, an AuthFailure", x.Request.Auth, x.Outcome)
	}
	if !strings.Contains(x.Summary(), "unknown SecretId") {
		t.Errorf("Summary() = %q", x.Summary())
	}

	const fsi = "cvm.ap-shanghai-fsi.tencentcloudapi.com"
	x = do(t, tg, runner.Send{Call: tcapi.Call{Action: model.ActionDescribe, Host: fsi}})
	if x.Request.Host != fsi || x.Host != fsi || x.Request.Auth != model.AuthOK {
		t.Errorf("Call.Host %s: Request.Host %q, Host %q, Auth %v; want the override, signed for it", fsi, x.Request.Host, x.Host, x.Request.Auth)
	}
	if !strings.Contains(x.Summary(), "Host "+fsi) {
		t.Errorf("Summary() = %q; want the Host named", x.Summary())
	}

	x = do(t, tg, runner.Send{Call: describe(), Mutate: func(r *http.Request) { r.Header.Del("Authorization") }})
	if x.Request.Auth != model.AuthMissing || !strings.Contains(x.Summary(), "unsigned") || x.Outcome.Code == "" {
		t.Errorf("no Authorization: Auth %v, Summary %q, Outcome %v", x.Request.Auth, x.Summary(), x.Outcome)
	}

	// Send.Endpoint sends elsewhere: here, the same emulator by another name.
	x = do(t, tg, runner.Send{Call: describe(), Endpoint: strings.Replace(e.URL, "127.0.0.1", "localhost", 1)})
	if !strings.HasPrefix(x.Host, "localhost:") || x.Outcome.Code != "" {
		t.Errorf("Send.Endpoint: Host %q, Outcome %v; want localhost, success", x.Host, x.Outcome)
	}
	if _, err := tg.Do(context.Background(), runner.Send{Call: describe(), Endpoint: "ftp://nowhere"}); err == nil {
		t.Error("Do with an ftp Send.Endpoint: no error")
	}
}

func TestEverySigningStyleWorks(t *testing.T) {
	t.Parallel()
	e := embedded(t, emulator.EmbeddedOptions{})
	all := []runner.Signing{runner.SignTC3, runner.SignHmacSHA256, runner.SignHmacSHA1}
	tg := target(t, e, func(c *runner.TargetConfig) { c.Signings = all })
	wantMethod := map[tcapi.Style]string{tcapi.StyleTC3JSON: http.MethodPost, tcapi.StyleV1Get: http.MethodGet, tcapi.StyleV1PostForm: http.MethodPost}
	for i := range 6 {
		x := do(t, tg, runner.Send{Call: describe(tcapi.Param{Name: "Limit", Value: model.Num(2)})})
		sg := all[i%len(all)]
		if x.Call.Style != sg.Style || x.Call.V1Method != sg.V1Method || x.Method != wantMethod[sg.Style] {
			t.Errorf("request %d: %s %s %s; want %s %s %s (rotation)", i, x.Call.Style, x.Call.V1Method, x.Method, sg.Style, sg.V1Method, wantMethod[sg.Style])
		}
		if x.Request.Auth != model.AuthOK || x.Outcome.Code != "" {
			t.Errorf("request %d (%s %s): Auth %v, %s; want AuthOK, success", i, sg.Style, sg.V1Method, x.Request.Auth, x.Answer())
		}
	}
	for _, c := range []tcapi.Call{
		{Action: model.ActionDescribe, Style: tcapi.StyleTC3Get},
		{Action: model.ActionDescribe, Style: tcapi.StyleV1Get},
		{Action: model.ActionDescribe, Style: tcapi.StyleV1PostForm, V1Method: tcapi.HmacSHA256},
	} {
		x := do(t, tg, runner.Send{Call: c, ExactStyle: true})
		if x.Call.Style != c.Style || x.Call.V1Method != c.V1Method || x.Request.Auth != model.AuthOK || x.Outcome.Code != "" {
			t.Errorf("ExactStyle %s %s: sent %s %s, Auth %v, %s; want exactly that style, served", c.Style, c.V1Method,
				x.Call.Style, x.Call.V1Method, x.Request.Auth, x.Answer())
		}
	}
	if _, err := tg.Do(context.Background(), runner.Send{Call: tcapi.Call{Action: model.ActionDescribe, Style: tcapi.StyleV1Get, V1Method: "MD5"}, ExactStyle: true}); err == nil {
		t.Error("Do with V1Method MD5: no error; want the request refused before sending")
	}
}

// TestTranscriptHoldsNoSecret: whatever the style, the recorded URL,
// headers, body and the rendered lines hold neither the SecretKey, nor the
// session token, nor the signature, nor the whole SecretId.
func TestTranscriptHoldsNoSecret(t *testing.T) {
	t.Parallel()
	cred := tcapi.Credential{SecretID: "AKIDredactionTEST0123456789wxyz", SecretKey: "SKredaction-secret-key-0123456789", Token: "TOKsession-token-abcdef0123456789"}
	tc3Sig := regexp.MustCompile(`Signature=([0-9a-f]+)`)
	var mu sync.Mutex
	var sigs []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		if m := tc3Sig.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
			sigs = append(sigs, m[1])
		}
		if s := r.Form.Get("Signature"); s != "" {
			sigs = append(sigs, s)
		}
		if r.Header.Get("X-TC-Token")+r.Form.Get("Token") != cred.Token {
			t.Errorf("the token did not arrive: %s request without it", r.Method)
		}
		mu.Unlock()
		// An answer that echoes nothing secret, as a target should.
		fmt.Fprint(w, `{"Response":{"RequestId":"r-1","Error":{"Code":"InvalidInstanceId.NotFound","Message":"not found"}}}`)
	}))
	t.Cleanup(srv.Close)
	tg, err := runner.NewTarget(runner.TargetConfig{Endpoint: srv.URL, Region: region, Cred: cred, Allowed: allowAll})
	if err != nil {
		t.Fatal(err)
	}
	styles := []tcapi.Call{
		{Style: tcapi.StyleTC3JSON}, {Style: tcapi.StyleTC3Get},
		{Style: tcapi.StyleV1Get}, {Style: tcapi.StyleV1Get, V1Method: tcapi.HmacSHA256},
		{Style: tcapi.StyleV1PostForm}, {Style: tcapi.StyleV1PostForm, V1Method: tcapi.HmacSHA256},
	}
	for _, c := range styles {
		c.Action, c.Params = model.ActionStop, stop("ins-abcd1234").Params
		x := do(t, tg, runner.Send{Check: "SI-REDACT-01", Call: c, ExactStyle: true})
		mu.Lock()
		sig := sigs[len(sigs)-1]
		mu.Unlock()
		if x.Request.Auth != model.AuthOK {
			t.Errorf("%s %s: Auth %v; want the suite to read its own request as signed", c.Style, c.V1Method, x.Request.Auth)
		}
		secrets := map[string]string{"SecretKey": cred.SecretKey, "Token": cred.Token, "signature": sig, "SecretId": cred.SecretID}
		recorded := map[string]string{"URL": x.URL, "Headers": strings.Join(x.Headers, "\n"), "Body": x.Body,
			"Summary": x.Summary(), "Answer": x.Answer(), "Call": fmt.Sprintf("%+v", x.Call), "Request": fmt.Sprintf("%+v", x.Request)}
		for field, text := range recorded {
			unescaped, _ := url.QueryUnescape(text)
			for name, secret := range secrets {
				if strings.Contains(text, secret) || strings.Contains(text, url.QueryEscape(secret)) || strings.Contains(unescaped, secret) {
					t.Errorf("%s %s: the exchange's %s holds the %s", c.Style, c.V1Method, field, name)
				}
			}
		}
		masked := runner.MaskSecretID(cred.SecretID)
		where := strings.Join(x.Headers, "\n")
		if c.Style == tcapi.StyleV1Get {
			where, _ = url.QueryUnescape(x.URL)
		} else if c.Style == tcapi.StyleV1PostForm {
			where, _ = url.QueryUnescape(x.Body)
		}
		if !strings.Contains(where, masked) {
			t.Errorf("%s %s: the masked SecretId %q is not shown", c.Style, c.V1Method, masked)
		}
		if c.Style == tcapi.StyleV1Get || c.Style == tcapi.StyleV1PostForm {
			if !strings.Contains(where, "Signature=(redacted)") || !strings.Contains(where, "Token=(redacted)") {
				t.Errorf("%s %s: want Signature and Token shown as (redacted)", c.Style, c.V1Method)
			}
		} else if header(x, "X-Tc-Token") != "(redacted)" || !strings.Contains(header(x, "Authorization"), "Signature=(redacted)") {
			t.Errorf("%s: want X-TC-Token and the signature shown as (redacted)", c.Style)
		}
	}
}

func TestMaskSecretID(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]string{
		"AKIDabcdefghijklmnop": "AKID…mnop",
		"AKIDwxyz":             "********",
		"short":                "*****",
		"":                     "",
	} {
		if got := runner.MaskSecretID(id); got != want {
			t.Errorf("MaskSecretID(%q) = %q; want %q", id, got, want)
		}
	}
}

func TestAllowListGuard(t *testing.T) {
	t.Parallel()
	e := embedded(t, emulator.EmbeddedOptions{})
	var views []model.View
	{
		tg := target(t, e)
		var err error
		if views, err = tg.Discover(context.Background(), "discovery"); err != nil {
			t.Fatal(err)
		}
	}
	var running []string
	for _, v := range views {
		if v.State == model.Running {
			running = append(running, v.ID)
		}
	}
	allowed, forbidden := running[0], running[1]
	tg := target(t, e, func(c *runner.TargetConfig) { c.Allowed = func(id string) bool { return id == allowed } })
	ids := make([]string, len(views))
	for i, v := range views {
		ids[i] = v.ID
	}
	tg.KnowFleet(ids)
	if !tg.Allowed(allowed) || tg.Allowed(forbidden) {
		t.Fatalf("Allowed(%s) = %v, Allowed(%s) = %v", allowed, tg.Allowed(allowed), forbidden, tg.Allowed(forbidden))
	}
	refused := []struct {
		name string
		call tcapi.Call
	}{
		{"stop", stop(forbidden)},
		{"stop-among-allowed", stop(allowed, forbidden)},
		{"start", tcapi.Call{Action: model.ActionStart, Params: stop(forbidden).Params}},
		{"stop-as-string", tcapi.Call{Action: model.ActionStop, Params: []tcapi.Param{{Name: "InstanceIds", Value: model.Str(forbidden)}}}},
		{"stop-in-object", tcapi.Call{Action: model.ActionStop, Params: []tcapi.Param{{Name: "InstanceIds",
			Value: model.Arr(model.Obj(map[string]model.Value{"Id": model.Str(forbidden)}))}}}},
		{"stop-other-param", tcapi.Call{Action: model.ActionStop, Params: []tcapi.Param{{Name: "Whatever", Value: model.Str(forbidden)}}}},
	}
	for _, r := range refused {
		n := tg.Transcript().Len()
		x, err := tg.Do(context.Background(), runner.Send{Call: r.call, Unpaced: true})
		if err == nil || x != nil || !strings.Contains(err.Error(), forbidden) || !strings.Contains(err.Error(), "allow-list") {
			t.Errorf("%s naming %s outside the allow-list: %v, %v; want refused, naming it", r.name, forbidden, x, err)
		}
		if tg.Transcript().Len() != n {
			t.Errorf("%s: the refused request was recorded (sent?)", r.name)
		}
	}
	for _, s := range []tcapi.Call{
		stop("ins-zzzzzzzz"), // unknown: the target says NotFound, nothing is stopped
		describe(tcapi.Param{Name: "InstanceIds", Value: model.Strs(forbidden)}),
		{Action: "RebootInstances", Params: stop(forbidden).Params}, // not modelled: the target refuses it (InvalidAction)
	} {
		x, err := tg.Do(context.Background(), runner.Send{Call: s})
		if err != nil || x == nil {
			t.Errorf("%s %v: %v; want it sent", s.Action, s.Params, err)
		}
	}
	x := do(t, tg, runner.Send{Call: stop(allowed)})
	if x.Outcome.Code != "" {
		t.Errorf("stopping the allowed %s: %s", allowed, x.Answer())
	}
	// Discover records the fleet for the guard too.
	tg2 := target(t, e, func(c *runner.TargetConfig) { c.Allowed = nil })
	if _, err := tg2.Do(context.Background(), runner.Send{Call: stop(forbidden)}); err != nil {
		t.Fatalf("before discovery the guard knows no instance: %v", err)
	}
	if _, err := tg2.Discover(context.Background(), "discovery"); err != nil {
		t.Fatal(err)
	}
	if _, err := tg2.Do(context.Background(), runner.Send{Call: stop(forbidden)}); err == nil {
		t.Fatal("after Discover with no allow-list, stopping a discovered instance was sent")
	}
}

// closedPort returns a loopback URL nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	return u
}

// hangingServer returns the URL of a server that never answers.
func hangingServer(t *testing.T) string {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	return srv.URL
}

func TestUnreachableHangingAndGarbledTargets(t *testing.T) {
	t.Parallel()
	cred := tcapi.Credential{SecretID: "AKIDodd0000000000000", SecretKey: "k"}
	newTarget := func(endpoint string, timeout time.Duration) *runner.Target {
		tg, err := runner.NewTarget(runner.TargetConfig{Endpoint: endpoint, Region: region, Cred: cred, Timeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		return tg
	}
	t.Run("unreachable", func(t *testing.T) {
		t.Parallel()
		tg := newTarget(closedPort(t), 0)
		x, err := tg.Do(context.Background(), runner.Send{Call: describe()})
		if !errors.Is(err, runner.ErrUnreachable) {
			t.Fatalf("Do at a closed port = %v; want ErrUnreachable", err)
		}
		if x == nil || x.Err == nil || tg.Transcript().Len() != 1 {
			t.Fatalf("the attempt is not recorded: %+v", x)
		}
		if _, _, err := tg.Describe(context.Background(), "c"); !errors.Is(err, runner.ErrUnreachable) {
			t.Fatalf("Describe at a closed port = %v; want ErrUnreachable", err)
		}
		if _, err := tg.Discover(context.Background(), "c"); !errors.Is(err, runner.ErrUnreachable) {
			t.Fatalf("Discover at a closed port = %v; want ErrUnreachable", err)
		}
	})
	t.Run("hangs", func(t *testing.T) {
		t.Parallel()
		tg := newTarget(hangingServer(t), 100*time.Millisecond)
		start := time.Now()
		x, err := tg.Do(context.Background(), runner.Send{Call: stop("ins-abcd1234")})
		if err != nil {
			t.Fatalf("Do at a hanging target = %v; want no error, an unknown outcome", err)
		}
		if !x.Outcome.Unknown || x.Err == nil {
			t.Fatalf("Outcome %+v, Err %v; want Unknown", x.Outcome, x.Err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("took %v with a 100ms timeout", d)
		}
		if !strings.Contains(x.Answer(), "outcome unknown") {
			t.Errorf("Answer() = %q", x.Answer())
		}
		if _, _, err := tg.Describe(context.Background(), "c"); err == nil || !strings.Contains(err.Error(), "outcome unknown") {
			t.Errorf("Describe at a hanging target = %v; want an error saying the outcome is unknown", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		// The caller gave up, not the target: an error, not an unknown
		// outcome a check would judge.
		t.Parallel()
		tg := newTarget(hangingServer(t), time.Minute)
		why := errors.New("the run's budget ran out")
		ctx, cancel := context.WithTimeoutCause(context.Background(), 100*time.Millisecond, why)
		defer cancel()
		x, err := tg.Do(ctx, runner.Send{Call: stop("ins-abcd1234")})
		if !errors.Is(err, runner.ErrCancelled) || !strings.Contains(err.Error(), why.Error()) {
			t.Fatalf("Do cancelled by its caller = %v; want ErrCancelled naming the cause", err)
		}
		if x == nil || x.Err == nil || tg.Transcript().Len() != 1 {
			t.Fatalf("the attempt is not recorded: %+v", x)
		}
	})
	t.Run("not-json", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, "<html>Bad Gateway</html>")
		}))
		t.Cleanup(srv.Close)
		tg := newTarget(srv.URL, 0)
		x, err := tg.Do(context.Background(), runner.Send{Call: describe()})
		if err != nil {
			t.Fatal(err)
		}
		if x.ParseErr == nil || x.Status != http.StatusBadGateway || x.RawResponse != "<html>Bad Gateway</html>" || x.Outcome.Unknown {
			t.Fatalf("ParseErr %v, Status %d, RawResponse %q, Outcome %+v", x.ParseErr, x.Status, x.RawResponse, x.Outcome)
		}
		if a := x.Answer(); !strings.Contains(a, "HTTP 502") || !strings.Contains(a, "not a TencentCloud envelope") {
			t.Errorf("Answer() = %q", a)
		}
		if _, _, err := tg.Describe(context.Background(), "c"); err == nil {
			t.Error("Describe of a non-JSON answer: no error")
		}
	})
	t.Run("describe-refused", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"Response":{"RequestId":"r","Error":{"Code":"AuthFailure.SecretIdNotFound","Message":"who?"}}}`)
		}))
		t.Cleanup(srv.Close)
		tg := newTarget(srv.URL, 0)
		if _, err := tg.Discover(context.Background(), "c"); err == nil || !strings.Contains(err.Error(), "AuthFailure.SecretIdNotFound") {
			t.Errorf("Discover refused = %v; want the code in the error", err)
		}
	})
	t.Run("describe-without-set", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"Response":{"RequestId":"r"}}`)
		}))
		t.Cleanup(srv.Close)
		tg := newTarget(srv.URL, 0)
		if _, err := tg.Discover(context.Background(), "c"); err == nil || !strings.Contains(err.Error(), "TotalCount") {
			t.Errorf("Discover of an answer without InstanceSet = %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		t.Parallel()
		tg := newTarget(closedPort(t), 0)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := tg.Do(ctx, runner.Send{Call: stop("ins-abcd1234")}); !errors.Is(err, context.Canceled) {
			t.Errorf("Do with a cancelled context = %v; want context.Canceled", err)
		}
		if tg.Transcript().Len() != 0 {
			t.Error("a request on a cancelled context was recorded")
		}
	})
}

func TestDiscoverPagesTheWholeFleet(t *testing.T) {
	t.Parallel()
	e := embedded(t, emulator.EmbeddedOptions{})
	tg := target(t, e)
	views, err := tg.Discover(context.Background(), "discovery")
	if err != nil {
		t.Fatal(err)
	}
	if len(views) != 131 {
		t.Errorf("Discover found %d instances; want the default fleet's 131 in %s", len(views), region)
	}
	seen := map[string]bool{}
	for _, v := range views {
		if seen[v.ID] {
			t.Errorf("%s listed twice", v.ID)
		}
		seen[v.ID] = true
		if !model.ValidInstanceID(v.ID) || model.RegionOfZone(v.Zone) != region || !v.State.Valid() {
			t.Errorf("odd view %v", v)
		}
	}
	xs := tg.Transcript().Since(0)
	if len(xs) < 2 {
		t.Fatalf("%d DescribeInstances; want more than one page of 100", len(xs))
	}
	for i, x := range xs {
		off, _ := x.Request.Param("Offset")
		lim, _ := x.Request.Param("Limit")
		if off.Text != fmt.Sprint(i*100) || lim.Text != "100" || x.Check != "discovery" {
			t.Errorf("page %d: Offset %v Limit %v Check %q; want Offset %d Limit 100", i, off, lim, x.Check, i*100)
		}
	}
}

// observerFor discovers the fleet and returns an observer that knows it.
func observerFor(t *testing.T, tg *runner.Target) (*model.Observer, []model.View) {
	t.Helper()
	views, err := tg.Discover(context.Background(), "discovery")
	if err != nil {
		t.Fatal(err)
	}
	obs := model.NewObserver(runner.AccountMain, region, model.Lenient)
	for _, v := range views {
		obs.Discover(v)
	}
	return obs, views
}

func firstIn(views []model.View, st model.InstanceState, n int) []string {
	var ids []string
	for _, v := range views {
		if v.State == st && len(ids) < n {
			ids = append(ids, v.ID)
		}
	}
	return ids
}

func TestSettleWaitsForStopped(t *testing.T) {
	t.Parallel()
	e := embedded(t, emulator.EmbeddedOptions{})
	tg := target(t, e)
	obs, views := observerFor(t, tg)
	ids := firstIn(views, model.Running, 3)
	x := do(t, tg, runner.Send{Call: tcapi.Call{Action: model.ActionStop, Params: []tcapi.Param{
		{Name: "InstanceIds", Value: model.Strs(ids...)}, {Name: "StopType", Value: model.Str("HARD")}}}})
	if _, f := obs.Exchange(x.Request, model.Env{Now: x.Sent, Limited: model.Maybe}, x.Outcome); f != nil || x.Outcome.Code != "" {
		t.Fatalf("the stop: %s; finding %v", x.Answer(), f)
	}
	n := tg.Transcript().Len()
	s, err := tg.Settle(context.Background(), "settle", obs, ids, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Findings) > 0 || len(s.Unsettled) > 0 {
		t.Fatalf("Settle against the reference emulator: findings %v, unsettled %v; want none", s.Findings, s.Unsettled)
	}
	if tg.Transcript().Len() == n {
		t.Fatal("Settle sent no DescribeInstances")
	}
	for _, id := range ids {
		if !obs.Settled(id) {
			t.Errorf("%s is not settled in the observer after Settle", id)
		}
		for _, p := range obs.Possible(id) {
			if p.State != model.Stopped {
				t.Errorf("%s may still be %s; want STOPPED", id, p.State)
			}
		}
	}
	_, res, err := tg.Describe(context.Background(), "check", tcapi.Param{Name: "InstanceIds", Value: model.Strs(ids...)})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range res.Instances {
		if v.State != model.Stopped {
			t.Errorf("%s is %s after Settle; want STOPPED", v.ID, v.State)
		}
	}
	// Already settled: one look is enough.
	n = tg.Transcript().Len()
	if s, err := tg.Settle(context.Background(), "settle", obs, ids, time.Second); err != nil || len(s.Findings)+len(s.Unsettled) > 0 {
		t.Fatalf("Settle of settled instances: %+v, %v", s, err)
	}
	if got := tg.Transcript().Len() - n; got != 1 {
		t.Errorf("Settle of settled instances sent %d requests; want 1", got)
	}
}

func TestSettleGivesUpOnAStuckInstance(t *testing.T) {
	t.Parallel()
	e := embedded(t, emulator.EmbeddedOptions{Faults: []string{"stuck-stopping"}})
	tg := target(t, e)
	obs, views := observerFor(t, tg)
	ids := firstIn(views, model.Running, 2)
	x := do(t, tg, runner.Send{Call: stop(ids...)})
	obs.Exchange(x.Request, model.Env{Now: x.Sent, Limited: model.Maybe}, x.Outcome)
	start := time.Now()
	s, err := tg.Settle(context.Background(), "settle", obs, ids, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Unsettled, ids) {
		t.Fatalf("Unsettled = %v; want %v, stuck in STOPPING", s.Unsettled, ids)
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 5*time.Second {
		t.Errorf("Settle gave up after %v; want soon after its 300ms timeout", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	if _, err := tg.Settle(ctx, "settle", obs, ids, time.Minute); err == nil {
		t.Error("Settle past its context's deadline: no error")
	}
	// An ID the target does not list is not waited for.
	if s, err := tg.Settle(context.Background(), "settle", obs, []string{"ins-zzzzzzzz"}, time.Minute); err != nil || len(s.Unsettled) > 0 {
		t.Errorf("Settle of an unlisted ID: %+v, %v; want it done at once", s, err)
	}
}

func TestParseDescribe(t *testing.T) {
	t.Parallel()
	const instance = `{"InstanceId":"ins-abcd1234","InstanceState":"STOPPED","InstanceChargeType":"POSTPAID_BY_HOUR",
		"Placement":{"Zone":"ap-guangzhou-3"},"SystemDisk":{"DiskType":"CLOUD_SSD"},
		"DataDisks":[{"DiskType":"CLOUD_PREMIUM"},{"DiskType":"LOCAL_SSD"}],"StopChargingMode":"STOP_CHARGING",
		"LatestOperation":"StopInstances","LatestOperationState":"SUCCESS","LatestOperationRequestId":"req-1","Extra":1}`
	const cloudOnly = `{"InstanceId":"ins-efgh5678","InstanceState":"RUNNING","DataDisks":[{"DiskType":"CLOUD_SSD"}],
		"LatestOperation":null,"LatestOperationState":null,"LatestOperationRequestId":null}`
	tests := []struct {
		name    string
		fields  map[string]string
		want    model.DescribeResult
		wantErr string
		reason  string
	}{
		{name: "well-formed", fields: map[string]string{"TotalCount": "2", "InstanceSet": "[" + instance + "," + cloudOnly + "]"},
			want: model.DescribeResult{TotalCount: 2, Instances: []model.View{
				{ID: "ins-abcd1234", Zone: "ap-guangzhou-3", State: model.Stopped, ChargeType: model.PostpaidByHour,
					SystemDisk: model.CloudSSD, LocalDataDisk: true, StopChargingMode: model.StopCharging,
					LatestOperation: model.ActionStop, LatestOperationState: model.OpSuccess, LatestOperationRequestID: "req-1"},
				{ID: "ins-efgh5678", State: model.Running}}},
			reason: "every field the model reads; a local data disk among cloud ones makes LocalDataDisk; null operations read as none"},
		{name: "empty", fields: map[string]string{"TotalCount": "0", "InstanceSet": "[]"},
			want: model.DescribeResult{}, reason: "an empty page"},
		{name: "no-total", fields: map[string]string{"InstanceSet": "[]"}, wantErr: "lacks TotalCount or InstanceSet",
			reason: "TotalCount is part of the answer (facts §9)"},
		{name: "no-set", fields: map[string]string{"TotalCount": "0"}, wantErr: "lacks TotalCount or InstanceSet",
			reason: "so is InstanceSet"},
		{name: "total-string", fields: map[string]string{"TotalCount": `"3"`, "InstanceSet": "[]"}, wantErr: "TotalCount",
			reason: "TotalCount is an Integer"},
		{name: "set-object", fields: map[string]string{"TotalCount": "1", "InstanceSet": "{}"}, wantErr: "InstanceSet",
			reason: "InstanceSet is an array"},
		{name: "state-number", fields: map[string]string{"TotalCount": "1", "InstanceSet": `[{"InstanceId":"ins-abcd1234","InstanceState":7}]`},
			wantErr: "InstanceSet", reason: "InstanceState is a String"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tcapi.Response{RequestID: "r", Fields: map[string]json.RawMessage{}}
			for k, v := range tc.fields {
				r.Fields[k] = json.RawMessage(v)
			}
			got, err := runner.ParseDescribe(r)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseDescribe = %+v, %v; want an error containing %q\nreason: %s", got, err, tc.wantErr, tc.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDescribe: %v\nreason: %s", err, tc.reason)
			}
			if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", tc.want) {
				t.Fatalf("ParseDescribe mismatch:\n got %+v\nwant %+v\nreason: %s", got, tc.want, tc.reason)
			}
		})
	}
}

func TestTranscriptSinceAndLen(t *testing.T) {
	t.Parallel()
	// An httptest server, not the emulator: concurrent requests can leave
	// the client a connection it dialled but never used, and the
	// emulator's Close waits 5 s for such a connection (httptest's Close
	// closes it at once).
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"Response":{"RequestId":"r-1","TotalCount":0,"InstanceSet":[]}}`)
	}))
	t.Cleanup(srv.Close)
	tg, err := runner.NewTarget(runner.TargetConfig{Endpoint: srv.URL, Region: region, Cred: tcapi.Credential{SecretID: "AKIDtranscript", SecretKey: "k"}})
	if err != nil {
		t.Fatal(err)
	}
	tr := tg.Transcript()
	if tr.Len() != 0 || len(tr.Since(0)) != 0 {
		t.Fatalf("a new transcript: Len %d", tr.Len())
	}
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if _, err := tg.Do(context.Background(), runner.Send{Call: describe(), Unpaced: true}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if tr.Len() != 5 {
		t.Fatalf("Len = %d; want 5", tr.Len())
	}
	all := tr.Since(0)
	for i, x := range all {
		if x.Seq != i+1 {
			t.Errorf("exchange %d has Seq %d", i, x.Seq)
		}
	}
	if got := tr.Since(3); len(got) != 2 || got[0] != all[3] {
		t.Errorf("Since(3) = %d exchanges; want the last 2", len(got))
	}
	if got := tr.Since(5); len(got) != 0 {
		t.Errorf("Since(Len) = %d exchanges; want none", len(got))
	}
	if got := tr.Since(99); got != nil {
		t.Errorf("Since(99) = %v; want nil", got)
	}
	got := tr.Since(0)
	got[0] = nil
	if tr.Since(0)[0] == nil {
		t.Error("Since returns the transcript's own slice; want a copy")
	}
}

func TestExchangeWording(t *testing.T) {
	t.Parallel()
	sent := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	stopCall := tcapi.Call{Action: model.ActionStop, Region: region, Params: []tcapi.Param{
		{Name: "InstanceIds", Value: model.Strs("ins-r8hr2upy")}, {Name: "StopType", Value: model.Str("HARD")}}}
	base := runner.Exchange{Call: stopCall, Sent: sent, Received: sent.Add(12 * time.Millisecond), Status: 200}
	tests := []struct {
		name    string
		mod     func(*runner.Exchange)
		summary string
		answer  string
	}{
		{"success", func(x *runner.Exchange) { x.Response = tcapi.Response{RequestID: "req-1"} },
			`StopInstances {"InstanceIds":["ins-r8hr2upy"],"StopType":"HARD"} (TC3JSON, ap-guangzhou)`,
			"success (RequestId req-1, 12ms)"},
		{"describe", func(x *runner.Exchange) {
			x.Call = tcapi.Call{Action: model.ActionDescribe, Style: tcapi.StyleV1Get}
			x.Response = tcapi.Response{RequestID: "req-2", Fields: map[string]json.RawMessage{"TotalCount": json.RawMessage("131")}}
		}, "DescribeInstances {} (V1Get HmacSHA1)", "success, TotalCount 131 (RequestId req-2, 12ms)"},
		{"error", func(x *runner.Exchange) {
			x.Call.Style, x.Call.V1Method = tcapi.StyleV1PostForm, tcapi.HmacSHA256
			x.Response = tcapi.Response{RequestID: "req-3", Error: &tcapi.APIError{Code: model.CodeNotFound, Message: "no such instance"}}
		}, `StopInstances {"InstanceIds":["ins-r8hr2upy"],"StopType":"HARD"} (V1PostForm HmacSHA256, ap-guangzhou)`,
			`InvalidInstanceId.NotFound: "no such instance" (RequestId req-3, 12ms)`},
		{"unknown", func(x *runner.Exchange) {
			x.Err = errors.New("context deadline exceeded")
			x.Outcome.Unknown = true
		}, "", "no answer: context deadline exceeded (outcome unknown)"},
		{"unparsable", func(x *runner.Exchange) {
			x.Status, x.RawResponse, x.ParseErr = 502, "<html>", errors.New("not JSON")
		}, "", `HTTP 502, not a TencentCloud envelope: not JSON: "<html>"`},
		{"no-action", func(x *runner.Exchange) {
			x.Call = tcapi.Call{Host: "cvm.tencentcloudapi.com"}
			x.Host = "cvm.tencentcloudapi.com"
			x.Request.Auth = model.AuthBadToken
		}, "(no Action) {} (TC3JSON, Host cvm.tencentcloudapi.com, wrong token)", ""},
	}
	for _, tc := range tests {
		x := base
		tc.mod(&x)
		if tc.summary != "" && x.Summary() != tc.summary {
			t.Errorf("%s: Summary() =\n  %s\nwant\n  %s", tc.name, x.Summary(), tc.summary)
		}
		if tc.answer != "" && x.Answer() != tc.answer {
			t.Errorf("%s: Answer() =\n  %s\nwant\n  %s", tc.name, x.Answer(), tc.answer)
		}
	}
}

// TestUnansweredRequestsHoldNoSecret: when a v1 GET (whose URL carries
// SecretId, Signature and Token) gets no answer, neither the recorded
// error, nor Answer, nor the error Do returns repeats the URL's secrets:
// the CLI prints that error.
func TestUnansweredRequestsHoldNoSecret(t *testing.T) {
	t.Parallel()
	cred := tcapi.Credential{SecretID: "AKIDunansweredTEST0123456789wxyz", SecretKey: "SKunanswered-secret-key-0123456789", Token: "TOKunanswered-token-abcdef0123456789"}
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })
	for _, endpoint := range []string{closedPort(t), hang.URL} {
		tg, err := runner.NewTarget(runner.TargetConfig{Endpoint: endpoint, Region: region, Cred: cred, Timeout: 100 * time.Millisecond,
			Signings: []runner.Signing{runner.SignHmacSHA256}})
		if err != nil {
			t.Fatal(err)
		}
		x, doErr := tg.Do(context.Background(), runner.Send{Call: stop("ins-abcd1234")})
		if x == nil || x.Err == nil {
			t.Fatalf("%s: want no answer, got an exchange %v", endpoint, x != nil)
		}
		if u, err := url.Parse(x.URL); err != nil || u.Query().Get("Signature") != "(redacted)" {
			t.Errorf("%s: the recorded URL does not show Signature=(redacted)", endpoint)
		}
		sigParam := regexp.MustCompile(`Signature=([^&"\s]*)`)
		texts := map[string]string{"Err": x.Err.Error(), "Answer": x.Answer(), "URL": x.URL}
		if doErr != nil {
			texts["Do's error"] = doErr.Error()
		}
		for field, text := range texts {
			unescaped, _ := url.QueryUnescape(text)
			for name, secret := range map[string]string{"SecretKey": cred.SecretKey, "Token": cred.Token, "SecretId": cred.SecretID} {
				if strings.Contains(text, secret) || strings.Contains(unescaped, secret) {
					t.Errorf("%s: %s holds the %s", endpoint, field, name)
				}
			}
			for _, m := range sigParam.FindAllStringSubmatch(unescaped, -1) {
				if m[1] != "(redacted)" {
					t.Errorf("%s: %s holds the signature", endpoint, field)
				}
			}
		}
	}
}

// A paced DescribeInstances the target refuses for the rate is sent again
// after a rest, RateRetries times at most: lanes sharing one pacer may
// reach the target bunched, and the refusal tested nothing.
func TestDescribeRetriesARateRefusal(t *testing.T) {
	t.Parallel()
	for _, refusals := range []int{1, runner.RateRetries + 1} {
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if int(n.Add(1)) <= refusals {
				fmt.Fprint(w, `{"Response":{"Error":{"Code":"RequestLimitExceeded","Message":"slow down"},"RequestId":"r"}}`)
				return
			}
			fmt.Fprint(w, `{"Response":{"TotalCount":0,"InstanceSet":[],"RequestId":"r"}}`)
		}))
		tg, err := runner.NewTarget(runner.TargetConfig{Endpoint: srv.URL, Region: region,
			Cred: tcapi.Credential{SecretID: "AKIDodd0000000000000", SecretKey: "k"}})
		require.NoError(t, err)
		_, _, err = tg.Describe(context.Background(), "c")
		srv.Close()
		if refusals <= runner.RateRetries {
			require.NoError(t, err)
		} else {
			require.ErrorContains(t, err, "RequestLimitExceeded")
		}
		require.Equal(t, min(refusals, runner.RateRetries)+1, tg.Transcript().Len())
	}
}
