package tcapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/model"
)

// TC3-HMAC-SHA256, signature v3 (facts sheet §2; [Doc-Sig3], SDK
// client.go sendWithSignatureV3).

const (
	// AlgorithmTC3 is the algorithm name that opens a v3 Authorization
	// header and the StringToSign.
	AlgorithmTC3 = "TC3-HMAC-SHA256"
	// ServiceCVM is the service name CVM requests are signed for.
	ServiceCVM = "cvm"
	// UnsignedPayload is the X-TC-Content-SHA256 value that makes the
	// signer hash this literal instead of the body (facts §1 table).
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// tc3Terminator ends the credential scope.
	tc3Terminator = "tc3_request"
)

// Header is one signed header as it enters the canonical request.
type Header struct{ Name, Value string }

// HashedPayload returns the lower-hex SHA-256 of body: the last line of
// the canonical request. The hash of an empty body is e3b0c442…b855.
func HashedPayload(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// SignedHeadersTC3 returns the SignedHeaders list for headers: each name
// lower-cased, in the given order, joined by ";".
func SignedHeadersTC3(headers []Header) string {
	var sb strings.Builder
	for i, h := range headers {
		if i > 0 {
			sb.WriteByte(';')
		}
		sb.WriteString(strings.ToLower(h.Name))
	}
	return sb.String()
}

// CanonicalRequestTC3 returns the TC3 canonical request (facts §2 step 1):
//
//	method \n uri \n query \n canonical headers \n signed headers \n hashedPayload
//
// with no trailing newline. Each header contributes the line
// "lower(name):trim(value)\n", in the given order (the documentation asks
// for headers sorted by name; the caller sorts). Values are not
// lower-cased: the Go SDK does not lower-case them, while the documentation
// says to; a caller that wants the documented form lower-cases the values
// itself. query is the canonical query: the raw query for GET, "" for POST.
func CanonicalRequestTC3(method, uri, query string, headers []Header, hashedPayload string) string {
	var sb strings.Builder
	sb.Grow(len(method) + len(uri) + len(query) + len(hashedPayload) + 64*len(headers) + 8)
	sb.WriteString(method)
	sb.WriteByte('\n')
	sb.WriteString(uri)
	sb.WriteByte('\n')
	sb.WriteString(query)
	sb.WriteByte('\n')
	for _, h := range headers {
		sb.WriteString(strings.ToLower(h.Name))
		sb.WriteByte(':')
		sb.WriteString(strings.TrimSpace(h.Value))
		sb.WriteByte('\n')
	}
	sb.WriteByte('\n')
	sb.WriteString(SignedHeadersTC3(headers))
	sb.WriteByte('\n')
	sb.WriteString(hashedPayload)
	return sb.String()
}

// CredentialScopeTC3 returns "<UTC date of ts>/<service>/tc3_request"
// (facts §2 step 2). The date is taken in UTC, never local time.
func CredentialScopeTC3(ts time.Time, service string) string {
	return tc3Date(ts) + "/" + service + "/" + tc3Terminator
}

// StringToSignTC3 returns "TC3-HMAC-SHA256\n<ts>\n<scope>\n<hex
// sha256(canonicalRequest)>" (facts §2 step 3), ts in Unix seconds.
func StringToSignTC3(ts time.Time, service, canonicalRequest string) string {
	return stringToSignTC3(strconv.FormatInt(ts.Unix(), 10), CredentialScopeTC3(ts, service), canonicalRequest)
}

// TC3Signature returns the lower-hex TC3-HMAC-SHA256 signature of
// canonicalRequest for the given key, service and timestamp (facts §2
// steps 2–5).
func TC3Signature(secretKey, service string, ts time.Time, canonicalRequest string) string {
	return tc3Sign(secretKey, tc3Date(ts), service, strconv.FormatInt(ts.Unix(), 10), canonicalRequest)
}

// AuthorizationTC3 returns the Authorization header value (facts §2 step
// 6): "TC3-HMAC-SHA256 Credential=<id>/<scope>, SignedHeaders=<sh>,
// Signature=<sig>".
func AuthorizationTC3(secretID string, ts time.Time, service, signedHeaders, signature string) string {
	return AlgorithmTC3 + " Credential=" + secretID + "/" + CredentialScopeTC3(ts, service) +
		", SignedHeaders=" + signedHeaders + ", Signature=" + signature
}

func tc3Date(ts time.Time) string { return ts.UTC().Format(time.DateOnly) }

func stringToSignTC3(tsText, scope, canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return AlgorithmTC3 + "\n" + tsText + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}

// tc3Keys derives the signing keys (facts §2 step 4).
func tc3Keys(secretKey, date, service string) (kDate, kService, kSigning []byte) {
	kDate = hmacSHA256([]byte("TC3"+secretKey), date)
	kService = hmacSHA256(kDate, service)
	kSigning = hmacSHA256(kService, tc3Terminator)
	return kDate, kService, kSigning
}

// tc3Sign signs with the timestamp exactly as written (tsText): a server
// verifies against the header text the client signed.
func tc3Sign(secretKey, date, service, tsText, canonicalRequest string) string {
	_, _, kSigning := tc3Keys(secretKey, date, service)
	sts := stringToSignTC3(tsText, date+"/"+service+"/"+tc3Terminator, canonicalRequest)
	return hex.EncodeToString(hmacSHA256(kSigning, sts))
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// tc3Auth is a parsed v3 Authorization header.
type tc3Auth struct {
	secretID, date, service string
	signedHeaders           []string // lower-cased, in the header's order
	signature               string
}

// parseAuthorizationTC3 parses "TC3-HMAC-SHA256 Credential=<id>/<date>/
// <service>/tc3_request, SignedHeaders=<h1;h2>, Signature=<hex>". The
// three parts may come in any order, separated by "," with optional
// spaces; each must appear exactly once, and nothing else may.
func parseAuthorizationTC3(h string) (tc3Auth, bool) {
	var a tc3Auth
	rest, ok := strings.CutPrefix(h, AlgorithmTC3)
	if !ok || rest == "" || rest[0] != ' ' {
		return a, false
	}
	var seen [3]bool
	for part := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || v == "" {
			return a, false
		}
		var i int
		switch k {
		case "Credential":
			i = 0
			f := strings.Split(v, "/")
			if len(f) != 4 || f[0] == "" || f[1] == "" || f[2] == "" || f[3] != tc3Terminator {
				return a, false
			}
			a.secretID, a.date, a.service = f[0], f[1], f[2]
		case "SignedHeaders":
			i = 1
			for name := range strings.SplitSeq(v, ";") {
				name = strings.ToLower(strings.TrimSpace(name))
				if name == "" {
					return a, false
				}
				a.signedHeaders = append(a.signedHeaders, name)
			}
		case "Signature":
			i = 2
			a.signature = v
		default:
			return a, false
		}
		if seen[i] {
			return a, false
		}
		seen[i] = true
	}
	return a, seen[0] && seen[1] && seen[2]
}

// verifyTC3 checks a v3-signed request (see [Decode] for the rules, in
// order). body is the body as received.
func verifyTC3(r *http.Request, body []byte, keys KeyStore, form SignatureForm) (f model.AuthFact, k Key, oddSignature bool) {
	a, ok := parseAuthorizationTC3(authorization(r))
	if !ok || !contains(a.signedHeaders, "content-type") || !contains(a.signedHeaders, "host") {
		return model.AuthMalformed, Key{}, false
	}
	if !wellFormedSignature(a.signature) {
		oddSignature = true
		if form == SignatureChecked {
			return model.AuthMalformed, Key{}, true
		}
	}
	f, k = verifyTC3Parsed(r, body, keys, a)
	return f, k, oddSignature
}

// verifyTC3Parsed verifies a parsed TC3 Authorization.
func verifyTC3Parsed(r *http.Request, body []byte, keys KeyStore, a tc3Auth) (model.AuthFact, Key) {
	key, ok := lookup(keys, a.secretID)
	if !ok {
		return model.AuthUnknownSecretID, Key{}
	}
	host := requestHost(r)
	tsText := r.Header.Get("X-TC-Timestamp")
	ts, ok := parseUnix(tsText)
	if !ok || a.date != tc3Date(ts) {
		return model.AuthBadSignature, Key{}
	}
	if a.service != ServiceCVM && a.service != firstLabel(host) {
		return model.AuthBadSignature, Key{}
	}
	query := ""
	if r.Method != http.MethodPost {
		query = rawQuery(r)
	}
	hashed := ""
	if r.Header.Get("X-TC-Content-SHA256") == UnsignedPayload {
		hashed = HashedPayload([]byte(UnsignedPayload))
	} else {
		hashed = HashedPayload(body)
	}
	headers := make([]Header, len(a.signedHeaders))
	lowerDiffers := false
	for i, name := range a.signedHeaders {
		v := host
		if name != "host" {
			v = strings.Join(r.Header.Values(name), ",")
		}
		headers[i] = Header{name, v}
		if strings.ToLower(v) != v {
			lowerDiffers = true
		}
	}
	uri := requestURI(r)
	got := []byte(a.signature)
	sig := tc3Sign(key.SecretKey, a.date, a.service, tsText, CanonicalRequestTC3(r.Method, uri, query, headers, hashed))
	match := hmac.Equal([]byte(sig), got)
	if !match && lowerDiffers {
		for i := range headers {
			headers[i].Value = strings.ToLower(headers[i].Value)
		}
		sig = tc3Sign(key.SecretKey, a.date, a.service, tsText, CanonicalRequestTC3(r.Method, uri, query, headers, hashed))
		match = hmac.Equal([]byte(sig), got)
	}
	// The official Node.js SDK signs "host:" with the endpoint URL's
	// hostname, without the port it sends in the Host header (sign.js
	// sign3: headers += `host:${urlObj.hostname}`). On the real endpoints
	// (port 443) the two are the same; on a host:port endpoint, accept the
	// host without its port, and nothing else.
	if hostOnly, port, err := net.SplitHostPort(host); !match && err == nil && port != "" {
		for i, name := range a.signedHeaders {
			v := hostOnly
			if name != "host" {
				v = strings.Join(r.Header.Values(name), ",")
			}
			headers[i] = Header{name, v}
		}
		sig = tc3Sign(key.SecretKey, a.date, a.service, tsText, CanonicalRequestTC3(r.Method, uri, query, headers, hashed))
		match = hmac.Equal([]byte(sig), got)
	}
	if !match {
		return model.AuthBadSignature, Key{}
	}
	if !tokenOK(key, r.Header.Get("X-TC-Token")) {
		return model.AuthBadToken, Key{}
	}
	return model.AuthOK, key
}

// firstLabel returns host up to its first dot (port included when there
// is no dot): the service the official Node.js SDK derives from its
// endpoint, "127" for 127.0.0.1:8080.
func firstLabel(host string) string {
	label, _, _ := strings.Cut(host, ".")
	return label
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
