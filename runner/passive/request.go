package passive

import (
	"bytes"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// A recorded request becomes the model's request as the target's server
// would read it: tcapi.Decode, the decoder the emulator itself uses, with
// the keys the judge was given. Action, Version and Region come from the
// X-TC-* headers or the v1 parameters; the body is as recorded.

// reading is what the judge makes of one exchange before judging it.
type reading struct {
	req model.Request
	// unknown is what the recording leaves unknown of req's credentials
	// and time; the pipeline resolves it from the answer.
	unknown runner.Unknowns
	// account labels the credentials: the masked SecretId, "" when the
	// request names none.
	account string
	// why, when not "", says what the exchange is when it is no CVM API
	// request at all: the pipeline does not see it.
	why string
	// mentions are the instances the request mentions anywhere, which an
	// action the pipeline does not judge may have changed
	// (otherActionInstances).
	mentions []string

	out      model.Outcome
	resp     tcapi.Response
	parseErr error
}

// judgedActions are the actions the model judges; other actions are
// listed as not judged, never as findings (issue 11).
var judgedActions = []string{model.ActionStop, model.ActionStart, model.ActionDescribe}

// readExchange decodes x. scrubbed says its recording may have lost what
// carries credentials or the time (Recording.Scrubbed).
func readExchange(x *Exchange, keys tcapi.KeyStore, scrubbed bool) reading {
	rd := reading{mentions: otherActionInstances(x)}
	r, err := httpRequest(x)
	if err != nil {
		rd.why = fmt.Sprintf("%s %s (%v)", x.Method, x.URL, err)
		return rd
	}
	rd.req = tcapi.Decode(r, x.Body, keys, tcapi.DefaultLimits())
	rd.account = accountOf(r, x.Body)
	if rd.req.Action == "" && rd.req.Version == "" {
		rd.why = fmt.Sprintf("%s %s (not a TencentCloud API request)", x.Method, r.URL.Path)
		return rd
	}
	if !contains(judgedActions, rd.req.Action) {
		// The pipeline does not judge it, whatever product it is for.
		return rd
	}
	if svc := serviceOf(rd.req.Host, r.Header.Get("Authorization")); svc != "" {
		rd.why = rd.req.Action + " of another product (" + svc + ")"
		return rd
	}
	if x.Auth != nil {
		// The recording says how the request was authenticated (the
		// suite's own transcripts, whose signatures are redacted): so it
		// was on every reading of its bytes, whatever the redacted
		// header looks like.
		rd.req.Auth = *x.Auth
		for i := range rd.req.Readings {
			rd.req.Readings[i].Auth = *x.Auth
		}
		if *x.Auth == model.AuthOK {
			rd.req.Account = rd.account
		}
	} else {
		rd.unknown = unknownOf(rd.req, r, x.Body, scrubbed)
	}
	if !x.Answered {
		rd.out = model.Outcome{Unknown: true}
		return rd
	}
	rd.resp, rd.parseErr = tcapi.ParseResponse(x.Response)
	if rd.parseErr != nil {
		rd.out = model.Outcome{Unknown: true}
		return rd
	}
	rd.out = model.Outcome{RequestID: rd.resp.RequestID}
	if rd.resp.Error != nil {
		rd.out.Code = rd.resp.Error.Code
	}
	return rd
}

// judgeable is the exchange as the pipeline takes it: judged at the
// target's clock when the answer has a Date (runner.AnswerDate).
func (rd reading) judgeable(x *Exchange, recording string) runner.Judgeable {
	in := runner.Judgeable{Request: rd.req, Unknown: rd.unknown, Account: rd.account, Outcome: rd.out,
		Response: rd.resp, Sent: x.Sent, Date: x.Date, Mentions: rd.mentions,
		Check: recording, Status: x.Status, Raw: string(x.Response), Received: x.Received}
	if rd.parseErr != nil {
		in.NotEnvelope = answer(x, rd)
	}
	return in
}

// Scrubbing. Recorders are commonly told to drop what carries credentials
// or the time (vcrpy's filter_headers, filter_query_parameters and
// filter_post_data_parameters; go-vcr's hooks): TC3's Authorization,
// X-TC-Timestamp, X-TC-Token and X-TC-RequestClient headers, v1's
// Signature, Timestamp, Nonce and SecretId parameters (facts §1). In a
// recording that may have been scrubbed (Recording.Scrubbed), what is
// absent is unknown, never missing: the rules that need it accept
// whatever the target answered (runner.Judging resolves it). X-TC-RequestClient is no
// rule's (facts §1: not in the doc tables), so its absence changes
// nothing.

// unknownOf is what recording r (with body) leaves unknown of req,
// decoded from it. The SecretId may name a key the judge was not given.
// In a scrubbed recording: a missing timestamp or nonce may have been
// sent; a missing or unreadable signature or SecretId may have been
// anything, and so may a signature computed over what is missing (TC3
// signs the timestamp, v1 every parameter, Token included: facts §2,
// §3); a TC3 session token, which the SDK does not sign, may have been
// sent, right or wrong.
func unknownOf(req model.Request, r *http.Request, body []byte, scrubbed bool) runner.Unknowns {
	var u runner.Unknowns
	if scrubbed {
		u.Timestamp = req.Timestamp.IsZero()
		u.Nonce = req.NonceMissing
	}
	v1 := req.Transport.Signature != model.SigTC3
	token := tokenSent(v1, r, body)
	switch {
	case req.Auth == model.AuthUnknownSecretID:
		// The target may know the key; we do not.
		u.Auth = runner.AnyAuth
	case !scrubbed:
	case req.Auth == model.AuthMissing || req.Auth == model.AuthMalformed,
		u.Timestamp || u.Nonce || (v1 && !token):
		u.Auth = runner.AnyAuth
	case !token && (req.Auth == model.AuthOK || req.Auth == model.AuthBadToken):
		u.Auth = []model.AuthFact{req.Auth, otherOf(req.Auth, model.AuthOK, model.AuthBadToken)}
	}
	return u
}

// tokenSent reports whether the request carries a session token: the
// X-TC-Token header (TC3) or the Token parameter (v1).
func tokenSent(v1 bool, r *http.Request, body []byte) bool {
	if !v1 {
		return r.Header.Get("X-TC-Token") != ""
	}
	raw := r.URL.RawQuery
	if r.Method == http.MethodPost {
		raw = string(body)
	}
	vs, _ := url.ParseQuery(raw)
	return vs.Get("Token") != ""
}

// otherOf returns whichever of a and b is not f.
func otherOf(f, a, b model.AuthFact) model.AuthFact {
	if f == a {
		return b
	}
	return a
}

// httpRequest rebuilds the request as the server received it.
func httpRequest(x *Exchange) (*http.Request, error) {
	u, err := url.Parse(x.URL)
	if err != nil {
		return nil, err
	}
	h := x.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	host := x.Host
	if hv := h.Get("Host"); host == "" && hv != "" {
		host = hv
	}
	h.Del("Host")
	if host == "" {
		host = u.Host
	}
	return &http.Request{Method: x.Method, URL: u, Header: h, Host: host, ContentLength: int64(len(x.Body))}, nil
}

var (
	credentialID = regexp.MustCompile(`Credential=([^/,\s]+)/[^/]*/([^/,\s]+)/`)
)

// accountOf labels the credentials a request names: its SecretId, masked
// (runner.MaskSecretID, so that a redacted transcript labels it the same);
// "" when it names none.
func accountOf(r *http.Request, body []byte) string {
	if m := credentialID.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		return runner.MaskSecretID(m[1])
	}
	raw := r.URL.RawQuery
	if r.Method == http.MethodPost {
		raw = string(body)
	}
	if vs, err := url.ParseQuery(raw); err == nil && vs.Get("SecretId") != "" {
		return runner.MaskSecretID(vs.Get("SecretId"))
	}
	return ""
}

// serviceOf names the product a request is for when that is not CVM: a
// TencentCloud host of another product (lighthouse.tencentcloudapi.com),
// or a TC3 signature scoped to one. "" for CVM, and for any host that
// does not say (an emulator, the proxy).
func serviceOf(host, authorization string) string {
	h := strings.ToLower(host)
	if hh, _, err := net.SplitHostPort(h); err == nil {
		h = hh
	}
	label, _, _ := strings.Cut(h, ".")
	if strings.HasSuffix(h, ".tencentcloudapi.com") && label != tcapi.ServiceCVM {
		return label
	}
	if m := credentialID.FindStringSubmatch(authorization); m != nil {
		if svc := m[2]; svc != tcapi.ServiceCVM && svc != label && !strings.HasSuffix(h, ".tencentcloudapi.com") {
			return svc
		}
	}
	return ""
}

// instanceIDText finds what looks like an instance ID (facts §11) in
// text; otherActionInstances checks that it stands alone.
var instanceIDText = regexp.MustCompile(`ins-[a-z0-9]{8}`)

// otherActionInstances lists the instances the request of an action the
// model does not judge names, wherever it names them: the model does not
// know the action's parameters (InstanceIds.N, InstanceId, a tag's
// Resource "qcs::cvm:…:instance/ins-…", a metric's dimension), so every
// instance ID in its URL or body counts, as written or URL-decoded.
func otherActionInstances(x *Exchange) []string {
	texts := []string{x.URL, string(x.Body)}
	for _, t := range texts[:2] {
		if u, err := url.QueryUnescape(t); err == nil && u != t {
			texts = append(texts, u)
		}
	}
	alnum := func(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	var out []string
	for _, t := range texts {
		for _, m := range instanceIDText.FindAllStringIndex(t, -1) {
			if (m[0] > 0 && alnum(t[m[0]-1])) || (m[1] < len(t) && alnum(t[m[1]])) {
				continue // part of a longer name: lhins-…, or more than 8 characters
			}
			out = append(out, t[m[0]:m[1]])
		}
	}
	return model.Distinct(out)
}

// peek reads just enough of an exchange the judge has not judged (one in
// flight, or later in a file) to know whether it may change instances,
// and which: a stop or start that succeeded, or whose answer is unknown;
// a request of an action the model does not judge, whatever its answer
// (otherActionInstances).
func peek(x *Exchange) (ids []string, changes bool) {
	r, err := httpRequest(x)
	if err != nil {
		return nil, false
	}
	req := tcapi.Decode(r, x.Body, nil, tcapi.DefaultLimits())
	if !contains(judgedActions, req.Action) || serviceOf(req.Host, r.Header.Get("Authorization")) != "" {
		ids := otherActionInstances(x)
		return ids, len(ids) > 0
	}
	if req.Action != model.ActionStop && req.Action != model.ActionStart {
		return nil, false
	}
	if x.Answered {
		resp, err := tcapi.ParseResponse(x.Response)
		if err == nil && resp.Error != nil {
			return nil, false
		}
	}
	return runner.InstancesNamed(req), true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func orText(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// summary renders a request in one line: action, parameters, style and
// region, e.g.
//
//	StopInstances {"InstanceIds":["ins-r8hr2upy"],"StopType":"HARD"} (POST json TC3, ap-guangzhou)
func summary(req model.Request) string {
	var b bytes.Buffer
	b.WriteString(orText(req.Action, "(no Action)"))
	b.WriteString(" {")
	for i, k := range slices.Sorted(maps.Keys(req.Params)) {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%s", k, req.Params[k])
	}
	b.WriteString("} (" + req.Transport.Method)
	if req.Transport.Method == http.MethodPost {
		b.WriteString(" " + strings.TrimPrefix(req.Transport.ContentType, "application/"))
	}
	sig := "TC3"
	if req.Transport.Signature != model.SigTC3 {
		sig = "v1 " + req.Transport.Signature.String()
	}
	b.WriteString(" " + sig)
	if req.Region != "" {
		b.WriteString(", " + req.Region)
	}
	if kind, _ := model.ClassifyHost(req.Host); kind != model.HostOther {
		b.WriteString(", Host " + req.Host)
	}
	if req.Version != "" && req.Version != model.APIVersion {
		b.WriteString(", Version " + req.Version)
	}
	b.WriteString(")")
	return b.String()
}

// answer renders the answer in one line.
func answer(x *Exchange, rd reading) string {
	switch {
	case !x.Answered:
		return "no answer: " + orText(x.Err, "none recorded") + " (outcome unknown)"
	case rd.parseErr != nil:
		return fmt.Sprintf("HTTP %d, not a TencentCloud envelope: %.120q", x.Status, x.Response)
	case rd.resp.Error != nil:
		return fmt.Sprintf("%s: %q (RequestId %s)", rd.resp.Error.Code, rd.resp.Error.Message, rd.resp.RequestID)
	}
	return "success (RequestId " + rd.resp.RequestID + ")"
}
