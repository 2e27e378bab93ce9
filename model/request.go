package model

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// A request as the wire delivers it, before any validation. Every way a
// request can be wrong must be representable here, because validation is
// the model's job, not the decoder's: a parameter may be missing, present
// with the wrong JSON type, empty, or unknown to the action.

// Kind is the JSON type of a parameter value as delivered.
type Kind uint8

// The kinds a delivered value can have. Form and query encodings deliver
// every scalar as KindString (see Encoding).
const (
	KindString Kind = iota
	KindNumber
	KindBool
	KindNull
	KindArray
	KindObject
)

func (k Kind) String() string {
	return [...]string{"string", "number", "boolean", "null", "array", "object"}[k]
}

// Value is one delivered parameter value. Scalars keep their literal text in
// Text (a JSON number as written, a bool as "true"/"false"); arrays keep
// their items in order; objects keep their fields.
type Value struct {
	Kind   Kind
	Text   string
	Items  []Value
	Fields map[string]Value
}

// Str returns a string value.
func Str(s string) Value { return Value{Kind: KindString, Text: s} }

// Num returns a number value with the literal text of n.
func Num(n int) Value { return Value{Kind: KindNumber, Text: strconv.Itoa(n)} }

// Bool returns a boolean value.
func Bool(b bool) Value { return Value{Kind: KindBool, Text: strconv.FormatBool(b)} }

// Null returns the JSON null value.
func Null() Value { return Value{Kind: KindNull} }

// Arr returns an array value.
func Arr(items ...Value) Value { return Value{Kind: KindArray, Items: items} }

// Strs returns an array of strings.
func Strs(ss ...string) Value {
	v := Value{Kind: KindArray, Items: make([]Value, len(ss))}
	for i, s := range ss {
		v.Items[i] = Str(s)
	}
	return v
}

// Obj returns an object value.
func Obj(fields map[string]Value) Value { return Value{Kind: KindObject, Fields: fields} }

// maxShown bounds how much of a long string or number String shows.
const maxShown = 200

// String renders v compactly, JSON-like, for explanations. A string or
// number longer than 200 bytes shows its first 100 and its length.
func (v Value) String() string {
	long := len(v.Text) > maxShown
	switch v.Kind {
	case KindString:
		if long {
			return strconv.Quote(v.Text[:maxShown/2]) + "…(" + strconv.Itoa(len(v.Text)) + " bytes)"
		}
		return strconv.Quote(v.Text)
	case KindNull:
		return "null"
	case KindArray:
		parts := make([]string, len(v.Items))
		for i, it := range v.Items {
			parts[i] = it.String()
		}
		if len(parts) > 6 {
			parts = append(parts[:5], "… "+strconv.Itoa(len(v.Items)-5)+" more")
		}
		return "[" + strings.Join(parts, ",") + "]"
	case KindObject:
		keys := make([]string, 0, len(v.Fields))
		for k := range v.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = strconv.Quote(k) + ":" + v.Fields[k].String()
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	if long {
		return v.Text[:maxShown/2] + "…(" + strconv.Itoa(len(v.Text)) + " digits)"
	}
	return v.Text
}

// Encoding says how the action parameters reached the server; it decides
// how types are read (facts §1).
type Encoding uint8

// The parameter encodings.
const (
	// EncJSON: a JSON body (style A). Values keep their JSON types.
	EncJSON Encoding = iota
	// EncForm: a query string or form body, flattened as InstanceIds.0=…
	// (styles B, C, D). Every scalar arrives as a string.
	EncForm
)

func (e Encoding) String() string {
	if e == EncForm {
		return "form"
	}
	return "json"
}

// Signature is the signing style the request used (facts §2, §3).
type Signature uint8

// The signing styles.
const (
	SigTC3 Signature = iota
	SigHmacSHA1
	SigHmacSHA256
)

func (s Signature) String() string {
	return [...]string{"TC3-HMAC-SHA256", "HmacSHA1", "HmacSHA256"}[s]
}

// Transport holds what the server saw of the HTTP exchange before it could
// read any parameter: the facts the protocol rules judge.
type Transport struct {
	Method      string // HTTP method as received
	ContentType string // media type, lower case, without parameters
	Signature   Signature
	// BodyTooLarge: the body or query exceeded the documented limit for
	// the method and signature (GET 32 KB, v1 POST 1 MB, v3 POST 10 MB;
	// facts §1).
	BodyTooLarge bool
	// Decode names what made the parameters unreadable, or is DecodeOK.
	Decode DecodeFault
}

// DecodeFault classifies why a body or query could not be read.
type DecodeFault uint8

// The decode faults a codec reports.
const (
	DecodeOK DecodeFault = iota
	// DecodeMalformed: the body is not well-formed JSON (or not a JSON
	// object), or the form encoding is broken.
	DecodeMalformed
	// DecodeNotUTF8: the parameters are not valid UTF-8 (facts §1).
	DecodeNotUTF8
	// DecodeContentType: the content type is not one the API accepts for
	// this method and signature style (facts §1 table).
	DecodeContentType
	// DecodeStyleMismatch: a JSON POST signed with v1, or a form POST
	// signed with TC3 ([Doc-ReqStruct], facts §1).
	DecodeStyleMismatch
)

// AuthFact is what verifying the request's credentials found. The model
// cannot check a signature itself (that needs the secret key); the verifier
// on the server side, or the suite that deliberately corrupted a request,
// states the fact (facts §4).
type AuthFact uint8

// The authentication facts, each mapped to its codes by the auth rules.
const (
	AuthOK AuthFact = iota
	// AuthMissing: no Authorization header (v3) or no Signature (v1).
	AuthMissing
	// AuthMalformed: the Authorization header cannot be parsed.
	AuthMalformed
	// AuthUnknownSecretID: the SecretId names no key the target knows.
	AuthUnknownSecretID
	// AuthBadSignature: the signature does not match the request.
	AuthBadSignature
	// AuthBadToken: a session token was sent and is not valid for the key.
	AuthBadToken
)

// Request is one API request as delivered: common parameters, transport
// facts, authentication facts and the action parameters, before any
// validation.
type Request struct {
	// Action, Version and Region are the common parameters (X-TC-* headers
	// or Action=/Version=/Region= parameters). An empty string means
	// absent: the SDK omits an empty Region (facts §1), so the model
	// treats an empty value the same as a missing one.
	Action  string
	Version string
	Region  string
	// Host is the Host header the request was sent with, port included.
	Host string
	// Timestamp is the request's signed timestamp (X-TC-Timestamp or
	// Timestamp=); zero when absent.
	Timestamp time.Time
	// NonceMissing: the request is signed with v1 and carries no Nonce, or
	// an empty one (facts §1: Nonce is required for v1). v3 has no nonce:
	// a decoder sets it for v1 requests only.
	NonceMissing bool

	Transport Transport
	Auth      AuthFact
	// Account is the account the credentials belong to; meaningful only
	// when Auth is AuthOK.
	Account string

	Encoding Encoding
	// Params are the action parameters, common parameters removed. A
	// missing parameter has no key; an unknown one is kept under its
	// name.
	Params map[string]Value

	// Readings are the other requests a server may read from the same
	// bytes where its parser has a defensible choice (invalid UTF-8, a
	// header on two lines, a JSON name twice; ledger L-27): a target may
	// answer as it would answer any of them. They have no Readings of
	// their own.
	Readings []Request
}

// Param returns a parameter and whether it was delivered.
func (r Request) Param(name string) (Value, bool) {
	v, ok := r.Params[name]
	return v, ok
}
