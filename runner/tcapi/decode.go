package tcapi

import (
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cvmconform/cvmconform/model"
)

// Limits are the request size limits (facts sheet §1, [Doc-ReqStruct]).
// A zero or negative field means its default.
type Limits struct {
	// MaxGet bounds the raw query of a GET request (default 32 KB).
	MaxGet int64
	// MaxV1Post bounds the body of a form POST not signed with TC3
	// (default 1 MB).
	MaxV1Post int64
	// MaxV3Post bounds the body of any other POST (default 10 MB).
	MaxV3Post int64
}

// DefaultLimits returns the documented limits: GET 32 KB, v1 POST 1 MB,
// v3 POST 10 MB.
func DefaultLimits() Limits {
	return Limits{MaxGet: 32 << 10, MaxV1Post: 1 << 20, MaxV3Post: 10 << 20}
}

// ReadLimit returns how many body bytes a server should read before
// calling [Decode]: one more than the larger POST limit, so that Decode can
// tell an oversized body from one exactly at the limit.
func (l Limits) ReadLimit() int64 {
	l = l.withDefaults()
	return max(l.MaxV1Post, l.MaxV3Post) + 1
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxGet <= 0 {
		l.MaxGet = d.MaxGet
	}
	if l.MaxV1Post <= 0 {
		l.MaxV1Post = d.MaxV1Post
	}
	if l.MaxV3Post <= 0 {
		l.MaxV3Post = d.MaxV3Post
	}
	return l
}

// v1Common lists the v1 common parameters, which Decode moves out of
// Params for v1 requests.
var v1Common = [...]string{
	"Action", "Version", "Region", "Timestamp", "Nonce", "SecretId",
	"Signature", "SignatureMethod", "Token", "Language", "RequestClient",
}

// Decode reads one HTTP request into the model's pre-validation request
// and verifies its authentication with keys. body is the request body,
// already read by the caller (Decode never touches r.Body), possibly
// truncated after limits.ReadLimit() bytes. Decode never fails and never
// panics: every problem becomes a fact on the result. It does not judge
// the timestamp's age or anything else the model judges.
//
// Transport (in this order):
//   - Method is r.Method; ContentType is the media type of the
//     Content-Type header, lower-cased, parameters dropped. Host is r.Host
//     (r.URL.Host when r.Host is empty).
//   - GET reads parameters only from the raw query, POST only from the
//     body (the query is ignored). Any other method reads no parameters
//     (the model rejects the method); its common parameters come from the
//     X-TC-* headers.
//   - BodyTooLarge: a GET's raw query longer than limits.MaxGet; a POST
//     body (len(body) or r.ContentLength) longer than MaxV1Post for a form
//     POST not signed with TC3, MaxV3Post otherwise. Decoding goes on with
//     the bytes given; as a truncated body usually fails to decode and to
//     verify, those facts are then artifacts the model should rank below
//     BodyTooLarge.
//   - Decode reports one fault, the first of: DecodeContentType (a POST
//     whose media type is neither application/json nor
//     application/x-www-form-urlencoded: missing, multipart, anything
//     else; GET content types are not checked); DecodeStyleMismatch (a
//     JSON POST signed with v1, a form POST signed with TC3; an unsigned
//     POST is no mismatch); DecodeNotUTF8 (the JSON body, or a decoded
//     query/form name or value, is not UTF-8, under UTF8Refuse; under
//     UTF8Replace each invalid byte reads as U+FFFD); DecodeMalformed
//     (the body is not one JSON object, or holds a name twice under
//     PickRefuse, or has bytes after its object under TrailingRefuse, or
//     the query/form has a bad escape or a semicolon).
//
// Signature style (Transport.Signature), first match wins:
//   - An Authorization header starting with "TC3-HMAC-SHA256" means v3:
//     SigTC3, common parameters from the X-TC-Action, X-TC-Version,
//     X-TC-Region and X-TC-Timestamp headers.
//   - Otherwise a Signature parameter means v1: SigHmacSHA256 when
//     SignatureMethod is "HmacSHA256", else SigHmacSHA1; common parameters
//     from the parameters. In a JSON body (a JSON POST signed with v1) the
//     keys count as parameters and scalars are read as their text.
//   - Otherwise, a non-empty Authorization header is AuthMalformed: it is
//     there but is not a v3 header.
//   - Otherwise the request is unsigned: AuthMissing.
//
// A request that is not v1 and has an X-TC-Action header (even empty), or
// whose method is neither GET nor POST, is read as v3: SigTC3, common
// parameters from the headers. Any other request that is not v3 is read as
// v1 (SigHmacSHA1 or SigHmacSHA256 by SignatureMethod): this is a guess
// the model may use to word its answer, nothing more.
//
// Params: action parameters, keyed by top-level name. A JSON body keeps
// every key with its JSON kind and number text (Encoding EncJSON; a
// repeated key: as Parsing.DuplicateKey picks). A query or form is un-flattened (Encoding
// EncForm; every scalar a string): Name.N becomes an array ordered by
// numeric index (0- or 1-based, gaps closed), Name.N.Field an array of
// objects, so Filters.0.Name and Filters.0.Values.0 give
// [{"Name":…,"Values":[…]}]; when one name is used both ways, an array
// beats an object beats a scalar (InstanceIds=x&InstanceIds.0=y is ["y"]);
// a repeated name: as Parsing.DuplicateKey picks (in wire order; under
// PickRefuse the form is malformed). For v1 and v1-guessed
// requests the v1 common parameters (Action, Version, Region, Timestamp,
// Nonce, SecretId, Signature, SignatureMethod, Token, Language,
// RequestClient) are moved out of Params; for v3 requests nothing is
// removed, so a JSON key "Action" is an (unknown) action parameter.
// Params is nil when nothing could be read; after a decode fault it holds
// whatever could be read. Timestamp is the Unix-seconds value of
// X-TC-Timestamp or Timestamp, zero when absent or unparsable.
//
// Auth for v3, first failure wins: AuthMalformed if the header does not
// parse as "TC3-HMAC-SHA256 Credential=<id>/<date>/<service>/tc3_request,
// SignedHeaders=<h;…>, Signature=<hex>" (parts separated by "," with
// optional spaces, each exactly once) or SignedHeaders lacks content-type
// or host; AuthUnknownSecretID if keys has no such SecretId;
// AuthBadSignature if the scope date is not the UTC date of
// X-TC-Timestamp, if the service is neither "cvm" nor the Host's first
// dot-separated label (the Node.js SDK signs for "127" on 127.0.0.1:8080),
// or if the signature differs from the one rebuilt from the request as
// received (method; escaped path; raw query, "" for POST; the signed
// headers in the header's order, host from r.Host, values trimmed, either
// as sent or lower-cased; hash of the body, or of "UNSIGNED-PAYLOAD" when
// X-TC-Content-SHA256 says so; the X-TC-Timestamp text as sent);
// AuthBadToken if X-TC-Token does not suit the key (see [Key]).
//
// A header on two or more lines is read as Parsing.RepeatedHeader picks:
// under PickRefuse its lines joined by ", " (RFC 9110 §5.3), which is
// never a well-formed v3 Authorization, timestamp, action or content
// type.
//
// NonceMissing is set for a v1 request (one with a Signature parameter and
// no v3 header) whose Nonce is absent or empty (facts §1: required).
//
// Auth for v1: AuthMissing without SecretId; AuthUnknownSecretID;
// AuthBadSignature unless Signature equals [V1Signature] over
// [V1StringToSign](r.Method, r.Host, r.URL.Path, every parameter as
// received); AuthBadToken if Token does not suit the key. For repeated
// common parameters the last value counts.
//
// On AuthOK, Account is the key's Account. A nil r decodes to AuthMissing
// and DecodeMalformed.
//
// Decode reads the request with the zero [Parsing], which refuses where a
// parser may choose (invalid UTF-8, a header on two lines, a JSON name
// twice, bytes after the JSON object, a JSON name in another case; a TC3
// signature not of 64 hex digits is compared as it stands), and puts in Readings every other request a server parsing
// another defensible way reads from the same bytes ([DecodeAs] with each
// other Parsing), once each: the model accepts an answer to any of them.
func Decode(r *http.Request, body []byte, keys KeyStore, limits Limits) model.Request {
	req, play := decodeAs(r, body, keys, limits, Parsing{})
	seen := []model.Request{req}
	for _, p := range parsings[1:] {
		if !play.matters(p) {
			continue
		}
		alt, more := decodeAs(r, body, keys, limits, p)
		play = play.or(more) // a body read as UTF-8 at last may show a name twice
		if !slices.ContainsFunc(seen, func(x model.Request) bool { return reflect.DeepEqual(x, alt) }) {
			seen = append(seen, alt)
			req.Readings = append(req.Readings, alt)
		}
	}
	return req
}

// DecodeAs is [Decode] by a server that parses as p: one reading, no
// Readings.
func DecodeAs(r *http.Request, body []byte, keys KeyStore, limits Limits, p Parsing) model.Request {
	req, _ := decodeAs(r, body, keys, limits, p)
	return req
}

func decodeAs(r *http.Request, body []byte, keys KeyStore, limits Limits, p Parsing) (model.Request, inPlay) {
	if r == nil {
		return model.Request{Auth: model.AuthMissing, Transport: model.Transport{Decode: model.DecodeMalformed}}, inPlay{}
	}
	d := decoder{body: body, keys: keys, limits: limits.withDefaults(), parsing: p}
	d.r, d.play.header = withHeaders(r, p.RepeatedHeader)
	return d.decode(), d.play
}

type decoder struct {
	r       *http.Request
	body    []byte
	keys    KeyStore
	limits  Limits
	parsing Parsing
	play    inPlay // the parsing choices this request meets

	req        model.Request
	pairs      []pair                 // form parameters in wire order, common ones included
	vs         url.Values             // the same, by name
	jsonParams map[string]model.Value // JSON body parameters
	isJSON     bool                   // the body was read as JSON
}

func (d *decoder) decode() model.Request {
	r, req := d.r, &d.req
	req.Host = requestHost(r)
	req.Transport.Method = r.Method
	ct := mediaType(r.Header.Get("Content-Type"))
	req.Transport.ContentType = ct
	authz := authorization(r)
	tc3 := strings.HasPrefix(authz, AlgorithmTC3)

	fault := d.readParams(ct, tc3)

	// The signature style. Without a TC3 header, a JSON body's scalars are
	// read as v1 parameter text.
	if d.isJSON && !tc3 && d.jsonParams != nil {
		d.vs = pairsValues(flattenParams(paramsSorted(d.jsonParams), maxFormDepth))
	}
	_, hasSig := d.vs["Signature"]
	v1 := !tc3 && hasSig
	headerCommon := tc3 || (!v1 && r.Header.Values("X-TC-Action") != nil) ||
		(r.Method != http.MethodGet && r.Method != http.MethodPost)
	switch {
	case tc3 || (!v1 && authz != "") || (!v1 && headerCommon):
		req.Transport.Signature = model.SigTC3
	default:
		req.Transport.Signature = v1SignatureKind(lastValue(d.vs, "SignatureMethod"))
	}
	if r.Method == http.MethodPost && fault != model.DecodeContentType &&
		((ct == ContentTypeJSON && v1) || (ct == ContentTypeForm && tc3)) {
		fault = model.DecodeStyleMismatch
	}
	req.Transport.Decode = fault

	// Common parameters and action parameters.
	if headerCommon {
		req.Action = r.Header.Get("X-TC-Action")
		req.Version = r.Header.Get("X-TC-Version")
		req.Region = r.Header.Get("X-TC-Region")
		req.Timestamp, _ = parseUnix(r.Header.Get("X-TC-Timestamp"))
	} else {
		req.Action = lastValue(d.vs, "Action")
		req.Version = lastValue(d.vs, "Version")
		req.Region = lastValue(d.vs, "Region")
		req.Timestamp, _ = parseUnix(lastValue(d.vs, "Timestamp"))
	}
	req.NonceMissing = v1 && lastValue(d.vs, "Nonce") == ""
	d.setParams(!headerCommon)

	// Authentication.
	var key Key
	switch {
	case tc3:
		req.Auth, key, d.play.signature = verifyTC3(r, d.body, d.keys, d.parsing.SignatureForm)
	case v1:
		req.Auth, key = verifyV1(r.Method, req.Host, requestPath(r), d.vs, d.keys)
	case authz != "":
		req.Auth = model.AuthMalformed
	default:
		req.Auth = model.AuthMissing
	}
	if req.Auth == model.AuthOK {
		req.Account = key.Account
	}
	return *req
}

// readParams reads the parameters for the method and content type and
// returns the transport fault found so far (style mismatch aside).
func (d *decoder) readParams(ct string, tc3 bool) model.DecodeFault {
	switch d.r.Method {
	case http.MethodGet:
		d.req.Encoding = model.EncForm
		raw := rawQuery(d.r)
		d.req.Transport.BodyTooLarge = int64(len(raw)) > d.limits.MaxGet
		return d.readForm(raw)
	case http.MethodPost:
		limit := d.limits.MaxV3Post
		if !tc3 && ct == ContentTypeForm {
			limit = d.limits.MaxV1Post
		}
		d.req.Transport.BodyTooLarge = int64(len(d.body)) > limit || d.r.ContentLength > limit
		switch ct {
		case ContentTypeJSON:
			d.isJSON = true
			d.req.Encoding = model.EncJSON
			text := d.body
			if !utf8.Valid(text) {
				d.play.utf8 = true
				if d.parsing.UTF8 == UTF8Refuse {
					return model.DecodeNotUTF8
				}
				text = replaceInvalid(text, d.parsing.UTF8)
			}
			var (
				ok  bool
				met inPlay
			)
			d.jsonParams, ok, met = parseJSONObject(text, d.parsing)
			d.play = d.play.or(met)
			if !ok {
				return model.DecodeMalformed
			}
			return model.DecodeOK
		case ContentTypeForm:
			d.req.Encoding = model.EncForm
			return d.readForm(string(d.body))
		}
		d.req.Encoding = model.EncForm
		return model.DecodeContentType
	}
	d.req.Encoding = model.EncForm
	return model.DecodeOK
}

func (d *decoder) readForm(raw string) model.DecodeFault {
	var fault model.DecodeFault
	d.pairs, fault, d.play.utf8 = parseForm(raw, d.parsing.UTF8)
	d.vs = pairsValues(d.pairs)
	return fault
}

// setParams fills Params, without the v1 common parameters when
// dropCommon.
func (d *decoder) setParams(dropCommon bool) {
	if d.isJSON {
		if d.jsonParams == nil {
			return
		}
		if dropCommon {
			for _, name := range v1Common {
				delete(d.jsonParams, name)
			}
		}
		d.play.nameCase = foldNames(d.jsonParams, d.req.Action, d.parsing.NameCase == NameFold)
		d.req.Params = d.jsonParams
		return
	}
	if d.vs == nil {
		return
	}
	var skip func(string) bool
	if dropCommon {
		skip = isV1Common
	}
	var ok bool
	d.req.Params, d.play.key, ok = unflatten(d.pairs, skip, d.parsing.DuplicateKey)
	if !ok && d.req.Transport.Decode == model.DecodeOK {
		d.req.Transport.Decode = model.DecodeMalformed
	}
}

func isV1Common(name string) bool {
	for _, c := range v1Common {
		if name == c {
			return true
		}
	}
	return false
}

// paramsSorted returns params as a name-sorted Param list.
func paramsSorted(params map[string]model.Value) []Param {
	ps := make([]Param, 0, len(params))
	for _, k := range slices.Sorted(maps.Keys(params)) {
		ps = append(ps, Param{k, params[k]})
	}
	return ps
}

// mediaType returns the lower-cased media type of a Content-Type value,
// parameters dropped.
func mediaType(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

// authorization returns the request's Authorization as one value: two or
// more header lines joined by ", ", as RFC 9110 §5.3 combines repeated
// fields (Decode has already read them as its Parsing says). Authorization
// is not a list field, so a doubled header joined does not parse.
func authorization(r *http.Request) string {
	return strings.Join(r.Header.Values("Authorization"), ", ")
}

// parseUnix parses decimal Unix seconds.
func parseUnix(s string) (time.Time, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(n, 0).UTC(), true
}

func requestHost(r *http.Request) string {
	if r.Host == "" && r.URL != nil {
		return r.URL.Host
	}
	return r.Host
}

func rawQuery(r *http.Request) string {
	if r.URL == nil {
		return ""
	}
	return r.URL.RawQuery
}

// requestURI is the escaped path the TC3 canonical request uses; "/" when
// empty.
func requestURI(r *http.Request) string {
	if r.URL == nil {
		return "/"
	}
	if p := r.URL.EscapedPath(); p != "" {
		return p
	}
	return "/"
}

// requestPath is the path the v1 string to sign uses; "/" when empty.
func requestPath(r *http.Request) string {
	if r.URL == nil || r.URL.Path == "" {
		return "/"
	}
	return r.URL.Path
}
