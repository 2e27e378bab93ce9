package conformance

import (
	"net/http"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Authentication (facts §2–§4): every request must be signed by a known
// key, recently, and a refused request has no effect.

func authChecks() []*Check {
	return []*Check{
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
	}
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
