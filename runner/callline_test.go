package runner_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// TestCallLine: an exchange the call command can send again gets a call
// line that says its endpoint, region, action, parameters and style
// (cmd/cvmconform's TestCallLineReplays sends each through call); one it
// cannot express gets none, rather than a line that would send another
// request.
func TestCallLine(t *testing.T) {
	t.Parallel()
	e := embedded(t, emulator.EmbeddedOptions{})
	tg := target(t, e)
	bad := tcapi.Credential{SecretID: "AKIDnotakeyofthistarget00", SecretKey: "x"}
	for _, tc := range []struct {
		name   string
		send   runner.Send
		want   string // "" for no line
		reason string
	}{
		{name: "tc3 JSON", send: runner.Send{Call: stop("ins-1122"), ExactStyle: true},
			want:   "cvmconform call --endpoint " + e.URL + ` --region ap-guangzhou StopInstances '{"InstanceIds":["ins-1122"]}'`,
			reason: "the default style needs no flag; JSON is quoted for the shell"},
		{name: "tc3 GET", send: runner.Send{Call: withStyle(stop("ins-1122"), tcapi.StyleTC3Get, ""), ExactStyle: true},
			want: "cvmconform call --endpoint " + e.URL + ` --region ap-guangzhou --get StopInstances '{"InstanceIds":["ins-1122"]}'`},
		{name: "hmacsha1 form", send: runner.Send{Call: withStyle(describe(), tcapi.StyleV1PostForm, tcapi.HmacSHA1), ExactStyle: true},
			want:   "cvmconform call --endpoint " + e.URL + " --region ap-guangzhou --signature hmacsha1 DescribeInstances",
			reason: "v1's default is the form POST; no parameters, no JSON"},
		{name: "hmacsha256 GET", send: runner.Send{Call: withStyle(describe(), tcapi.StyleV1Get, tcapi.HmacSHA256), ExactStyle: true},
			want: "cvmconform call --endpoint " + e.URL + " --region ap-guangzhou --signature hmacsha256 --get DescribeInstances"},
		{name: "a quote in a value", send: runner.Send{Call: stop("ins-'1"), ExactStyle: true},
			want:   "cvmconform call --endpoint " + e.URL + ` --region ap-guangzhou StopInstances '{"InstanceIds":["ins-'\''1"]}'`,
			reason: "a single quote ends the quoting, is escaped, and the quoting goes on"},
		{name: "a hand-made body", send: runner.Send{Call: tcapi.Call{Action: model.ActionStop, Body: []byte(`{"InstanceIds":[`)}, ExactStyle: true},
			reason: "call sends parameters, never a body as given"},
		{name: "a request changed after signing", send: runner.Send{Call: stop("ins-1122"), ExactStyle: true, Mutate: flipSignature},
			reason: "the call would not be changed"},
		{name: "a credential the target does not know", send: runner.Send{Call: stop("ins-1122"), ExactStyle: true, Cred: &bad},
			reason: "call signs with the environment's credentials, which are not this"},
		{name: "another method", send: runner.Send{Call: tcapi.Call{Action: model.ActionDescribe, HTTPMethod: "PUT"}, ExactStyle: true},
			reason: "call sends GET or POST"},
		{name: "an invalid literal", send: runner.Send{Call: tcapi.Call{Action: model.ActionDescribe,
			Params: []tcapi.Param{{Name: "Limit", Value: model.Value{Kind: model.KindNumber, Text: "1e"}}}}, ExactStyle: true},
			reason: "JSON cannot hold it: a line would send another value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := do(t, tg, tc.send)
			require.Equal(t, tc.want, runner.CallLine(x), tc.reason)
			ev := x.Evidence("success", "")
			require.Equal(t, tc.want, ev.Call)
			require.Equal(t, x.Method, ev.Method)
			require.Contains(t, ev.Headers, "Host: "+strings.TrimPrefix(e.URL, "http://"), "the Host header is on the wire")
			for _, h := range ev.Headers {
				require.NotContains(t, h, e.Cred.SecretID, "no SecretId unmasked")
				require.NotContains(t, h, e.Cred.SecretKey)
			}
			require.NotContains(t, ev.Body, e.Cred.SecretID)
		})
	}
}

func withStyle(c tcapi.Call, s tcapi.Style, v1 string) tcapi.Call {
	c.Style, c.V1Method = s, v1
	return c
}

// TestEvidenceCutsHugeBodies: a body of megabytes (the hostile corpus's)
// is kept to its first EvidenceLimit bytes, saying how many more there
// were, and gets no call line.
func TestEvidenceCutsHugeBodies(t *testing.T) {
	t.Parallel()
	e := embedded(t, emulator.EmbeddedOptions{})
	x := do(t, target(t, e), runner.Send{Call: stop("ins-" + strings.Repeat("0", 100<<10)), ExactStyle: true})
	ev := x.Evidence("", "")
	require.Less(t, len(ev.Body), runner.EvidenceLimit+40)
	require.Contains(t, ev.Body, "…(+")
	require.Empty(t, ev.Call)
}
