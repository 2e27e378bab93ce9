package passive

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Cassettes: the recordings of the VCR family, in YAML (or JSON, which
// YAML reads too). Each holds "interactions", a list of request/response
// pairs in the order they were recorded (when their answers arrived).
//
// vcrpy (version 1):
//
//	interactions:
//	- request:  {body: str | !!binary | null, headers: {Name: [value]}, method, uri}
//	  response: {body: {string: str | !!binary}, headers: {Name: [value]},
//	             status: {code: int, message: str}}
//
// go-vcr (github.com/dnaeon/go-vcr), version 1 (go-vcr v1 and v2):
//
//	interactions:
//	- request:  {body: str, form: {k: [v]}, headers: {Name: [value]}, url, method}
//	  response: {body: str, headers, status: "200 OK", code: int, duration: "83ms"}
//
// and version 2 (go-vcr v3 and v4), which adds an "id", the protocol, and
// the request's "host" (the Host header), "content_length" and
// "request_uri".
//
// Times come from the answer's Date header, with go-vcr's "duration" as
// the round trip (TimingDate). A cassette has no other clock.

func readCassette(name string, doc map[string]any) (*Recording, error) {
	list, ok := doc["interactions"].([]any)
	if !ok {
		if doc["interactions"] == nil {
			return &Recording{Name: name, Format: FormatVCRPy, Scrubbed: true}, nil
		}
		return nil, errors.New("interactions is not a list")
	}
	rec := &Recording{Name: name, Scrubbed: true}
	for i, it := range list {
		m, _ := it.(map[string]any)
		req, _ := m["request"].(map[string]any)
		res, _ := m["response"].(map[string]any)
		if req == nil {
			return nil, fmt.Errorf("interaction %d has no request", i)
		}
		var x *Exchange
		var f Format
		var err error
		if _, vcrpy := req["uri"]; vcrpy {
			f = FormatVCRPy
			x, err = vcrpyInteraction(req, res)
		} else {
			f = FormatGoVCR1
			if n, _ := toInt(doc["version"]); n >= 2 {
				f = FormatGoVCR2
			}
			x, err = goVCRInteraction(req, res)
		}
		if err != nil {
			return nil, fmt.Errorf("interaction %d: %w", i, err)
		}
		if rec.Format == "" {
			rec.Format = f
		}
		rec.Exchanges = append(rec.Exchanges, x)
	}
	if rec.Format == "" {
		rec.Format = FormatVCRPy
	}
	return rec, nil
}

func vcrpyInteraction(req, res map[string]any) (*Exchange, error) {
	x := &Exchange{Method: strings.ToUpper(str(req["method"])), URL: str(req["uri"]), Header: headerOf(req["headers"])}
	if x.Method == "" || x.URL == "" {
		return nil, errors.New("request has no method or uri")
	}
	x.Body = bytesOf(req["body"])
	if res == nil {
		return x, nil
	}
	x.Answered = true
	x.ResponseHeader = headerOf(res["headers"])
	if st, ok := res["status"].(map[string]any); ok {
		x.Status, _ = toInt(st["code"])
	} else {
		x.Status, _ = toInt(res["status"])
	}
	var body []byte
	switch b := res["body"].(type) {
	case map[string]any:
		body = bytesOf(b["string"])
	default:
		body = bytesOf(b)
	}
	x.Response = decodeBody(x.ResponseHeader, body)
	dateTiming(x, 0)
	return x, nil
}

func goVCRInteraction(req, res map[string]any) (*Exchange, error) {
	x := &Exchange{Method: strings.ToUpper(str(req["method"])), URL: str(req["url"]), Header: headerOf(req["headers"]),
		Host: str(req["host"])}
	if x.Method == "" || x.URL == "" {
		return nil, errors.New("request has no method or url")
	}
	x.Body = bytesOf(req["body"])
	if form := headerOf(req["form"]); len(x.Body) == 0 && len(form) > 0 && x.Method == http.MethodPost {
		x.Body = []byte(url.Values(form).Encode())
	}
	if res == nil {
		return x, nil
	}
	x.ResponseHeader = headerOf(res["headers"])
	x.Status, _ = toInt(res["code"])
	if x.Status == 0 {
		// "200 OK" in status, when code is missing.
		f, _, _ := strings.Cut(str(res["status"]), " ")
		x.Status, _ = strconv.Atoi(f)
	}
	x.Answered = x.Status != 0 || len(bytesOf(res["body"])) > 0
	x.Response = decodeBody(x.ResponseHeader, bytesOf(res["body"]))
	dateTiming(x, durationOf(res["duration"]))
	return x, nil
}

// str is a YAML scalar as text.
func str(v any) string {
	switch s := v.(type) {
	case nil:
		return ""
	case string:
		return s
	case []byte:
		return string(s)
	}
	return fmt.Sprint(v)
}

// bytesOf is a body as YAML holds it: a string, !!binary bytes, or null.
func bytesOf(v any) []byte {
	switch b := v.(type) {
	case nil:
		return nil
	case []byte:
		return b
	case string:
		return []byte(b)
	}
	return []byte(fmt.Sprint(v))
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case uint64:
		return int(n), true
	case float64:
		return int(n), true
	case string:
		i, err := strconv.Atoi(strings.TrimSpace(n))
		return i, err == nil
	}
	return 0, false
}

// durationOf reads go-vcr's duration: "83.984896ms" (version 2, and go-vcr
// v2's version 1), or nanoseconds as a number.
func durationOf(v any) time.Duration {
	switch d := v.(type) {
	case string:
		if p, err := time.ParseDuration(d); err == nil {
			return p
		}
	default:
		if n, ok := toInt(d); ok {
			return time.Duration(n)
		}
	}
	return 0
}

// headerOf reads a YAML map of names to a list of values (or one value).
func headerOf(v any) http.Header {
	h := http.Header{}
	m, _ := v.(map[string]any)
	for name, vals := range m {
		switch vs := vals.(type) {
		case []any:
			for _, s := range vs {
				h.Add(name, str(s))
			}
		default:
			h.Add(name, str(vs))
		}
	}
	return h
}
