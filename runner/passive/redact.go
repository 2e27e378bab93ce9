package passive

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/cvmconform/cvmconform/runner"
)

// Redaction of what the proxy writes, the same as the runner's transcript
// (runner.RedactHeaders, RedactForm), wherever the secrets are (query,
// form body, JSON body).

const redactedText = "(redacted)"

// redactBody masks the v1 secrets of a request body: a form's, or the
// top-level members of a JSON object (a JSON body signed with v1).
func redactBody(contentType string, body []byte) []byte {
	mt, _, _ := strings.Cut(strings.ToLower(contentType), ";")
	switch strings.TrimSpace(mt) {
	case "application/x-www-form-urlencoded":
		return []byte(runner.RedactForm(string(body)))
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
	u.RawQuery = runner.RedactForm(u.RawQuery)
	return u.String()
}
