package emulator

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Writing answers. An answer's content is the model's; its form is not
// part of the contract, and the response-form variants (gzip, key-order,
// request-id, messages, extra-fields, optional-fields, describe-order,
// error-status) pick among the forms a conforming target may use, so that
// the suite can be shown to read every one of them alike. With every form
// variant at its default, answers go out through tcapi.WriteSuccess and
// tcapi.WriteError, byte for byte as always, and DescribeInstances keeps
// its cached instance renderings; any other form re-renders the answer,
// more slowly.

// form is the answer form the variants choose (see resolveForm); its zero
// value is the default form.
type form struct {
	gzip     bool     // gzip=yes: compress when the request accepts gzip
	order    keyOrder // key-order
	ridFirst bool     // request-id=first
	reworded bool     // messages=reworded
	extra    bool     // extra-fields=yes
	absent   bool     // optional-fields=absent
	newest   bool     // describe-order=newest
	status   int      // error-status: an error answer's HTTP status; 0 for 200
}

// keyOrder is the order of the keys of every object in an answer (variant
// key-order).
type keyOrder int

const (
	orderDeclared keyOrder = iota // declared: the SDK's struct order, as rendered
	orderSorted                   // sorted: by name
	orderReversed                 // reversed: the declared order, reversed
)

// instancesChanged reports whether f changes how DescribeInstances lists
// instances, so that the cached renderings cannot be used as they are.
func (f form) instancesChanged() bool {
	return f.order != orderDeclared || f.extra || f.absent || f.newest
}

// writeError writes an error answer in the emulator's form.
func (e *Emulator) writeError(w http.ResponseWriter, hr *http.Request, rid, code, message string) {
	f := e.behaviour.form
	if f == (form{}) {
		tcapi.WriteError(w, rid, code, message)
		return
	}
	if f.reworded {
		message = reword(code)
	}
	ms := []member{{"Error", encodeObject([]member{{"Code", jsonString(code)}, {"Message", jsonString(message)}})}}
	status := http.StatusOK
	if f.status != 0 {
		status = f.status
	}
	e.write(w, hr, f, status, e.envelope(f, ms, rid))
}

// writeSuccess writes a success answer without fields (StopInstances,
// StartInstances) in the emulator's form.
func (e *Emulator) writeSuccess(w http.ResponseWriter, hr *http.Request, rid string) {
	f := e.behaviour.form
	if f == (form{}) {
		tcapi.WriteSuccess(w, rid, nil)
		return
	}
	e.write(w, hr, f, http.StatusOK, e.envelope(f, nil, rid))
}

// writeDescribe writes DescribeInstances' answer, fields as answer
// rendered them (in the form's order of instances and fields), in the
// emulator's form.
func (e *Emulator) writeDescribe(w http.ResponseWriter, hr *http.Request, rid string, fields tcapi.RawObject) {
	f := e.behaviour.form
	if f == (form{}) {
		tcapi.WriteSuccess(w, rid, fields)
		return
	}
	e.write(w, hr, f, http.StatusOK, e.envelope(f, members(fields), rid))
}

// envelope renders {"Response":{…}} from the Response's members (without
// RequestId) in form f: with the extra trace member, every object's keys
// in f's order, and RequestId first or last.
func (e *Emulator) envelope(f form, ms []member, rid string) []byte {
	if f.extra {
		trace := encodeObject([]member{{"Emulator", jsonString("cvmconform")}, {"Variants", jsonString(e.variants.String())}})
		ms = append(ms, member{"X-Emulator-Trace", trace})
	}
	ms = f.ordered(ms)
	r := member{"RequestId", jsonString(rid)}
	if f.ridFirst {
		ms = append([]member{r}, ms...)
	} else {
		ms = append(ms, r)
	}
	return encodeObject([]member{{"Response", encodeObject(ms)}})
}

// write sends body with status, gzip-compressed when f asks for it and the
// request accepts it.
func (e *Emulator) write(w http.ResponseWriter, hr *http.Request, f form, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", tcapi.ContentTypeJSON)
	if f.gzip {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(hr.Header.Values("Accept-Encoding")) {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			_, _ = zw.Write(body) // a bytes.Buffer does not fail
			_ = zw.Close()
			body = buf.Bytes()
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body) // a failed write means the client has gone
}

// acceptsGzip reports whether Accept-Encoding values accept gzip (RFC 9110
// §12.5.3): gzip (or x-gzip), else *, with a q-value above 0.
func acceptsGzip(values []string) bool {
	gz, star := -1, -1 // unnamed, refused (0) or accepted (1)
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(item, ";")
			ok := 1
			for _, p := range strings.Split(params, ";") {
				k, q, found := strings.Cut(strings.TrimSpace(p), "=")
				if found && strings.EqualFold(strings.TrimSpace(k), "q") {
					if x, err := strconv.ParseFloat(strings.TrimSpace(q), 64); err != nil || x <= 0 {
						ok = 0
					}
				}
			}
			switch name = strings.ToLower(strings.TrimSpace(name)); name {
			case "gzip", "x-gzip":
				gz = ok
			case "*":
				star = ok
			}
		}
	}
	if gz >= 0 {
		return gz == 1
	}
	return star == 1
}

// reword is the message of the messages=reworded variant: another text
// altogether, worded as the real cloud's Chinese messages are. The code
// stays; the suite must not read the message.
func reword(code string) string {
	return fmt.Sprintf("请求未能完成（%s）。请检查请求参数后重试。", code)
}

// instanceExtras are Instance fields of the SDK ([SDK-cvm] models.go
// Instance) the emulator does not keep: extra-fields=yes adds those an
// instance lacks, with plausible values, to show the suite ignores fields
// it does not know.
var instanceExtras = []member{
	{"CamRoleName", json.RawMessage(`""`)},
	{"HpcClusterId", json.RawMessage(`null`)},
	{"DisasterRecoverGroupId", json.RawMessage(`""`)},
	{"LicenseType", json.RawMessage(`"TencentCloud"`)},
	{"ImageId", json.RawMessage(`"img-9qrfy1xt"`)},
	{"OsName", json.RawMessage(`"TencentOS Server 3.1 (TK4)"`)},
	{"IPv6Addresses", json.RawMessage(`null`)},
	{"RdmaIpAddresses", json.RawMessage(`[]`)},
	{"VirtualPrivateCloud", json.RawMessage(`{"VpcId":"vpc-0a1b2c3d","SubnetId":"subnet-4e5f6a7b","AsVpcGateway":false,"PrivateIpAddresses":null,"Ipv6AddressCount":0}`)},
	{"InternetAccessible", json.RawMessage(`{"InternetChargeType":"TRAFFIC_POSTPAID_BY_HOUR","InternetMaxBandwidthOut":0,"PublicIpAssigned":false}`)},
	{"Tags", json.RawMessage(`[]`)},
}

// instanceAs renders an instance's JSON, as record.render makes it, in
// form f: with the extra SDK fields, and without its null members when
// optional fields are left out. Key order is the envelope's business.
func instanceAs(f form, rendered []byte) json.RawMessage {
	ms := members(rendered)
	if f.extra {
		for _, x := range instanceExtras {
			if !slices.ContainsFunc(ms, func(m member) bool { return m.key == x.key }) {
				ms = append(ms, x)
			}
		}
	}
	if f.absent {
		ms = slices.DeleteFunc(ms, func(m member) bool { return string(m.val) == "null" })
	}
	return encodeObject(ms)
}

// member is one member of a JSON object, its value rendered.
type member struct {
	key string
	val json.RawMessage
}

// members splits a rendered JSON object into its members, in order; nil
// or empty is no members. The emulator renders what it splits: anything
// else is a programming error, and panics.
func members(obj []byte) []member {
	if len(obj) == 0 {
		return nil
	}
	var ms []member
	dec := json.NewDecoder(bytes.NewReader(obj))
	expectDelim(dec, '{')
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			panic(fmt.Errorf("emulator: members: %w", err))
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			panic(fmt.Errorf("emulator: members: %w", err))
		}
		ms = append(ms, member{k.(string), v})
	}
	return ms
}

// elements splits a rendered JSON array into its elements.
func elements(arr []byte) []json.RawMessage {
	var out []json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(arr))
	expectDelim(dec, '[')
	for dec.More() {
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			panic(fmt.Errorf("emulator: elements: %w", err))
		}
		out = append(out, v)
	}
	return out
}

func expectDelim(dec *json.Decoder, d json.Delim) {
	if t, err := dec.Token(); err != nil || t != d {
		panic(fmt.Errorf("emulator: want a JSON %v, got %v (%v)", d, t, err))
	}
}

// ordered returns ms in f's key order, each value's objects ordered too.
func (f form) ordered(ms []member) []member {
	if f.order == orderDeclared {
		return ms
	}
	out := make([]member, len(ms))
	for i, m := range ms {
		out[i] = member{m.key, f.reorder(m.val)}
	}
	switch f.order {
	case orderSorted:
		slices.SortStableFunc(out, func(a, b member) int { return strings.Compare(a.key, b.key) })
	case orderReversed:
		slices.Reverse(out)
	}
	return out
}

// reorder renders a JSON value with the keys of every object in it in f's
// order.
func (f form) reorder(v json.RawMessage) json.RawMessage {
	switch {
	case len(v) == 0:
		return v
	case v[0] == '{':
		return encodeObject(f.ordered(members(v)))
	case v[0] == '[':
		els := elements(v)
		b := []byte{'['}
		for i, el := range els {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, f.reorder(el)...)
		}
		return append(b, ']')
	}
	return v
}

func encodeObject(ms []member) json.RawMessage {
	b := []byte{'{'}
	for i, m := range ms {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, jsonString(m.key)...)
		b = append(b, ':')
		b = append(b, m.val...)
	}
	return append(b, '}')
}

// jsonString renders s as a JSON string, without escaping <, > and & (as
// tcapi's writers do not).
func jsonString(s string) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})
}
