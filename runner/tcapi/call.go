package tcapi

import (
	"strconv"
	"time"

	"github.com/cvmconform/cvmconform/model"
)

// Style is one of the ways API 3.0 accepts a request (facts sheet §1
// table). Style E (multipart, v3) is not offered: CVM does not use it.
type Style uint8

// The request styles [NewRequest] can build.
const (
	// StyleTC3JSON: POST application/json, TC3-HMAC-SHA256, common
	// parameters in X-TC-* headers. The SDK default (facts §1 style A).
	StyleTC3JSON Style = iota
	// StyleTC3Get: GET, action parameters flattened into the query, common
	// parameters in X-TC-* headers, TC3 (style B).
	StyleTC3Get
	// StyleV1Get: GET, common and action parameters together in the query,
	// v1 signature (style C).
	StyleV1Get
	// StyleV1PostForm: POST application/x-www-form-urlencoded, everything
	// in the body, v1 signature (style D).
	StyleV1PostForm
)

// Styles lists every Style, in declaration order.
var Styles = []Style{StyleTC3JSON, StyleTC3Get, StyleV1Get, StyleV1PostForm}

// String returns the constant's name without the "Style" prefix, e.g.
// "TC3JSON", or "Style(9)" for an unknown value.
func (s Style) String() string {
	switch s {
	case StyleTC3JSON:
		return "TC3JSON"
	case StyleTC3Get:
		return "TC3Get"
	case StyleV1Get:
		return "V1Get"
	case StyleV1PostForm:
		return "V1PostForm"
	}
	return "Style(" + strconv.Itoa(int(s)) + ")"
}

// Param is one action parameter to send. Value may be anything a test
// wants to deliver, including the wrong JSON type, null or a nested
// object; see [NewRequest] for how each kind is encoded.
type Param struct {
	Name  string
	Value model.Value
}

// Call is everything [NewRequest] needs besides the endpoint and the
// credential: what to send and how.
type Call struct {
	// Action, Version and Region are the common parameters. An empty
	// string omits the header or parameter entirely, so a test can send a
	// request with no Action.
	Action, Version, Region string
	// Params are the action parameters, encoded in this order. They may be
	// deliberately invalid (wrong JSON types, unknown names, null, nested
	// objects, repeated names).
	Params []Param
	// Style picks the method, encoding and signature.
	Style Style
	// HTTPMethod, when set, is the HTTP method sent and signed instead of
	// the style's: a request whose only fault is its method (facts §1:
	// GET and POST only).
	HTTPMethod string
	// V1Method is "HmacSHA1" (or "", the same) or "HmacSHA256"; v1 styles
	// only. As the SDK does, SignatureMethod=HmacSHA256 is sent only for
	// HmacSHA256.
	V1Method string
	// Timestamp is the signed timestamp (X-TC-Timestamp or Timestamp=,
	// Unix seconds). The caller supplies it: tcapi never reads the clock.
	Timestamp time.Time
	// Nonce is the v1 Nonce parameter; v1 styles only.
	Nonce uint64
	// Language is X-TC-Language (v3) or Language= (v1); "" omits it.
	Language string
	// RequestClient is X-TC-RequestClient (v3) or RequestClient= (v1); ""
	// omits it.
	RequestClient string
	// Host is the Host header to send and sign; "" means the endpoint
	// URL's host, port included.
	Host string
	// UnsignedPayload (TC3 styles only) sends X-TC-Content-SHA256:
	// UNSIGNED-PAYLOAD and signs the hash of that literal instead of the
	// body's, as the SDK's UnsignedPayload option does (facts §1 table).
	UnsignedPayload bool
	// Body (StyleTC3JSON only), when not nil, is sent and signed as the
	// body instead of the encoding of Params: a test's way to send a
	// properly signed body that is not valid JSON.
	Body []byte
	// Omit (v1 styles only) names v1 common parameters to leave out of
	// the request before it is signed, e.g. "Nonce" or "Timestamp": a
	// test's way to send a properly signed v1 request that lacks one.
	// "Signature" leaves the request unsigned.
	Omit []string
	// ContentType (TC3 styles only), when set, is sent and signed instead
	// of the style's content type: a test's way to send a properly signed
	// request with a content type the API does not accept.
	ContentType string
}
