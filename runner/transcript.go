package runner

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Exchange is one request to the target and what came back, as recorded
// for counterexamples and reports. It holds no secret: the signature, the
// session token and most of the SecretId are redacted.
type Exchange struct {
	Seq   int
	Check string
	Lane  string // the lane that sent it, in a run over several: its account's label, and its share of the account's instances when it has several ("main/2")
	Call  tcapi.Call
	// Request is the model's reading of the request as sent: the suite
	// decodes its own request with its own keys, so a deliberately broken
	// signature reads as AuthBadSignature, another Host as that Host.
	Request model.Request

	Method, URL, Host string
	Headers           []string
	Body              string // the body (a GET's parameters are in URL)

	Sent, Received time.Time
	Status         int
	RawResponse    string
	Response       tcapi.Response
	ParseErr       error // the answer is not a TencentCloud envelope
	Err            error // no answer: Outcome.Unknown
	Outcome        model.Outcome
	// Mutated says the request was changed after it was built and signed
	// (Send.Mutate): its Call no longer says all of what was sent.
	Mutated bool
}

// Duration is the round trip.
func (x *Exchange) Duration() time.Duration { return x.Received.Sub(x.Sent) }

// Summary renders the request in one line: action, style, host and
// parameters, e.g.
//
//	StopInstances {"InstanceIds":["ins-r8hr2upy"],"StopType":"HARD"} (TC3JSON)
//
// or, for a call whose body was given as bytes (a body that is not JSON),
// the body as sent, control characters and invalid UTF-8 escaped:
//
//	StopInstances body {"InstanceIds":["ins-r8hr2upy" (TC3JSON)
func (x *Exchange) Summary() string {
	action := x.Call.Action
	if action == "" {
		action = "(no Action)"
	}
	s := action + " " + x.params() + " (" + x.Call.Style.String()
	if x.Call.Style == tcapi.StyleV1Get || x.Call.Style == tcapi.StyleV1PostForm {
		s += " " + orDefault(x.Call.V1Method, tcapi.HmacSHA1)
	}
	if x.Call.Region != "" {
		s += ", " + x.Call.Region
	}
	if x.Host != "" && strings.Contains(x.Host, "tencentcloudapi") {
		s += ", Host " + x.Host
	}
	if x.Request.Auth != model.AuthOK {
		s += ", " + authWords[x.Request.Auth]
	}
	return s + ")"
}

// params renders the request's parameters: the call's, or the body as
// sent when the call gave one.
func (x *Exchange) params() string {
	if x.Call.Body != nil {
		if x.Body == "" {
			return "body (empty)"
		}
		return "body " + escapeBody(x.Body)
	}
	var params []string
	for _, p := range x.Call.Params {
		params = append(params, fmt.Sprintf("%q:%s", p.Name, p.Value))
	}
	return "{" + strings.Join(params, ",") + "}"
}

// escapeBody writes control characters, invalid UTF-8 and spaces other
// than ' ' as Go escapes (\t, \x00, \xff), and keeps everything else,
// quotes included, so that a JSON body reads as JSON.
func escapeBody(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

var authWords = map[model.AuthFact]string{
	model.AuthMissing: "unsigned", model.AuthMalformed: "garbled Authorization",
	model.AuthUnknownSecretID: "unknown SecretId", model.AuthBadSignature: "wrong signature",
	model.AuthBadToken: "wrong token",
}

// Answer renders the response in one line: the outcome, its message, the
// RequestId and the round trip.
func (x *Exchange) Answer() string {
	switch {
	case x.Err != nil:
		return fmt.Sprintf("no answer: %v (outcome unknown)", x.Err)
	case x.ParseErr != nil:
		return fmt.Sprintf("HTTP %d, not a TencentCloud envelope: %v: %.200q", x.Status, x.ParseErr, x.RawResponse)
	case x.Response.Error != nil:
		return fmt.Sprintf("%s: %q (RequestId %s, %s)", x.Response.Error.Code, x.Response.Error.Message, x.Response.RequestID, x.Duration().Round(time.Millisecond))
	}
	s := "success"
	if tc, ok := x.Response.Fields["TotalCount"]; ok {
		var n int
		_ = json.Unmarshal(tc, &n)
		s += fmt.Sprintf(", TotalCount %d", n)
	}
	return fmt.Sprintf("%s (RequestId %s, %s)", s, x.Response.RequestID, x.Duration().Round(time.Millisecond))
}

// Transcript is the record of every exchange of a run. It is safe for
// concurrent use.
type Transcript struct {
	mu  sync.Mutex
	all []*Exchange
}

func (t *Transcript) add(x *Exchange) {
	t.mu.Lock()
	defer t.mu.Unlock()
	x.Seq = len(t.all) + 1
	t.all = append(t.all, x)
}

// Len is the number of exchanges so far.
func (t *Transcript) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.all)
}

// Since returns the exchanges from position n (0-based) on.
func (t *Transcript) Since(n int) []*Exchange {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n > len(t.all) {
		return nil
	}
	return append([]*Exchange(nil), t.all[n:]...)
}

// Redaction: a transcript is printed and written (reports, --transcript,
// the passive judge's proxy), and must hold no secret. The TC3 signature
// and session token are replaced, the SecretId masked to its first and
// last four characters, and in a v1 request the Signature and Token
// parameters replaced and SecretId masked.

const redacted = "(redacted)"

var (
	authSignature = regexp.MustCompile(`Signature=[^,\s]+`)
	authSecretID  = regexp.MustCompile(`Credential=([^/,\s]*)/`)
)

// RedactHeaders lists headers as "Name: value", sorted by name, with the
// secrets redacted.
func RedactHeaders(h http.Header) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[k] {
			switch http.CanonicalHeaderKey(k) {
			case "Authorization":
				v = RedactAuthorization(v)
			case "X-Tc-Token":
				v = redacted
			}
			out = append(out, k+": "+v)
		}
	}
	return out
}

// RedactAuthorization keeps the structure of an Authorization header but
// masks the SecretId and replaces the signature.
func RedactAuthorization(v string) string {
	v = authSignature.ReplaceAllString(v, "Signature="+redacted)
	return authSecretID.ReplaceAllStringFunc(v, func(m string) string {
		id := strings.TrimSuffix(strings.TrimPrefix(m, "Credential="), "/")
		return "Credential=" + MaskSecretID(id) + "/"
	})
}

// MaskSecretID shows only the first and last four characters of a
// SecretId, e.g. "AKID…r5wM".
func MaskSecretID(id string) string {
	if len(id) <= 8 {
		return strings.Repeat("*", len(id))
	}
	return id[:4] + "…" + id[len(id)-4:]
}

// RedactForm masks the v1 Signature, SecretId and Token parameters of a
// query or form body; one it cannot parse is not shown at all.
func RedactForm(s string) string {
	vs, err := url.ParseQuery(s)
	if err != nil {
		return "(unparsable form, not shown)"
	}
	changed := false
	for k := range vs {
		switch k {
		case "Signature", "Token":
			vs[k], changed = []string{redacted}, true
		case "SecretId":
			vs[k], changed = []string{MaskSecretID(vs.Get(k))}, true
		}
	}
	if !changed {
		return s
	}
	return vs.Encode()
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
