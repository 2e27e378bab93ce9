package tcapi

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"net/url"
	"sort"
	"strings"

	"github.com/cvmconform/cvmconform/model"
)

// Signature v1: HmacSHA1 / HmacSHA256 over the sorted raw parameters
// (facts sheet §3; [Doc-Sig1], SDK sign.go).

// The v1 SignatureMethod values.
const (
	HmacSHA1   = "HmacSHA1"
	HmacSHA256 = "HmacSHA256"
)

// V1StringToSign returns method + host + path + "?" + the parameters
// except Signature, sorted by name in byte order, as raw (not URL-encoded)
// name=value pairs joined by "&" (facts §3 steps 1–3). A name with
// several values contributes one pair per value, in the order given.
func V1StringToSign(method, host, path string, params url.Values) string {
	names := make([]string, 0, len(params))
	for name := range params {
		if name != "Signature" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var sb strings.Builder
	sb.WriteString(method)
	sb.WriteString(host)
	sb.WriteString(path)
	sb.WriteByte('?')
	first := true
	for _, name := range names {
		for _, v := range params[name] {
			if !first {
				sb.WriteByte('&')
			}
			first = false
			sb.WriteString(name)
			sb.WriteByte('=')
			sb.WriteString(v)
		}
	}
	return sb.String()
}

// V1Signature returns Base64(HMAC(secretKey, stringToSign)) with SHA-256
// when signatureMethod is "HmacSHA256" and SHA-1 otherwise, as the
// documentation says for SignatureMethod (facts §1 table, §3 step 4).
func V1Signature(signatureMethod, secretKey, stringToSign string) string {
	var h func() hash.Hash = sha1.New
	if signatureMethod == HmacSHA256 {
		h = sha256.New
	}
	m := hmac.New(h, []byte(secretKey))
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// v1SignatureKind is the model's name for a v1 SignatureMethod value.
func v1SignatureKind(signatureMethod string) model.Signature {
	if signatureMethod == HmacSHA256 {
		return model.SigHmacSHA256
	}
	return model.SigHmacSHA1
}

// verifyV1 checks a v1-signed request whose parameters (common ones
// included) are params; method, host and path are as received.
func verifyV1(method, host, path string, params url.Values, keys KeyStore) (model.AuthFact, Key) {
	secretID := lastValue(params, "SecretId")
	if secretID == "" {
		return model.AuthMissing, Key{}
	}
	key, ok := lookup(keys, secretID)
	if !ok {
		return model.AuthUnknownSecretID, Key{}
	}
	want := V1Signature(lastValue(params, "SignatureMethod"), key.SecretKey, V1StringToSign(method, host, path, params))
	if !hmac.Equal([]byte(want), []byte(lastValue(params, "Signature"))) {
		return model.AuthBadSignature, Key{}
	}
	if !tokenOK(key, lastValue(params, "Token")) {
		return model.AuthBadToken, Key{}
	}
	return model.AuthOK, key
}

// lastValue returns the last value of name: for a repeated parameter the
// last one wins, as for a repeated JSON key.
func lastValue(vs url.Values, name string) string {
	v := vs[name]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}
