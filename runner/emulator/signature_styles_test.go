package emulator

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
)

// The two older signature styles (facts §1 styles C and D, §3), built by
// hand with net/http and url.Values, independently of runner/tcapi: a GET
// with every parameter in the query, and a form POST with every parameter
// in the body, each signed with HmacSHA1 (SignatureMethod absent or
// explicit) and HmacSHA256.

// v1StringToSign is facts §3 steps 1–3: METHOD + host + "/?" + every
// parameter but Signature as a raw name=value, sorted by name in byte
// order, joined by "&".
func v1StringToSign(method, host string, params url.Values) string {
	names := make([]string, 0, len(params))
	for name := range params {
		if name != "Signature" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	pairs := make([]string, 0, len(names))
	for _, name := range names {
		pairs = append(pairs, name+"="+params.Get(name))
	}
	return method + host + "/?" + strings.Join(pairs, "&")
}

// v1Sign is facts §3 step 4: Base64 of the HMAC of the string to sign,
// SHA-256 for "HmacSHA256", SHA-1 otherwise.
func v1Sign(signatureMethod, secretKey, stringToSign string) string {
	h := func() hash.Hash { return sha1.New() }
	if signatureMethod == "HmacSHA256" {
		h = sha256.New
	}
	m := hmac.New(h, []byte(secretKey))
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// v1Style is one way to send a v1 request.
type v1Style struct {
	name            string
	method          string // GET or POST
	signatureMethod string // "" (HmacSHA1 by default), "HmacSHA1" or "HmacSHA256"
}

// v1Client sends hand-built v1 requests to one server.
type v1Client struct {
	t          *testing.T
	live       *liveServer
	style      v1Style
	id, key    string
	tamper     bool // change one character of the signature
	timeOffset time.Duration
}

// v1Response is the envelope of a response, as the documentation
// describes it (facts §5).
type v1Response struct {
	Response struct {
		Error *struct {
			Code    string `json:"Code"`
			Message string `json:"Message"`
		} `json:"Error"`
		RequestID   string `json:"RequestId"`
		TotalCount  *int   `json:"TotalCount"`
		InstanceSet []struct {
			InstanceID               string  `json:"InstanceId"`
			InstanceState            string  `json:"InstanceState"`
			LatestOperation          *string `json:"LatestOperation"`
			LatestOperationState     *string `json:"LatestOperationState"`
			LatestOperationRequestID *string `json:"LatestOperationRequestId"`
		} `json:"InstanceSet"`
	} `json:"Response"`
}

// call signs and sends action with the action parameters params (already
// flattened: InstanceIds.0, InstanceIds.1, …) and returns the response.
func (c *v1Client) call(action string, params url.Values) v1Response {
	c.t.Helper()
	all := url.Values{}
	for k, v := range params {
		all[k] = v
	}
	nonce, err := rand.Int(rand.Reader, big.NewInt(1<<31-1))
	require.NoError(c.t, err)
	all.Set("Action", action)
	all.Set("Version", model.APIVersion)
	all.Set("Region", liveRegion)
	all.Set("Timestamp", strconv.FormatInt(time.Now().Add(c.timeOffset).Unix(), 10))
	all.Set("Nonce", strconv.FormatInt(nonce.Int64()+1, 10))
	all.Set("SecretId", c.id)
	if c.style.signatureMethod != "" {
		all.Set("SignatureMethod", c.style.signatureMethod)
	}
	sig := v1Sign(c.style.signatureMethod, c.key, v1StringToSign(c.style.method, c.live.Host, all))
	if c.tamper {
		b := []byte(sig)
		b[0] = map[bool]byte{true: 'B', false: 'A'}[b[0] == 'A']
		sig = string(b)
	}
	all.Set("Signature", sig)

	var req *http.Request
	switch c.style.method {
	case http.MethodGet:
		req, err = http.NewRequest(http.MethodGet, c.live.URL+"/?"+all.Encode(), nil)
	case http.MethodPost:
		req, err = http.NewRequest(http.MethodPost, c.live.URL+"/", strings.NewReader(all.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	require.NoError(c.t, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(c.t, err)
	require.Equal(c.t, http.StatusOK, res.StatusCode, "body %s", body)
	var r v1Response
	require.NoError(c.t, json.Unmarshal(body, &r), "body %s", body)
	require.Regexp(c.t, uuidPattern, r.Response.RequestID, "body %s", body)
	return r
}

func idParams(ids ...string) url.Values {
	vs := url.Values{}
	for i, id := range ids {
		vs.Set(fmt.Sprintf("InstanceIds.%d", i), id)
	}
	return vs
}

func (c *v1Client) ok(action string, params url.Values) v1Response {
	c.t.Helper()
	r := c.call(action, params)
	require.Nil(c.t, r.Response.Error, "%s: want success, got %+v", action, r.Response.Error)
	return r
}

func (c *v1Client) wantCode(code, action string, params url.Values) {
	c.t.Helper()
	r := c.call(action, params)
	require.NotNil(c.t, r.Response.Error, "%s: want %s, got success", action, code)
	require.Equal(c.t, code, r.Response.Error.Code, "message: %s", r.Response.Error.Message)
	require.NotEmpty(c.t, r.Response.Error.Message)
}

// state describes one instance and returns its state, latest operation
// and latest operation's RequestId.
func (c *v1Client) state(id string) (state, op, opState, opRID string) {
	c.t.Helper()
	r := c.ok(model.ActionDescribe, idParams(id))
	require.Len(c.t, r.Response.InstanceSet, 1, "describe %s", id)
	in := r.Response.InstanceSet[0]
	return in.InstanceState, str(in.LatestOperation), str(in.LatestOperationState), str(in.LatestOperationRequestID)
}

// waitFor polls until the instance is in state and returns its latest
// operation, its state and its RequestId.
func (c *v1Client) waitFor(id, state string) (op, opState, opRID string) {
	c.t.Helper()
	deadline := time.Now().Add(liveDeadline)
	var seen []string
	for {
		s, op, opState, opRID := c.state(id)
		seen = append(seen, s)
		if s == state {
			return op, opState, opRID
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: not %s within %v; states seen: %v", id, state, liveDeadline, seen)
		}
		time.Sleep(livePoll)
	}
}

func TestV1SignatureOfTheDocs(t *testing.T) {
	t.Parallel()
	// Facts §3: the documentation's vector, ours with HmacSHA256, and the
	// SDK capture: the hand-built signer agrees with all three.
	doc := url.Values{}
	for _, kv := range strings.Split("Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Limit=20&Nonce=11886&Offset=0&Region=ap-guangzhou&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE&Timestamp=1465185768&Version=2017-03-12", "&") {
		k, v, _ := strings.Cut(kv, "=")
		doc.Set(k, v)
	}
	const docKey = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
	sts := v1StringToSign("GET", "cvm.tencentcloudapi.com", doc)
	require.Equal(t, "GETcvm.tencentcloudapi.com/?Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Limit=20&Nonce=11886&Offset=0&Region=ap-guangzhou&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE&Timestamp=1465185768&Version=2017-03-12", sts)
	require.Equal(t, "EliP9YW3pW28FpsEdkXt/+WcGeI=", v1Sign("", docKey, sts))
	require.Equal(t, "EliP9YW3pW28FpsEdkXt/+WcGeI=", v1Sign("HmacSHA1", docKey, sts))
	doc.Set("Signature", "EliP9YW3pW28FpsEdkXt/+WcGeI=")
	require.Contains(t, doc.Encode(), "Signature=EliP9YW3pW28FpsEdkXt%2F%2BWcGeI%3D", "on the wire")
	doc.Del("Signature")
	doc.Set("SignatureMethod", "HmacSHA256")
	require.Equal(t, "A8uy2/o7WBZXYCTWEFpMrVGhGBVlEGIOioeqRM+fzFs=", v1Sign("HmacSHA256", docKey, v1StringToSign("GET", "cvm.tencentcloudapi.com", doc)))

	sdk := url.Values{}
	for _, kv := range strings.Split("Action=StopInstances&ForceStop=true&InstanceIds.0=ins-r8hr2upy&InstanceIds.1=ins-5d8a23rs&Language=zh-CN&Nonce=1139517535623703906&Region=ap-guangzhou&RequestClient=SDK_GO_1.3.211&SecretId=AKIDEXAMPLE&SignatureMethod=HmacSHA256&StopType=SOFT&Timestamp=1795649413&Version=2017-03-12", "&") {
		k, v, _ := strings.Cut(kv, "=")
		sdk.Set(k, v)
	}
	require.Equal(t, "aPUAcavUL5UWT81DDO7P46g56qHSoE2NogBzLG8lRxc=", v1Sign("HmacSHA256", "secretkey", v1StringToSign("POST", "127.0.0.1:35259", sdk)))

	// Sorting is by byte order: InstanceIds.10 before InstanceIds.2.
	many := idParams(tooManyIDs()[:11]...)
	s := v1StringToSign("GET", "h", many)
	require.Less(t, strings.Index(s, "InstanceIds.10="), strings.Index(s, "InstanceIds.2="))
}

func TestV1SignatureStyles(t *testing.T) {
	t.Parallel()
	styles := []v1Style{
		{"GET HmacSHA1 by default", http.MethodGet, ""},
		{"GET HmacSHA1", http.MethodGet, "HmacSHA1"},
		{"GET HmacSHA256", http.MethodGet, "HmacSHA256"},
		{"form POST HmacSHA1 by default", http.MethodPost, ""},
		{"form POST HmacSHA1", http.MethodPost, "HmacSHA1"},
		{"form POST HmacSHA256", http.MethodPost, "HmacSHA256"},
	}
	targets := liveTargets(t, len(styles))
	for i, st := range styles {
		id := targets[i]
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			live := liveEmulator(t)
			c := &v1Client{t: t, live: live, style: st, id: live.Cred.SecretID, key: live.Cred.SecretKey}
			wire := st.method
			if st.method == http.MethodPost {
				wire += " application/x-www-form-urlencoded"
			}
			wire += " v1 " + map[bool]string{true: "HmacSHA1", false: st.signatureMethod}[st.signatureMethod == ""]
			defer func() {
				if !t.Failed() {
					require.Equal(t, []string{wire}, live.styles(), "every request went in the style under test")
				}
			}()

			// DescribeInstances with paging parameters.
			page := url.Values{"Offset": {"0"}, "Limit": {"5"}}
			r := c.ok(model.ActionDescribe, page)
			require.Len(t, r.Response.InstanceSet, 5)
			require.NotNil(t, r.Response.TotalCount)
			require.Equal(t, len(liveRegionIDs()), *r.Response.TotalCount)

			// Stop, poll until STOPPED, start, poll until RUNNING.
			s, _, _, _ := c.state(id)
			require.Equal(t, "RUNNING", s)
			stopParams := idParams(id)
			stopParams.Set("StopType", "SOFT")
			stop := c.ok(model.ActionStop, stopParams)
			op, opState, opRID := c.waitFor(id, "STOPPED")
			require.Equal(t, []string{"StopInstances", "SUCCESS", stop.Response.RequestID}, []string{op, opState, opRID})
			start := c.ok(model.ActionStart, idParams(id))
			op, opState, opRID = c.waitFor(id, "RUNNING")
			require.Equal(t, []string{"StartInstances", "SUCCESS", start.Response.RequestID}, []string{op, opState, opRID})

			// The documented error codes.
			c.wantCode(model.CodeLimitExceeded, model.ActionStop, idParams(tooManyIDs()...))
			c.wantCode(model.CodeMalformed, model.ActionStop, idParams("ins-1122"))
			c.wantCode(model.CodeLimitExceeded, model.ActionStart, idParams(tooManyIDs()...))
			c.wantCode(model.CodeMalformed, model.ActionStart, idParams("ins-1122"))

			// One character of the signature changed: refused, and nothing
			// happens.
			bad := *c
			bad.tamper = true
			bad.wantCode("AuthFailure.SignatureFailure", model.ActionStop, idParams(id))
			bad.wantCode("AuthFailure.SignatureFailure", model.ActionDescribe, nil)
			// The wrong key, an unknown SecretId, a stale timestamp.
			wrongKey := *c
			wrongKey.key += "x"
			wrongKey.wantCode("AuthFailure.SignatureFailure", model.ActionStop, idParams(id))
			unknown := *c
			unknown.id = "AKIDnobodyhasthiskey0000000000000000"
			unknown.wantCode("AuthFailure.SecretIdNotFound", model.ActionStop, idParams(id))
			stale := *c
			stale.timeOffset = -time.Hour
			stale.wantCode("AuthFailure.SignatureExpire", model.ActionStop, idParams(id))
			s, _, _, _ = c.state(id)
			require.Equal(t, "RUNNING", s, "no refused request changed anything")
		})
	}
}
