package passive_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/fixtures/realcloud"
	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/passive"
)

// The real cloud's histories (fixtures/realcloud, facts §16), turned
// into the vcrpy cassettes they came from (Cloud Custodian's) and judged
// as any cassette is: the judge must accept everything the real cloud did,
// and report each departure at its step, with its rule.

// realCassette writes a history as a vcrpy cassette of the Python SDK's
// requests: TC3 JSON POSTs with a signature nobody can verify (the key is
// not in the recording), answered as recorded, with the answers' Date.
func realCassette(t *testing.T, h realcloud.History) []byte {
	t.Helper()
	var rs []recorded
	for i, s := range h.Steps {
		at := s.Time()
		var body bytes.Buffer
		require.NoError(t, json.Compact(&body, s.Request))
		hdr := http.Header{}
		hdr.Set("Authorization", fmt.Sprintf("TC3-HMAC-SHA256 Credential=AKIDrecordedExample000000000000000/%s/cvm/tc3_request, SignedHeaders=content-type;host, Signature=%064x",
			at.Format(time.DateOnly), i))
		hdr.Set("Content-Type", "application/json")
		hdr.Set("X-TC-Action", s.Action)
		hdr.Set("X-TC-Version", model.APIVersion)
		hdr.Set("X-TC-Region", realcloud.Region)
		hdr.Set("X-TC-Timestamp", fmt.Sprint(at.Unix()))
		hdr.Set("X-TC-RequestClient", "SDK_PYTHON_3.0.708")
		rs = append(rs, recorded{method: "POST", url: "https://" + h.Host + "/", host: h.Host, header: hdr, body: body.Bytes(),
			status: s.Status, respHeader: http.Header{"Content-Type": {"application/json"}, "Date": {at.Format(http.TimeFormat)}},
			resp: s.Response, sent: at, received: at.Add(80 * time.Millisecond)})
	}
	return vcrpyCassette(rs, false)
}

func TestRealCloudHistoriesAsCassettes(t *testing.T) {
	t.Parallel()
	require.Len(t, realcloud.Histories(), 5, "every history of fixtures/realcloud")
	for _, h := range realcloud.Histories() {
		cassette := realCassette(t, h)
		res := judge(t, h.History+".yaml", cassette, passive.Config{})
		require.Empty(t, res.Findings, "the real cloud did this; the judge must accept it:\n%s", findingLines(res))
		require.Equal(t, len(h.Steps), res.Judged, h.History)
		require.Equal(t, "rate limit judged on the timeline (too loose only)", res.Rate, h.History)
	}
}

func TestRealCloudDeparturesAsCassettes(t *testing.T) {
	t.Parallel()
	require.NotEmpty(t, realcloud.Departures())
	for _, h := range realcloud.Departures() {
		cassette := realCassette(t, h)
		require.NotNil(t, h.Expect, h.History)
		res := judge(t, h.History+".yaml", cassette, passive.Config{})
		require.NotEmpty(t, res.Findings, "%s: a history the real cloud never showed", h.History)
		f := res.Findings[0]
		require.Equal(t, h.Expect.Step+1, f.Index, "%s: the first finding is at the departing step:\n%s", h.History, findingLines(res))
		require.True(t, slices.Contains(strings.Split(f.Rule, ", "), h.Expect.Rule), "%s: want %s:\n%s", h.History, h.Expect.Rule, findingLines(res))
	}
}
