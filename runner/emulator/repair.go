package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// repaired is FaultMalformedRepaired's reading of a JSON body the model
// calls malformed: the body as a forgiving parser would mend it — the
// first JSON value, with whatever a truncated body left open closed —
// decoded again. Authentication stays as the body that arrived earned
// it: the fault mends the parameters, not the signature.
func repaired(hr *http.Request, body []byte, req model.Request, keys tcapi.KeyStore, limits tcapi.Limits, p tcapi.Parsing) model.Request {
	if req.Transport.ContentType != tcapi.ContentTypeJSON {
		return req
	}
	fixed, ok := mendJSON(body)
	if !ok {
		return req
	}
	again := tcapi.DecodeAs(hr, fixed, keys, limits, p)
	if again.Transport.Decode != model.DecodeOK {
		return req
	}
	again.Auth, again.Account = req.Auth, req.Account
	return again
}

// mendJSON returns the first JSON value of b, closing the strings, arrays
// and objects a truncated b leaves open.
func mendJSON(b []byte) ([]byte, bool) {
	d := json.NewDecoder(bytes.NewReader(b))
	var first json.RawMessage
	if d.Decode(&first) == nil {
		return first, true
	}
	var open []byte // the closers still owed, innermost last
	inString, escaped := false, false
	for _, c := range b {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString = true
		case c == '{':
			open = append(open, '}')
		case c == '[':
			open = append(open, ']')
		case (c == '}' || c == ']') && len(open) > 0:
			open = open[:len(open)-1]
		}
	}
	fixed := append([]byte(nil), bytes.TrimRight(b, " \t\r\n,")...)
	if inString {
		fixed = append(fixed, '"')
	}
	for i := len(open) - 1; i >= 0; i-- {
		fixed = append(fixed, open[i])
	}
	return fixed, json.Valid(fixed)
}
