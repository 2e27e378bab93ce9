package passive

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Signing again for another host (cvmconform proxy --resign). Both
// signature versions sign the Host (TC3 as a signed header, v1 in the
// string to sign), so a client that talks to the proxy signs for the
// proxy's address, and a target that checks its own name, as the real
// cloud does, refuses what the proxy forwards. With the client's keys the
// proxy first verifies the request as the target would (tcapi.Decode, for
// the Host the client addressed), then signs it again, with the same key,
// timestamp and signed headers, for the upstream's host. A request that
// does not verify is not signed again: laundering a bad signature into a
// good one would hide exactly what the judge is there to see.

// resigned is a request signed again: the new Authorization (TC3; "" for
// v1), and the raw query and body to send.
type resigned struct {
	authorization string
	query         string
	body          []byte
}

var signedHeadersPart = regexp.MustCompile(`SignedHeaders=([^,\s]+)`)

// resign verifies r (with body) with keys and signs it again for host. It
// reports false when r does not verify or cannot be signed again (a JSON
// body signed with v1).
func resign(r *http.Request, body []byte, keys tcapi.KeyMap, host string) (resigned, bool) {
	out := resigned{query: r.URL.RawQuery, body: body}
	req := tcapi.Decode(r, body, keys, tcapi.DefaultLimits())
	if req.Auth != model.AuthOK || req.Transport.Decode != model.DecodeOK {
		return out, false
	}
	authz := r.Header.Get("Authorization")
	if strings.HasPrefix(authz, tcapi.AlgorithmTC3) {
		m := credentialID.FindStringSubmatch(authz)
		sh := signedHeadersPart.FindStringSubmatch(authz)
		if m == nil || sh == nil {
			return out, false
		}
		key, ok := keys[m[1]]
		if !ok {
			return out, false
		}
		ts := req.Timestamp
		var headers []tcapi.Header
		for _, name := range strings.Split(sh[1], ";") {
			name = strings.ToLower(strings.TrimSpace(name))
			v := host
			if name != "host" {
				v = strings.Join(r.Header.Values(name), ",")
			}
			headers = append(headers, tcapi.Header{Name: name, Value: v})
		}
		query := ""
		if r.Method != http.MethodPost {
			query = r.URL.RawQuery
		}
		hashed := tcapi.HashedPayload(body)
		if r.Header.Get("X-TC-Content-SHA256") == tcapi.UnsignedPayload {
			hashed = tcapi.HashedPayload([]byte(tcapi.UnsignedPayload))
		}
		uri := r.URL.EscapedPath()
		if uri == "" {
			uri = "/"
		}
		canonical := tcapi.CanonicalRequestTC3(r.Method, uri, query, headers, hashed)
		sig := tcapi.TC3Signature(key.SecretKey, tcapi.ServiceCVM, ts, canonical)
		out.authorization = tcapi.AuthorizationTC3(m[1], ts, tcapi.ServiceCVM, tcapi.SignedHeadersTC3(headers), sig)
		return out, true
	}
	raw := r.URL.RawQuery
	if r.Method == http.MethodPost {
		if req.Encoding != model.EncForm {
			return out, false
		}
		raw = string(body)
	}
	params, err := url.ParseQuery(raw)
	if err != nil {
		return out, false
	}
	key, ok := keys[params.Get("SecretId")]
	if !ok {
		return out, false
	}
	path := r.URL.Path
	if path == "" {
		path = "/"
	}
	params.Set("Signature", tcapi.V1Signature(params.Get("SignatureMethod"), key.SecretKey, tcapi.V1StringToSign(r.Method, host, path, params)))
	if r.Method == http.MethodPost {
		out.body = []byte(params.Encode())
	} else {
		out.query = params.Encode()
	}
	return out, true
}
