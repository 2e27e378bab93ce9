package runner_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// TestSummaryShowsTheBodySent: a request whose body was given as bytes
// (the hostile cases) reads as that body, not as the empty parameters
// the call also has.
func TestSummaryShowsTheBodySent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body, want, reason string
	}{
		{"cut JSON", `{"InstanceIds":["ins-r8hr2upy"`, `StopInstances body {"InstanceIds":["ins-r8hr2upy" (TC3JSON, ap-guangzhou)`,
			"the body as it went on the wire, quotes kept so that JSON reads as JSON"},
		{"empty", "", "StopInstances body (empty) (TC3JSON, ap-guangzhou)", "an empty body says so"},
		{"control and invalid UTF-8", "\t\r\n{\"a\xff\":\x00}", `StopInstances body \t\r\n{"a\xff":\x00} (TC3JSON, ap-guangzhou)`,
			"white space, control characters and invalid bytes are escaped, so the summary stays one line"},
	} {
		x := &runner.Exchange{Call: tcapi.Call{Action: model.ActionStop, Region: "ap-guangzhou", Style: tcapi.StyleTC3JSON, Body: []byte(tc.body)},
			Body: tc.body}
		require.Equal(t, tc.want, x.Summary(), "%s: %s", tc.name, tc.reason)
	}
	x := &runner.Exchange{Call: tcapi.Call{Action: model.ActionStop, Region: "ap-guangzhou", Style: tcapi.StyleTC3JSON,
		Params: []tcapi.Param{{Name: "InstanceIds", Value: model.Strs("ins-r8hr2upy")}}}, Body: `{"InstanceIds":["ins-r8hr2upy"]}`}
	require.Equal(t, `StopInstances {"InstanceIds":["ins-r8hr2upy"]} (TC3JSON, ap-guangzhou)`, x.Summary(), "a call of parameters reads as its parameters")
}
