package emulator

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// The response-form variants: each choice answers in the form it names,
// and the suite's reader (tcapi.ParseResponse) reads every form to the
// same content. runner's TestEveryAnswerFormReadsAlike shows the same for
// runner.ParseDescribe and the suite's client.

// sent is one answer as the emulator sent it.
type sent struct {
	status int
	header http.Header
	raw    []byte // the body on the wire
	body   []byte // the body, decompressed when it was compressed
}

// fetch sends a signed TC3 JSON request with the given Accept-Encoding
// ("" for none: the client neither asks for compression nor undoes it)
// and returns the answer as sent.
func (h *harness) fetch(acceptEncoding, action string, params ...tcapi.Param) sent {
	h.t.Helper()
	req, err := tcapi.NewRequest(context.Background(), h.srv.URL, tcapi.Call{Action: action, Version: model.APIVersion,
		Region: "ap-guangzhou", Timestamp: h.clock.Now(), Params: params}, h.cred)
	require.NoError(h.t, err)
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr}).Do(req)
	require.NoError(h.t, err)
	defer res.Body.Close()
	s := sent{status: res.StatusCode, header: res.Header}
	s.raw, err = io.ReadAll(res.Body)
	require.NoError(h.t, err)
	s.body = s.raw
	if res.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(s.raw))
		require.NoError(h.t, err, "Content-Encoding gzip, but the body is not gzip")
		s.body, err = io.ReadAll(zr)
		require.NoError(h.t, err)
	}
	return s
}

// parsed reads the answer with the suite's reader.
func (s sent) parsed(t *testing.T) tcapi.Response {
	t.Helper()
	r, err := tcapi.ParseResponse(s.body)
	require.NoError(t, err, "body %s", s.body)
	require.NotEmpty(t, r.RequestID)
	return r
}

// The three answers every form test looks at.
var (
	formDescribe = []tcapi.Param{param("Limit", model.Num(100))}
	formError    = []tcapi.Param{ids("ins-1122")} // InvalidInstanceId.Malformed
)

func formStop() []tcapi.Param { return []tcapi.Param{ids(byState(model.Running)[0])} }

// keysOf lists a JSON object's keys in order.
func keysOf(t *testing.T, obj []byte) []string {
	t.Helper()
	var keys []string
	dec := json.NewDecoder(bytes.NewReader(obj))
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok, "not an object: %s", obj)
	for dec.More() {
		k, err := dec.Token()
		require.NoError(t, err)
		var v json.RawMessage
		require.NoError(t, dec.Decode(&v))
		keys = append(keys, k.(string))
	}
	return keys
}

// memberOf returns the value of an object's member (nil if absent).
func memberOf(t *testing.T, obj []byte, key string) json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(obj, &m), "%s", obj)
	return m[key]
}

// responseOf returns the Response object of an answer body.
func responseOf(t *testing.T, body []byte) json.RawMessage {
	t.Helper()
	r := memberOf(t, body, "Response")
	require.NotNil(t, r, "no Response: %s", body)
	return r
}

// instancesOf returns the InstanceSet elements of a DescribeInstances body.
func instancesOf(t *testing.T, body []byte) []json.RawMessage {
	t.Helper()
	var set []json.RawMessage
	require.NoError(t, json.Unmarshal(memberOf(t, responseOf(t, body), "InstanceSet"), &set))
	return set
}

func without(keys []string, key string) []string {
	return slices.DeleteFunc(slices.Clone(keys), func(k string) bool { return k == key })
}

func reversed(keys []string) []string {
	out := slices.Clone(keys)
	slices.Reverse(out)
	return out
}

// formHarnesses returns emulators answering with variant name at choice:
// alone, and with key-order=sorted too, which makes DescribeInstances
// render its instances on the slow path, where the choice must hold as
// well.
func formHarnesses(t *testing.T, name, choice string) []*harness {
	t.Helper()
	return []*harness{
		newHarness(t, Config{RateLimit: -1, Variants: Choices{name: choice}}),
		newHarness(t, Config{RateLimit: -1, Variants: Choices{name: choice, VariantKeyOrder: "sorted"}}),
	}
}

// TestFormDefaultsAreTodaysBytes: the default choices, named or not, give
// the answers byte for byte as before the variants (the fast path through
// tcapi.WriteSuccess and WriteError), whatever the client accepts.
func TestFormDefaultsAreTodaysBytes(t *testing.T) {
	t.Parallel()
	defaults := Choices{}
	for _, name := range []string{VariantGzip, VariantKeyOrder, VariantRequestID, VariantMessages,
		VariantExtraFields, VariantOptional, VariantDescribeOrd, VariantErrorStatus} {
		v, ok := VariantNamed(name)
		require.True(t, ok, name)
		defaults[name] = v.Choices[0]
	}
	// The same randomness: the same credentials and RequestIds.
	plain := newHarness(t, Config{RateLimit: -1, Rand: mrand.NewChaCha8([32]byte{1})})
	named := newHarness(t, Config{RateLimit: -1, Rand: mrand.NewChaCha8([32]byte{1}), Variants: defaults})
	cases := []struct {
		reason string
		action string
		params []tcapi.Param
	}{
		{"a DescribeInstances page", model.ActionDescribe, formDescribe},
		{"DescribeInstances by ID", model.ActionDescribe, []tcapi.Param{ids(byState(model.Stopped)[0], byState(model.Running)[1])}},
		{"a success without fields", model.ActionStop, formStop()},
		{"an error", model.ActionStop, formError},
		{"an error of the protocol", "RebootInstancez", nil},
	}
	for _, c := range cases {
		a := plain.fetch("gzip", c.action, c.params...)
		b := named.fetch("gzip", c.action, c.params...)
		require.Equal(t, string(a.raw), string(b.raw), c.reason)
		require.Equal(t, http.StatusOK, b.status, c.reason)
		require.Equal(t, a.header.Get("Content-Length"), b.header.Get("Content-Length"), c.reason)
		require.Empty(t, b.header.Get("Content-Encoding"), c.reason)
		require.Equal(t, tcapi.ContentTypeJSON, b.header.Get("Content-Type"), c.reason)
		require.Equal(t, byte('{'), b.raw[0], c.reason)
	}
}

// TestFormKeyOrder: key-order orders the keys of every object of an
// answer: Response's (RequestId aside: request-id places it), Error's,
// each Instance's and the objects within.
func TestFormKeyOrder(t *testing.T) {
	t.Parallel()
	base := newHarness(t, Config{RateLimit: -1})
	declared := struct{ resp, errResp, errObj, inst, placement []string }{}
	d := base.fetch("", model.ActionDescribe, formDescribe...)
	declared.resp = without(keysOf(t, responseOf(t, d.body)), "RequestId")
	declared.inst = keysOf(t, instancesOf(t, d.body)[0])
	declared.placement = keysOf(t, memberOf(t, instancesOf(t, d.body)[0], "Placement"))
	e := base.fetch("", model.ActionStop, formError...)
	declared.errResp = without(keysOf(t, responseOf(t, e.body)), "RequestId")
	declared.errObj = keysOf(t, memberOf(t, responseOf(t, e.body), "Error"))
	require.Equal(t, []string{"Code", "Message"}, declared.errObj)
	require.Equal(t, []string{"InstanceSet", "TotalCount"}, declared.resp)

	cases := []struct {
		choice string
		reason string
		want   func([]string) []string
	}{
		{"declared", "the emulator's order, as today", slices.Clone[[]string]},
		{"sorted", "every object's keys in byte order", func(k []string) []string { return slices.Sorted(slices.Values(k)) }},
		{"reversed", "every object's keys the other way round", reversed},
	}
	for _, c := range cases {
		t.Run(c.choice, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Config{RateLimit: -1, Variants: Choices{VariantKeyOrder: c.choice}})
			d := h.fetch("", model.ActionDescribe, formDescribe...)
			resp := keysOf(t, responseOf(t, d.body))
			require.Equal(t, "RequestId", resp[len(resp)-1], "%s: request-id=last keeps RequestId last", c.reason)
			require.Equal(t, c.want(declared.resp), without(resp, "RequestId"), c.reason)
			insts := instancesOf(t, d.body)
			require.NotEmpty(t, insts)
			for _, inst := range insts {
				require.Equal(t, c.want(declared.inst), keysOf(t, inst), c.reason)
				require.Equal(t, c.want(declared.placement), keysOf(t, memberOf(t, inst, "Placement")), "%s: nested objects too", c.reason)
			}
			e := h.fetch("", model.ActionStop, formError...)
			require.Equal(t, c.want(declared.errResp), without(keysOf(t, responseOf(t, e.body)), "RequestId"), c.reason)
			require.Equal(t, c.want(declared.errObj), keysOf(t, memberOf(t, responseOf(t, e.body), "Error")), c.reason)
			require.Equal(t, model.CodeMalformed, e.parsed(t).Error.Code, "the suite's reader reads the error whatever its order")
			require.Equal(t, base.fetch("", model.ActionDescribe, formDescribe...).parsed(t).Fields["TotalCount"], d.parsed(t).Fields["TotalCount"])
		})
	}
}

// TestFormRequestID: request-id puts RequestId last (the real cloud) or
// first in Response, in success and error answers alike.
func TestFormRequestID(t *testing.T) {
	t.Parallel()
	cases := []struct {
		choice string
		reason string
		at     func(n int) int // RequestId's index among n keys
	}{
		{"last", "as the real cloud records it", func(n int) int { return n - 1 }},
		{"first", "a target may put it anywhere", func(int) int { return 0 }},
	}
	for _, c := range cases {
		t.Run(c.choice, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Config{RateLimit: -1, Variants: Choices{VariantRequestID: c.choice}})
			for _, s := range []sent{
				h.fetch("", model.ActionDescribe, formDescribe...),
				h.fetch("", model.ActionStop, formError...),
				h.fetch("", model.ActionStop, formStop()...),
			} {
				keys := keysOf(t, responseOf(t, s.body))
				require.Equal(t, c.at(len(keys)), slices.Index(keys, "RequestId"), "%s: %v", c.reason, keys)
				r := s.parsed(t)
				require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, r.RequestID)
				require.NotContains(t, r.Fields, "RequestId")
			}
		})
	}
}

// TestFormGzip: gzip=yes compresses exactly when the request's
// Accept-Encoding allows gzip; the compressed body is the answer.
func TestFormGzip(t *testing.T) {
	t.Parallel()
	cases := []struct {
		choice, accept string
		reason         string
		gzipped        bool
	}{
		{"no", "gzip", "the default never compresses", false},
		{"yes", "", "a request that accepts no encoding gets none", false},
		{"yes", "gzip", "gzip accepted", true},
		{"yes", "deflate, gzip;q=0.8, br", "gzip among others", true},
		{"yes", "GZIP", "codings are case-insensitive", true},
		{"yes", "x-gzip", "x-gzip is gzip", true},
		{"yes", "deflate", "only deflate accepted", false},
		{"yes", "gzip;q=0", "q=0 refuses gzip", false},
		{"yes", "*", "any coding accepted", true},
		{"yes", "*, gzip;q=0", "gzip refused by name, whatever *", false},
		{"yes", "identity;q=1, *;q=0", "nothing but identity", false},
	}
	for _, c := range cases {
		t.Run(c.choice+"/"+c.accept, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Config{RateLimit: -1, Variants: Choices{VariantGzip: c.choice}})
			for _, s := range []sent{
				h.fetch(c.accept, model.ActionDescribe, formDescribe...),
				h.fetch(c.accept, model.ActionStop, formError...),
				h.fetch(c.accept, model.ActionStop, formStop()...),
			} {
				if c.gzipped {
					require.Equal(t, "gzip", s.header.Get("Content-Encoding"), c.reason)
					require.Equal(t, []byte{0x1f, 0x8b}, s.raw[:2], c.reason)
				} else {
					require.Empty(t, s.header.Get("Content-Encoding"), c.reason)
					require.Equal(t, s.raw, s.body, c.reason)
				}
				require.Equal(t, tcapi.ContentTypeJSON, s.header.Get("Content-Type"), c.reason)
				require.Equal(t, len(s.raw), atoi(t, s.header.Get("Content-Length")), "%s: Content-Length is the length sent", c.reason)
				s.parsed(t)
			}
		})
	}
	// Go's client (the suite's) asks for gzip by itself and undoes it.
	h := newHarness(t, Config{RateLimit: -1, Variants: Choices{VariantGzip: "yes"}})
	req, err := tcapi.NewRequest(context.Background(), h.srv.URL, tcapi.Call{Action: model.ActionDescribe, Version: model.APIVersion,
		Region: "ap-guangzhou", Timestamp: h.clock.Now(), Params: formDescribe}, h.cred)
	require.NoError(t, err)
	res, err := h.srv.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.True(t, res.Uncompressed, "the answer came compressed and the client undid it")
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	_, err = tcapi.ParseResponse(body)
	require.NoError(t, err)
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	require.NoError(t, json.Unmarshal([]byte(s), &n), "not a number: %q", s)
	return n
}

// TestFormMessages: messages=reworded says something else; the code
// stays.
func TestFormMessages(t *testing.T) {
	t.Parallel()
	base := newHarness(t, Config{RateLimit: -1}).fetch("", model.ActionStop, formError...).parsed(t).Error
	cases := []struct {
		choice string
		reason string
		same   bool
	}{
		{"plain", "the emulator's own words", true},
		{"reworded", "other words altogether", false},
	}
	for _, c := range cases {
		t.Run(c.choice, func(t *testing.T) {
			t.Parallel()
			// Alone, and with another form variant: the default choice
			// then takes the slow path, which must keep the message too.
			for _, with := range []Choices{{}, {VariantRequestID: "first"}} {
				h := newHarness(t, Config{RateLimit: -1, Variants: with.Merge(Choices{VariantMessages: c.choice})})
				got := h.fetch("", model.ActionStop, formError...).parsed(t).Error
				require.Equal(t, base.Code, got.Code, c.reason)
				require.NotEmpty(t, got.Message, c.reason)
				if c.same {
					require.Equal(t, base.Message, got.Message, c.reason)
				} else {
					require.NotEqual(t, base.Message, got.Message, c.reason)
					require.NotContains(t, got.Message, base.Message, c.reason)
				}
				wantOK(t, h.fetch("", model.ActionStop, formStop()...).parsed(t), "a success has no message to reword")
			}
		})
	}
}

// TestFormExtraFields: extra-fields=yes adds members the suite does not
// know, to Response and to each Instance, and changes none it knows.
func TestFormExtraFields(t *testing.T) {
	t.Parallel()
	base := newHarness(t, Config{RateLimit: -1}).fetch("", model.ActionDescribe, formDescribe...)
	cases := []struct {
		choice string
		reason string
		extra  bool
	}{
		{"no", "the emulator's fields only", false},
		{"yes", "the SDK's other Instance fields, and a trace", true},
	}
	for _, c := range cases {
		t.Run(c.choice, func(t *testing.T) {
			t.Parallel()
			for _, h := range formHarnesses(t, VariantExtraFields, c.choice) {
				d := h.fetch("", model.ActionDescribe, formDescribe...)
				for _, s := range []sent{d, h.fetch("", model.ActionStop, formError...), h.fetch("", model.ActionStop, formStop()...)} {
					r := s.parsed(t)
					_, traced := r.Fields["X-Emulator-Trace"]
					require.Equal(t, c.extra, traced, c.reason)
				}
				got, want := instancesOf(t, d.body), instancesOf(t, base.body)
				require.Equal(t, len(want), len(got))
				for i := range got {
					keys := keysOf(t, got[i])
					for _, k := range []string{"CamRoleName", "HpcClusterId", "DisasterRecoverGroupId", "LicenseType", "VirtualPrivateCloud"} {
						require.Equal(t, c.extra, slices.Contains(keys, k), "%s: %s", c.reason, k)
					}
					require.Equal(t, 1, countOf(keys, "Tags"), "an instance's Tags are not added twice")
					var known map[string]json.RawMessage
					require.NoError(t, json.Unmarshal(want[i], &known))
					for k, v := range known {
						require.JSONEq(t, string(v), string(memberOf(t, got[i], k)), "%s: %s unchanged", c.reason, k)
					}
				}
			}
		})
	}
}

func countOf(keys []string, k string) int {
	n := 0
	for _, x := range keys {
		if x == k {
			n++
		}
	}
	return n
}

// TestFormOptionalFields: optional-fields=absent leaves out the members
// an instance has no value for (null by default, as the real cloud) and
// keeps every other.
func TestFormOptionalFields(t *testing.T) {
	t.Parallel()
	base := instancesOf(t, newHarness(t, Config{RateLimit: -1}).fetch("", model.ActionDescribe, formDescribe...).body)
	nulls := 0
	for _, inst := range base {
		var m map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(inst, &m))
		for _, k := range []string{"ExpiredTime", "LatestOperation", "LatestOperationState", "LatestOperationRequestId", "LatestOperationErrorMsg"} {
			v, ok := m[k]
			require.True(t, ok, "%s is always there by default", k)
			if string(v) == "null" {
				nulls++
			}
		}
	}
	require.Positive(t, nulls, "the fleet has instances without a value for an optional field")
	cases := []struct {
		choice string
		reason string
		absent bool
	}{
		{"null", "null, as the real cloud", false},
		{"absent", "left out", true},
	}
	for _, c := range cases {
		t.Run(c.choice, func(t *testing.T) {
			t.Parallel()
			for _, h := range formHarnesses(t, VariantOptional, c.choice) {
				got := instancesOf(t, h.fetch("", model.ActionDescribe, formDescribe...).body)
				require.Equal(t, len(base), len(got))
				for i := range got {
					var want, have map[string]json.RawMessage
					require.NoError(t, json.Unmarshal(base[i], &want))
					require.NoError(t, json.Unmarshal(got[i], &have))
					for k, v := range want {
						switch {
						case string(v) == "null" && c.absent:
							require.NotContains(t, have, k, c.reason)
						default:
							require.Contains(t, have, k, c.reason)
							require.JSONEq(t, string(v), string(have[k]), "%s: %s", c.reason, k)
						}
					}
					require.Len(t, have, len(want)-nullCount(want)*boolInt(c.absent), c.reason)
				}
			}
		})
	}
}

func nullCount(m map[string]json.RawMessage) int {
	n := 0
	for _, v := range m {
		if string(v) == "null" {
			n++
		}
	}
	return n
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestFormDescribeOrder: describe-order lists the matches in fixture
// order or newest first; Offset and Limit page over the chosen order, so
// the pages put together are the whole listing, and TotalCount does not
// change.
func TestFormDescribeOrder(t *testing.T) {
	t.Parallel()
	// listing returns the IDs of every page of Limit limit, put together,
	// and the TotalCount of each page.
	listing := func(t *testing.T, h *harness, limit int, more ...tcapi.Param) ([]string, int) {
		t.Helper()
		var got []string
		total := -1
		for offset := 0; ; offset += limit {
			n, set := h.describe(append([]tcapi.Param{param("Offset", model.Num(offset)), param("Limit", model.Num(limit))}, more...)...)
			if total >= 0 {
				require.Equal(t, total, n, "TotalCount is the same on every page")
			}
			total = n
			for _, w := range set {
				got = append(got, w.InstanceID)
			}
			if offset+limit >= n {
				return got, total
			}
		}
	}
	base := newHarness(t, Config{RateLimit: -1})
	oldest, total := listing(t, base, 100)
	require.Greater(t, total, 100, "the fleet takes more than one page")
	require.Len(t, oldest, total)
	running := model.Arr(model.Obj(map[string]model.Value{"Name": model.Str("instance-state"), "Values": model.Strs("RUNNING")}))
	oldRunning, _ := listing(t, base, 100, param("Filters", running))
	named := []string{byState(model.Running)[0], byState(model.Stopped)[0], byState(model.Running)[2]}
	_, oldNamed := base.describe(ids(named...))

	cases := []struct {
		choice string
		reason string
		order  func([]string) []string
	}{
		{"oldest", "fixture order, as today", slices.Clone[[]string]},
		{"newest", "the other way round", reversed},
	}
	for _, c := range cases {
		t.Run(c.choice, func(t *testing.T) {
			t.Parallel()
			for _, h := range formHarnesses(t, VariantDescribeOrd, c.choice) {
				for _, limit := range []int{100, 7, 1} {
					got, n := listing(t, h, limit)
					require.Equal(t, total, n, "%s: TotalCount unchanged", c.reason)
					require.Equal(t, c.order(oldest), got, "%s: pages of %d over one order", c.reason, limit)
				}
				got, _ := listing(t, h, 9, param("Filters", running))
				require.Equal(t, c.order(oldRunning), got, "%s: with a filter", c.reason)
				n, set := h.describe(ids(named...))
				require.Equal(t, len(oldNamed), n)
				var gotNamed, want []string
				for i := range set {
					gotNamed, want = append(gotNamed, set[i].InstanceID), append(want, oldNamed[i].InstanceID)
				}
				require.Equal(t, c.order(want), gotNamed, "%s: by InstanceIds", c.reason)
				n, set = h.describe(param("Offset", model.Num(total+5)))
				require.Equal(t, total, n)
				require.Empty(t, set, "an Offset past the end lists nothing")
			}
		})
	}
}

// TestFormErrorStatus: error-status is an error answer's HTTP status; a
// success is 200 whatever it says.
func TestFormErrorStatus(t *testing.T) {
	t.Parallel()
	cases := []struct {
		choice string
		reason string
		status int
	}{
		{"200", "as the SDK expects (it reads the body whatever the status)", http.StatusOK},
		{"400", "a target may mark errors in the status too", http.StatusBadRequest},
	}
	for _, c := range cases {
		t.Run(c.choice, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Config{RateLimit: -1, Variants: Choices{VariantErrorStatus: c.choice}})
			e := h.fetch("", model.ActionStop, formError...)
			require.Equal(t, c.status, e.status, c.reason)
			require.Equal(t, model.CodeMalformed, e.parsed(t).Error.Code, c.reason)
			p := h.fetch("", "RebootInstancez")
			require.Equal(t, c.status, p.status, "%s: every error", c.reason)
			for _, s := range []sent{h.fetch("", model.ActionDescribe, formDescribe...), h.fetch("", model.ActionStop, formStop()...)} {
				require.Equal(t, http.StatusOK, s.status, "a success is 200")
				wantOK(t, s.parsed(t))
			}
		})
	}
}

// TestFormAllAtOnce: every non-default form together still reads as the
// default answers do.
func TestFormAllAtOnce(t *testing.T) {
	t.Parallel()
	all := Choices{VariantGzip: "yes", VariantKeyOrder: "reversed", VariantRequestID: "first", VariantMessages: "reworded",
		VariantExtraFields: "yes", VariantOptional: "absent", VariantDescribeOrd: "newest", VariantErrorStatus: "400"}
	base := newHarness(t, Config{RateLimit: -1})
	h := newHarness(t, Config{RateLimit: -1, Variants: all})
	named := []string{byState(model.Running)[0], byState(model.Stopped)[0]}
	want := base.fetch("", model.ActionDescribe, ids(named...)).parsed(t)
	s := h.fetch("gzip", model.ActionDescribe, ids(named...))
	require.Equal(t, "gzip", s.header.Get("Content-Encoding"))
	got := s.parsed(t)
	require.Equal(t, "RequestId", keysOf(t, responseOf(t, s.body))[0])
	require.Equal(t, string(want.Fields["TotalCount"]), string(got.Fields["TotalCount"]))
	var a, b []wireInstance
	require.NoError(t, json.Unmarshal(want.Fields["InstanceSet"], &a))
	require.NoError(t, json.Unmarshal(got.Fields["InstanceSet"], &b))
	slices.Reverse(a)
	require.Equal(t, a, b, "the same instances, newest first")
	e := h.fetch("gzip", model.ActionStop, formError...)
	require.Equal(t, http.StatusBadRequest, e.status)
	require.Equal(t, model.CodeMalformed, e.parsed(t).Error.Code)
}
