package tcapi_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Fuzz targets. Their seed corpora live in testdata/fuzz/<FuzzName>/ and
// run as ordinary tests under plain `go test`; regenerate them with
// `go test -run TestWriteFuzzSeeds ./runner/tcapi/ -tcapi.writeseeds`.

var writeSeeds = flag.Bool("tcapi.writeseeds", false, "rewrite the fuzz seed corpora under testdata/fuzz")

var fuzzLimits = tcapi.Limits{MaxGet: 4 << 10, MaxV1Post: 8 << 10, MaxV3Post: 16 << 10}

// fuzzRequest builds a request from raw parts. headers holds
// "Name: value" lines; a Host line sets r.Host.
func fuzzRequest(method, headers, query string) *http.Request {
	r := &http.Request{Method: method, Header: http.Header{}, URL: &url.URL{Path: "/", RawQuery: query}}
	for line := range strings.SplitSeq(headers, "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		if strings.EqualFold(name, "Host") {
			r.Host = value
			continue
		}
		r.Header.Add(name, value)
	}
	return r
}

func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, method, contentType, headers, query string, body []byte) {
		r := fuzzRequest(method, headers, query)
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		got := tcapi.Decode(r, body, testKeys, fuzzLimits)
		if got.Transport.Method != method {
			t.Errorf("Transport.Method = %q; want %q", got.Transport.Method, method)
		}
		if got.Auth == model.AuthOK && got.Account == "" {
			t.Errorf("Auth = AuthOK with Account \"\"; want the key's account")
		}
		if got.Auth != model.AuthOK && got.Account != "" {
			t.Errorf("Account = %q with Auth %s; want \"\"", got.Account, authNames[got.Auth])
		}
		// Differential: the JSON reader agrees with encoding/json.
		if method != http.MethodPost || got.Encoding != model.EncJSON {
			return
		}
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		var x any
		err := d.Decode(&x)
		m, isObj := x.(map[string]any)
		valid := err == nil && isObj && !d.More() && json.Valid(body)
		switch got.Transport.Decode {
		case model.DecodeOK:
			if !valid {
				t.Fatalf("Decode = DecodeOK; encoding/json says the body %q is not one object", body)
			}
		case model.DecodeMalformed:
			if valid {
				t.Fatalf("Decode = DecodeMalformed; encoding/json reads the body %q as an object", body)
			}
		}
		if _, hasSig := m["Signature"]; got.Transport.Decode == model.DecodeOK && !hasSig {
			if g, w := canonParams(got.Params), canon(tcapi.ValueOf(m)); g != w {
				t.Fatalf("Params = %s; encoding/json reads %s", g, w)
			}
		}
	})
}

// fuzzBase is the valid TC3 request FuzzVerifyTC3 mutates.
func fuzzBase(t fataler) (*http.Request, []byte) {
	return build(t, "http://127.0.0.1:8080", stopCall(tcapi.StyleTC3JSON), tempCred)
}

func FuzzVerifyTC3(f *testing.F) {
	f.Fuzz(func(t *testing.T, authorization, timestamp, token string) {
		r, body := fuzzBase(t)
		orig := r.Header.Get("Authorization")
		origTS := r.Header.Get("X-TC-Timestamp")
		r.Header.Set("Authorization", authorization)
		r.Header.Set("X-TC-Timestamp", timestamp)
		r.Header.Set("X-TC-Token", token)
		got := tcapi.Decode(r, body, testKeys, fuzzLimits)
		if got.Auth != model.AuthOK {
			return
		}
		_, sig, _ := strings.Cut(orig, "Signature=")
		if !strings.Contains(authorization, sig) || timestamp != origTS || token != tempCred.Token {
			t.Fatalf("Auth = AuthOK for Authorization %q, X-TC-Timestamp %q, X-TC-Token %q; want a failure unless they carry the signed values %q, %q", authorization, timestamp, token, sig, origTS)
		}
	})
}

// TestWriteFuzzSeeds rewrites the seed corpora when -tcapi.writeseeds is
// set, and otherwise checks that they exist.
func TestWriteFuzzSeeds(t *testing.T) {
	seeds := fuzzSeeds(t)
	for target, entries := range seeds {
		dir := filepath.Join("testdata", "fuzz", target)
		if !*writeSeeds {
			files, err := os.ReadDir(dir)
			if err != nil || len(files) < len(entries) {
				t.Errorf("seed corpus %s = %d files (%v); want %d: run with -tcapi.writeseeds", dir, len(files), err, len(entries))
			}
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, args := range entries {
			var sb strings.Builder
			sb.WriteString("go test fuzz v1\n")
			for _, a := range args {
				switch a := a.(type) {
				case string:
					fmt.Fprintf(&sb, "string(%s)\n", strconv.Quote(a))
				case []byte:
					fmt.Fprintf(&sb, "[]byte(%s)\n", strconv.Quote(string(a)))
				}
			}
			path := filepath.Join(dir, name)
			tmp := path + ".tmp"
			if err := os.WriteFile(tmp, []byte(sb.String()), 0o644); err != nil {
				t.Fatalf("write seed %q: %v", tmp, err)
			}
			if err := os.Rename(tmp, path); err != nil {
				t.Fatalf("rename seed to %q: %v", path, err)
			}
		}
	}
}

// headerLines renders r's headers and Host as "Name: value" lines.
func headerLines(r *http.Request) string {
	var sb strings.Builder
	sb.WriteString("Host: " + r.Host + "\n")
	for _, k := range sortedHeaderNames(r.Header) {
		if k == "Content-Type" {
			continue
		}
		for _, v := range r.Header[k] {
			sb.WriteString(k + ": " + v + "\n")
		}
	}
	return sb.String()
}

func sortedHeaderNames(h http.Header) []string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			if names[j] < names[i] {
				names[i], names[j] = names[j], names[i]
			}
		}
	}
	return names
}

func fuzzSeeds(t *testing.T) map[string]map[string][]any {
	decode := map[string][]any{}
	for _, s := range tcapi.Styles {
		call := stopCall(s)
		call.Timestamp = time.Unix(1795649401, 0)
		r, body := build(t, "http://127.0.0.1:8080", call, tempCred)
		decode["valid-"+s.String()] = []any{r.Method, r.Header.Get("Content-Type"), headerLines(r), r.URL.RawQuery, body}
	}
	r, body := build(t, "http://127.0.0.1:8080", stopCall(tcapi.StyleTC3JSON), permCred)
	hl := headerLines(r)
	decode["truncated-json"] = []any{"POST", "application/json", hl, "", body[:len(body)/2]}
	decode["not-utf8-json"] = []any{"POST", "application/json; charset=utf-8", hl, "", []byte("{\"StopType\":\"\xc3\x28\"}")}
	decode["not-utf8-query"] = []any{"GET", "", "Host: h\n", "InstanceIds.0=%C3%28&Action=StopInstances", []byte(nil)}
	ids := make([]string, 0, 300)
	var q strings.Builder
	for i := range 300 {
		ids = append(ids, strconv.Quote(fmt.Sprintf("ins-%08d", i)))
		fmt.Fprintf(&q, "InstanceIds.%d=ins-%08d&", i, i)
	}
	decode["huge-json-array"] = []any{"POST", "application/json", hl, "", []byte(`{"InstanceIds":[` + strings.Join(ids, ",") + `]}`)}
	decode["huge-query-array"] = []any{"GET", "", "Host: h\n", q.String() + "Action=StopInstances", []byte(nil)}
	decode["deep-json"] = []any{"POST", "application/json", "Host: h\n", "", []byte(`{"A":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`)}
	decode["garbled-authorization"] = []any{"POST", "application/json", "Host: h\nAuthorization: TC3-HMAC-SHA256 Credential=AKIDperm/2026-11-25/cvm, Signature=\n", "", []byte(`{}`)}
	decode["json-signed-v1"] = []any{"POST", "application/json", "Host: h\n", "", []byte(`{"Action":"StopInstances","SecretId":"AKIDperm","Signature":"x","Nested":{"a":[1,{"b":null}]}}`)}
	decode["form-odd-names"] = []any{"POST", "application/x-www-form-urlencoded", "Host: h\n", "", []byte("InstanceIds=x&InstanceIds.0=y&F.1.Values.3=z&=&a..b=1&%zz=1&c=1;d=2")}
	decode["other-method"] = []any{"PATCH", "", hl, "Action=StopInstances", []byte(nil)}

	r, _ = fuzzBase(t)
	auth := r.Header.Get("Authorization")
	ts := r.Header.Get("X-TC-Timestamp")
	verify := map[string][]any{
		"valid":            {auth, ts, tempCred.Token},
		"no-spaces":        {strings.ReplaceAll(auth, ", ", ","), ts, tempCred.Token},
		"wrong-token":      {auth, ts, "tok999"},
		"timestamp-plus":   {auth, "+" + ts, tempCred.Token},
		"truncated":        {auth[:len(auth)/2], ts, tempCred.Token},
		"lowercase-algo":   {strings.ToLower(auth[:15]) + auth[15:], ts, tempCred.Token},
		"no-host-signed":   {strings.Replace(auth, "content-type;host", "content-type", 1), ts, tempCred.Token},
		"service-127":      {strings.Replace(auth, "/cvm/", "/127/", 1), ts, tempCred.Token},
		"empty":            {"", "", ""},
		"duplicated-parts": {auth + ", " + auth[len("TC3-HMAC-SHA256 "):], ts, tempCred.Token},
	}
	return map[string]map[string][]any{"FuzzDecode": decode, "FuzzVerifyTC3": verify}
}
