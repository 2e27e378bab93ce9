package conformance

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Authentication (facts §2–§4): every request must be signed by a known
// key, recently, and a refused request has no effect.

func authChecks() []*Check {
	return append([]*Check{
		// facts §4 AuthFailure.SignatureFailure.
		{ID: "SI-AUTH-01", Title: "A request with a wrong signature is refused",
			Clause: "facts §2, §4 AuthFailure.SignatureFailure", Severity: MUST,
			Run: func(c *Ctx) error { return c.Expect(signedThen(breakSignature)) }},
		// facts §4 AuthFailure.SecretIdNotFound.
		{ID: "SI-AUTH-02", Title: "A request signed with an unknown SecretId is refused",
			Clause: "facts §4 AuthFailure.SecretIdNotFound", Severity: MUST,
			Run: func(c *Ctx) error {
				s := describeWith(func(*tcapi.Call) {})
				s.Cred = &tcapi.Credential{SecretID: "AKIDcvmconformUnknownKey0000" + randomSuffix(c, 4), SecretKey: "not-a-key"}
				return c.Expect(s)
			}},
		// facts §4: the timestamp must be within 5 minutes of server time.
		{ID: "SI-AUTH-03", Title: "A request signed an hour ago is refused as expired",
			Clause: "facts §4 AuthFailure.SignatureExpire", Severity: MUST,
			Run: func(c *Ctx) error {
				return c.Expect(describeWith(func(call *tcapi.Call) { call.Timestamp = time.Now().Add(-time.Hour) }))
			}},
		// facts §4: "stated as a plain difference": the future counts too.
		{ID: "SI-AUTH-04", Title: "A request signed ten minutes in the future is refused as expired",
			Clause: "facts §4 AuthFailure.SignatureExpire", Severity: SHOULD,
			Run: func(c *Ctx) error {
				return c.Expect(describeWith(func(call *tcapi.Call) { call.Timestamp = time.Now().Add(10 * time.Minute) }))
			}},
		// facts §1, §4: Authorization is required.
		{ID: "SI-AUTH-05", Title: "A request without Authorization is refused",
			Clause: "facts §1 Authorization required; §4", Severity: MUST,
			Run: func(c *Ctx) error {
				return c.Expect(signedThen(func(r *http.Request) { r.Header.Del("Authorization") }))
			}},
		// facts §4 AuthFailure.InvalidAuthorization.
		{ID: "SI-AUTH-06", Title: "A request with a garbled Authorization header is refused",
			Clause: "facts §4 AuthFailure.InvalidAuthorization", Severity: MUST,
			Run: func(c *Ctx) error {
				return c.Expect(signedThen(func(r *http.Request) {
					r.Header.Set("Authorization", "TC3-HMAC-SHA256 Credential=garbled")
				}))
			}},
		// An error leaves every instance unchanged (ledger L-13): a stop whose
		// signature is wrong must not stop anything.
		{ID: "SI-AUTH-07", Title: "A stop refused for its signature stops nothing",
			Clause: "facts §4; ledger L-13 (an error has no effect)", Severity: MUST, Needs: Needs{Running: 1},
			Run: func(c *Ctx) error {
				ids, err := c.Running(1)
				if err != nil {
					return err
				}
				s := stopCall(ids, "StopType", model.Str("HARD"))
				s.Mutate, s.ExactStyle = breakSignature, true
				if err := c.Expect(s); err != nil {
					return err
				}
				return c.Observe(ids...)
			}},
	}, authStyleChecks()...)
}

// signedThen is a valid DescribeInstances changed after signing.
func signedThen(mutate func(*http.Request)) runner.Send {
	s := describeWith(func(*tcapi.Call) {})
	s.Mutate = mutate
	return s
}

// breakSignature changes the last hex digit of a TC3 signature.
func breakSignature(r *http.Request) {
	a := r.Header.Get("Authorization")
	if a == "" {
		return
	}
	last := a[len(a)-1]
	repl := byte('0')
	if last == '0' {
		repl = '1'
	}
	r.Header.Set("Authorization", a[:len(a)-1]+string(repl))
}

// randomSuffix is n lower-case letters and digits from the check's random
// source.
func randomSuffix(c *Ctx, n int) string {
	const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b strings.Builder
	for range n {
		b.WriteByte(alnum[c.Rand.IntN(len(alnum))])
	}
	return b.String()
}

// The authentication rules in every other request style (facts §1: four
// styles, v1 with two HMACs). SI-AUTH-01..07 prove them for TC3 JSON; a
// target that verifies TC3 but serves an older request whatever its
// Signature can be driven without the secret key, so each style gets the
// same rules. A target that does not serve a style at all (a valid request
// in it is refused) skips that style's check, naming it: the refusal is
// SI-PROTO-10..12's to judge.
var authStyles = []struct {
	id, name, clause string
	sign             runner.Signing
}{
	{"SI-AUTH-08", "a TC3-signed GET", "facts §1 style B, §2, §4", runner.Signing{Style: tcapi.StyleTC3Get}},
	{"SI-AUTH-09", "a GET signed with HmacSHA256", "facts §1 style C, §3, §4", runner.SignHmacSHA256},
	{"SI-AUTH-10", "a form POST signed with HmacSHA256", "facts §1 style D, §3, §4",
		runner.Signing{Style: tcapi.StyleV1PostForm, V1Method: tcapi.HmacSHA256}},
	{"SI-AUTH-11", "a GET signed with HmacSHA1", "facts §1 style C, §3, §4",
		runner.Signing{Style: tcapi.StyleV1Get, V1Method: tcapi.HmacSHA1}},
	{"SI-AUTH-12", "a form POST signed with HmacSHA1", "facts §1 style D, §3, §4", runner.SignHmacSHA1},
}

func authStyleChecks() []*Check {
	var out []*Check
	for _, st := range authStyles {
		// facts §2–§4: in every style a request is verified: a wrong,
		// missing or garbled signature, an unknown key and an old
		// timestamp are refused, and a refused stop stops nothing
		// (ledger L-13).
		out = append(out, &Check{ID: st.id, Title: "In " + st.name + ", every authentication failure is refused, and a refused stop stops nothing",
			Clause: st.clause + " AuthFailure.*; ledger L-13", Severity: MUST, Needs: Needs{Running: 1},
			Run: func(c *Ctx) error { return authInStyle(c, st.name, st.sign) }})
	}
	return out
}

// authInStyle proves the authentication rules in one signing style: a
// probe that the target serves the style, then one request per rule, then
// a stop with a wrong signature that must change nothing.
func authInStyle(c *Ctx, name string, sg runner.Signing) error {
	in := func(s runner.Send) runner.Send {
		s.Call.Style, s.Call.V1Method, s.ExactStyle = sg.Style, sg.V1Method, true
		return s
	}
	if _, err := c.Probe(in(describeWith(func(*tcapi.Call) {})), "a target that serves "+name); err != nil {
		return err
	}
	unknownKey := describeWith(func(*tcapi.Call) {})
	unknownKey.Cred = &tcapi.Credential{SecretID: "AKIDcvmconformUnknownKey0000" + randomSuffix(c, 4), SecretKey: "not-a-key"}
	unsigned := signedThen(func(r *http.Request) { r.Header.Del("Authorization") })
	garbled := signedThen(func(r *http.Request) { r.Header.Set("Authorization", "TC3-HMAC-SHA256 Credential=garbled") })
	if sg.Style == tcapi.StyleV1Get || sg.Style == tcapi.StyleV1PostForm {
		// v1 has no Authorization header: the signature is a parameter.
		unsigned = describeWith(func(call *tcapi.Call) { call.Omit = []string{"Signature"} })
		garbled = signedThen(func(r *http.Request) {
			editV1Params(r, func(vs url.Values) { vs.Set("Signature", "garbled!") })
		})
	}
	cases := []struct {
		rule string
		send runner.Send
	}{
		{"a wrong signature", signedThen(breakAnySignature)},
		{"an unknown SecretId", unknownKey},
		{"a timestamp an hour old", describeWith(func(call *tcapi.Call) { call.Timestamp = time.Now().Add(-time.Hour) })},
		{"no signature", unsigned},
		{"a garbled signature", garbled},
	}
	for _, k := range cases {
		if err := c.Expect(in(k.send)); err != nil {
			return naming(k.rule+" in "+name, err)
		}
	}
	ids, err := c.Running(1)
	if err != nil {
		return err
	}
	s := in(stopCall(ids, "StopType", model.Str("HARD")))
	s.Mutate = breakAnySignature
	if err := c.Expect(s); err != nil {
		return naming("a stop with a wrong signature in "+name, err)
	}
	return naming("a stop refused for its signature in "+name, c.Observe(ids...))
}

// naming prefixes a failure's reason with what was being proven; other
// errors pass unchanged.
func naming(what string, err error) error {
	var f *failure
	if errors.As(err, &f) {
		f.reason = what + ": " + f.reason
	}
	return err
}

// breakAnySignature breaks the signature of a request of any style: the
// TC3 Authorization header's last digit, or the v1 Signature parameter's
// first character, so that it stays well-formed but no longer matches.
func breakAnySignature(r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		breakSignature(r)
		return
	}
	editV1Params(r, func(vs url.Values) {
		sig := vs.Get("Signature")
		repl := "A"
		if strings.HasPrefix(sig, "A") {
			repl = "B"
		}
		if sig != "" {
			sig = sig[1:]
		}
		vs.Set("Signature", repl+sig)
	})
}

// editV1Params edits the parameters of a signed v1 request after signing:
// the query of a GET, or the form body of a POST.
func editV1Params(r *http.Request, edit func(url.Values)) {
	if r.Method == http.MethodGet {
		vs, _ := url.ParseQuery(r.URL.RawQuery)
		edit(vs)
		r.URL.RawQuery = vs.Encode()
		return
	}
	raw, _ := io.ReadAll(r.Body)
	vs, _ := url.ParseQuery(string(raw))
	edit(vs)
	body := vs.Encode()
	r.Body = io.NopCloser(strings.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(body)), nil }
	r.ContentLength = int64(len(body))
}
