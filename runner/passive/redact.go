package passive

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/cvmconform/cvmconform/runner"
)

// Redaction of what the proxy writes, the same as the runner's transcript
// (runner.Exchange): the TC3 signature and session token replaced, the
// SecretId masked to its first and last four characters, and in a v1
// request the Signature and Token parameters replaced and SecretId
// masked, wherever they are (query, form body, JSON body).

const redactedText = "(redacted)"

var (
	signaturePart  = regexp.MustCompile(`Signature=[^,\s]+`)
	credentialPart = regexp.MustCompile(`Credential=([^/,\s]*)/`)
)

// redactAuthorization keeps the structure of an Authorization header but
// masks the SecretId and replaces the signature.
func redactAuthorization(v string) string {
	v = signaturePart.ReplaceAllString(v, "Signature="+redactedText)
	return credentialPart.ReplaceAllStringFunc(v, func(m string) string {
		id := strings.TrimSuffix(strings.TrimPrefix(m, "Credential="), "/")
		return "Credential=" + runner.MaskSecretID(id) + "/"
	})
}

// redactedHeaders lists headers as "Name: value", sorted by name, with
// the secrets redacted.
func redactedHeaders(h http.Header) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[k] {
			switch http.CanonicalHeaderKey(k) {
			case "Authorization":
				v = redactAuthorization(v)
			case "X-Tc-Token":
				v = redactedText
			}
			out = append(out, k+": "+v)
		}
	}
	return out
}

// redactForm masks the v1 secrets of a query or form body; one it cannot
// parse is not shown at all.
func redactForm(s string) string {
	if s == "" {
		return s
	}
	vs, err := url.ParseQuery(s)
	if err != nil {
		return "(unparsable form, not shown)"
	}
	changed := false
	for k := range vs {
		switch k {
		case "Signature", "Token":
			vs[k], changed = []string{redactedText}, true
		case "SecretId":
			vs[k], changed = []string{runner.MaskSecretID(vs.Get(k))}, true
		}
	}
	if !changed {
		return s
	}
	return vs.Encode()
}

// redactBody masks the v1 secrets of a request body: a form's, or the
// top-level members of a JSON object (a JSON body signed with v1).
func redactBody(contentType string, body []byte) []byte {
	mt, _, _ := strings.Cut(strings.ToLower(contentType), ";")
	switch strings.TrimSpace(mt) {
	case "application/x-www-form-urlencoded":
		return []byte(redactForm(string(body)))
	case "application/json":
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) != nil {
			return body
		}
		changed := false
		for k, v := range m {
			switch k {
			case "Signature", "Token":
				m[k], changed = json.RawMessage(`"`+redactedText+`"`), true
			case "SecretId":
				var id string
				_ = json.Unmarshal(v, &id)
				b, _ := json.Marshal(runner.MaskSecretID(id))
				m[k], changed = b, true
			}
		}
		if !changed {
			return body
		}
		b, err := json.Marshal(m)
		if err != nil {
			return body
		}
		return b
	}
	return body
}

// redactURL masks the v1 secrets of a URL's query.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL, not shown)"
	}
	u.RawQuery = redactForm(u.RawQuery)
	return u.String()
}
