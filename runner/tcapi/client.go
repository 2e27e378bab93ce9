package tcapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// The content types the styles send (facts sheet §1, §2: the SDK sends no
// charset).
const (
	ContentTypeJSON = "application/json"
	ContentTypeForm = "application/x-www-form-urlencoded"
)

// NewRequest builds the signed request for call, sent to endpoint with
// cred. endpoint is a base URL with scheme http or https, such as
// "http://127.0.0.1:8080" or "https://cvm.tencentcloudapi.com"; its path,
// if any, is ignored: the path is always "/" (facts §1).
//
// By Style:
//   - StyleTC3JSON: POST, Content-Type application/json, the body the
//     compact JSON object of Params in order (numbers and bools as their
//     Text verbatim, object fields sorted by name, string bytes that are
//     not UTF-8 copied verbatim).
//   - StyleTC3Get: GET, Content-Type application/x-www-form-urlencoded,
//     only the flattened Params in the query (0-based InstanceIds.0=…,
//     Filters.0.Values.0=…, scalars as their Text, null and empty arrays
//     omitted), in order, URL-encoded like url.QueryEscape.
//   - StyleV1Get and StyleV1PostForm: the common parameters (Action,
//     Version, Region, Timestamp, Nonce, SecretId, SignatureMethod for
//     HmacSHA256 only, Token, Language, RequestClient; empty ones omitted
//     except Timestamp, Nonce and SecretId; those in Call.Omit left out)
//     followed by the flattened Params and Signature (unless Call.Omit
//     names it), in the query (GET, no Content-Type) or the form body
//     (POST).
//
// TC3 styles set X-TC-Action, X-TC-Version, X-TC-Region, X-TC-Timestamp,
// X-TC-Language, X-TC-RequestClient and X-TC-Token (each only when
// non-empty, Timestamp always) and sign exactly like the Go SDK: service
// "cvm", SignedHeaders "content-type;host", canonical query the raw query
// (GET) or "" (POST), payload hash of the exact body bytes (or of
// "UNSIGNED-PAYLOAD" when Call.UnsignedPayload is set).
//
// The Host header sent and signed is Call.Host, or the endpoint's host
// with its port. The request body can be re-read through GetBody.
//
// NewRequest fails only for an endpoint that does not parse or is not
// http(s), an unknown Style, an unknown V1Method, or a nil ctx. Its errors
// never contain the SecretKey or Token.
func NewRequest(ctx context.Context, endpoint string, call Call, cred Credential) (*http.Request, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("tcapi: NewRequest: endpoint: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("tcapi: NewRequest: endpoint %q = scheme %q, host %q; want http or https and a host", u.Redacted(), u.Scheme, u.Host)
	}
	host := call.Host
	if host == "" {
		host = u.Host
	}
	target := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/"}
	ts := strconv.FormatInt(call.Timestamp.Unix(), 10)

	var (
		method string
		body   []byte
		header = http.Header{}
	)
	switch call.Style {
	case StyleTC3JSON, StyleTC3Get:
		ct := ContentTypeJSON
		method = http.MethodPost
		if call.Style == StyleTC3JSON {
			body = encodeJSONBody(call.Params)
			if call.Body != nil {
				body = call.Body
			}
		} else {
			method, ct = http.MethodGet, ContentTypeForm
			target.RawQuery = encodePairs(flattenParams(call.Params, -1))
		}
		if call.HTTPMethod != "" {
			method = call.HTTPMethod
		}
		if call.ContentType != "" {
			ct = call.ContentType
		}
		hashed := HashedPayload(body)
		if call.UnsignedPayload {
			hashed = HashedPayload([]byte(UnsignedPayload))
			header.Set("X-TC-Content-SHA256", UnsignedPayload)
		}
		headers := []Header{{"content-type", ct}, {"host", host}}
		cr := CanonicalRequestTC3(method, "/", target.RawQuery, headers, hashed)
		sig := TC3Signature(cred.SecretKey, ServiceCVM, call.Timestamp, cr)
		header.Set("Content-Type", ct)
		setNonEmpty(header, "X-TC-Action", call.Action)
		setNonEmpty(header, "X-TC-Version", call.Version)
		setNonEmpty(header, "X-TC-Region", call.Region)
		header.Set("X-TC-Timestamp", ts)
		setNonEmpty(header, "X-TC-Language", call.Language)
		setNonEmpty(header, "X-TC-RequestClient", call.RequestClient)
		setNonEmpty(header, "X-TC-Token", cred.Token)
		header.Set("Authorization", AuthorizationTC3(cred.SecretID, call.Timestamp, ServiceCVM, SignedHeadersTC3(headers), sig))
	case StyleV1Get, StyleV1PostForm:
		if call.V1Method != "" && call.V1Method != HmacSHA1 && call.V1Method != HmacSHA256 {
			return nil, fmt.Errorf("tcapi: NewRequest: V1Method = %q; want %q or %q", call.V1Method, HmacSHA1, HmacSHA256)
		}
		method = http.MethodGet
		if call.Style == StyleV1PostForm {
			method = http.MethodPost
		}
		postForm := method == http.MethodPost
		if call.HTTPMethod != "" {
			method = call.HTTPMethod
		}
		pairs := v1Pairs(call, cred, ts)
		if !slices.Contains(call.Omit, "Signature") {
			sig := V1Signature(call.V1Method, cred.SecretKey, V1StringToSign(method, host, "/", pairsValues(pairs)))
			pairs = append(pairs, pair{"Signature", sig})
		}
		encoded := encodePairs(pairs)
		if !postForm {
			target.RawQuery = encoded
		} else {
			body = []byte(encoded)
			header.Set("Content-Type", ContentTypeForm)
		}
	default:
		return nil, fmt.Errorf("tcapi: NewRequest: Style = %v; want one of %v", call.Style, Styles)
	}

	var rd io.Reader
	if method != http.MethodGet {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("tcapi: NewRequest: %w", err)
	}
	req.URL.RawQuery = target.RawQuery
	req.Host = host
	for k, v := range header {
		req.Header[k] = v
	}
	return req, nil
}

// v1Pairs returns the v1 common parameters but those call.Omit names,
// followed by the flattened action parameters, without Signature.
func v1Pairs(call Call, cred Credential, ts string) []pair {
	var ps []pair
	add := func(name, value string, always bool) {
		if (value != "" || always) && !slices.Contains(call.Omit, name) {
			ps = append(ps, pair{name, value})
		}
	}
	add("Action", call.Action, false)
	add("Version", call.Version, false)
	add("Region", call.Region, false)
	add("Timestamp", ts, true)
	add("Nonce", strconv.FormatUint(call.Nonce, 10), true)
	add("SecretId", cred.SecretID, true)
	if call.V1Method == HmacSHA256 {
		add("SignatureMethod", HmacSHA256, true)
	}
	add("Token", cred.Token, false)
	add("Language", call.Language, false)
	add("RequestClient", call.RequestClient, false)
	return append(ps, flattenParams(call.Params, -1)...)
}

func setNonEmpty(h http.Header, name, value string) {
	if value != "" {
		h.Set(name, value)
	}
}
