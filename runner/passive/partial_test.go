package passive_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/fixtures/realcloud"
	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/passive"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Judging with partial knowledge: what a recording leaves out is widened,
// never guessed.

func TestOtherActionsAreNotJudged(t *testing.T) {
	t.Parallel()
	rs := recordCycle(t, 10)
	run := rs[0]
	run.header = withHeader(run.header, "X-TC-Action", "RunInstances")
	light := rs[1]
	light.host, light.url = "lighthouse.tencentcloudapi.com", "https://lighthouse.tencentcloudapi.com/"
	light.header = withHeader(light.header, "Host", light.host)
	page := recorded{method: "GET", url: "http://127.0.0.1/favicon.ico", host: "127.0.0.1", header: http.Header{},
		status: 404, respHeader: http.Header{"Content-Type": {"text/html"}}, resp: []byte("<h1>no</h1>"), sent: run.sent, received: run.received}
	all := append([]recorded{run, light, page}, rs...)
	for _, f := range formats {
		res := judge(t, f.name, f.write(all), passive.Config{})
		require.Empty(t, res.Findings, "%s: other actions are never findings:\n%s", f.name, findingLines(res))
		require.Equal(t, len(rs), res.Judged, f.name)
		require.Len(t, res.NotJudged, 3, f.name)
		require.Equal(t, passive.Skipped{Index: 1, What: "RunInstances"}, res.NotJudged[0], f.name)
		require.Equal(t, "StopInstances of another product (lighthouse)", res.NotJudged[1].What, f.name)
		require.Contains(t, res.NotJudged[2].What, "GET /favicon.ico", f.name)
	}
}

// withHeader returns h with name set to v, whatever the spelling h has it
// under.
func withHeader(h http.Header, name, v string) http.Header {
	h = h.Clone()
	for k := range h {
		if http.CanonicalHeaderKey(k) == http.CanonicalHeaderKey(name) {
			delete(h, k)
		}
	}
	h.Set(name, v)
	return h
}

// A recorder that scrubbed the Authorization header proves nothing about
// the signature.
func TestScrubbedAuthorizationProvesNothing(t *testing.T) {
	t.Parallel()
	rs := recordCycle(t, 11)
	for i := range rs {
		rs[i].header = withHeader(rs[i].header, "Authorization", "")
		rs[i].header.Del("Authorization")
	}
	for _, f := range formats {
		res := judge(t, f.name, f.write(rs), passive.Config{})
		require.Empty(t, res.Findings, "%s:\n%s", f.name, findingLines(res))
	}
}

// Exchanges that overlap in time may have been served in either order:
// a DescibeInstances showing the stop before the stop's answer arrived is
// no finding then, and is one when the times say the describe came first.
func TestConcurrentExchangesWithholdOrderDependentFindings(t *testing.T) {
	t.Parallel()
	rs := recordCycle(t, 12)
	require.Equal(t, "StopInstances", action(rs[1]))
	require.Equal(t, "DescribeInstances", action(rs[2]))
	// The describe that followed the stop, moved before it; every
	// exchange 100 ms apart, each taking 10 ms.
	order := append([]recorded{rs[0], rs[2], rs[1]}, rs[3:]...)
	base := rs[0].sent
	for i := range order {
		order[i].sent = base.Add(time.Duration(i) * 100 * time.Millisecond)
		order[i].received = order[i].sent.Add(10 * time.Millisecond)
	}
	res := judge(t, "sequential.har", harFile(order), passive.Config{})
	require.NotNil(t, firstOf(res, "OBSERVED-STATE"), "the stop showed before it was sent:\n%s", findingLines(res))

	order[1].sent, order[1].received = order[2].sent, order[2].received.Add(time.Millisecond)
	res = judge(t, "overlapping.har", harFile(order), passive.Config{})
	require.Empty(t, res.Findings, findingLines(res))
	require.Len(t, res.Withheld, 1)
	require.Contains(t, res.Withheld[0], "#2 OBSERVED-STATE")
}

// burst sends n harmless stops (an ID that names nothing) as fast as one
// client can, and returns the transcript.
func burst(t *testing.T, e *emulator.Embedded, n int) []*runner.Exchange {
	t.Helper()
	tg, err := runner.NewTarget(runner.TargetConfig{Endpoint: e.URL, Region: testRegion, Cred: e.Cred, Allowed: func(string) bool { return true }})
	require.NoError(t, err)
	for range n {
		_, err := tg.Do(context.Background(), runner.Send{Check: "T-RATE", Unpaced: true,
			Call: tcapi.Call{Action: model.ActionStop, Params: []tcapi.Param{{Name: "InstanceIds", Value: model.Strs("ins-0000dead")}}}})
		require.NoError(t, err)
	}
	return tg.Transcript().Since(0)
}

func TestRateLimitJudgedFromTheTimeline(t *testing.T) {
	t.Parallel()
	const n = 3 * 10
	res := judge(t, "clean.jsonl", writeTranscript(t, burst(t, startEmulator(t), n)), passive.Config{})
	require.Empty(t, res.Findings, findingLines(res))
	require.Equal(t, "rate limit judged on the timeline (too loose only)", res.Rate)

	res = judge(t, "loose.jsonl", writeTranscript(t, burst(t, startEmulator(t, "no-rate-limit"), n)), passive.Config{})
	f := firstOf(res, "RATE-TOO-LOOSE")
	require.NotNil(t, f, findingLines(res))
	require.Zero(t, f.Index, "a finding on the timeline")
	require.Contains(t, f.Instance, "StopInstances of account AKID")
	require.Contains(t, f.Context, "30 attempts")

	// --rate-limit: a target that accepts 30 a second is too loose for
	// the documented 10, not for 30.
	fast := writeTranscript(t, burst(t, startEmulatorWith(t, emulator.EmbeddedOptions{RateLimit: 30}), n))
	require.NotNil(t, firstOf(judge(t, "fast.jsonl", fast, passive.Config{}), "RATE-TOO-LOOSE"))
	res = judge(t, "fast.jsonl", fast, passive.Config{StopRateLimit: 30})
	require.Empty(t, res.Findings, findingLines(res))

	// Never too strict: the account's other clients may have filled the
	// limiter with requests the recording does not hold.
	res = judge(t, "limited.jsonl", writeTranscript(t, burst(t, startEmulator(t), n)), passive.Config{StopRateLimit: 40})
	require.Empty(t, res.Findings, findingLines(res))
}

func TestRateLimitNeedsTimes(t *testing.T) {
	t.Parallel()
	rs := recordCycle(t, 13)
	for i := range rs {
		rs[i].respHeader = rs[i].respHeader.Clone()
		rs[i].respHeader.Del("Date")
	}
	res := judge(t, "undated.yaml", vcrpyCassette(rs, false), passive.Config{})
	require.Empty(t, res.Findings)
	require.Equal(t, "rate limit not judged: the recording has no times", res.Rate)
	rec, err := passive.Read("undated.yaml", vcrpyCassette(rs, false))
	require.NoError(t, err)
	for _, x := range rec.Exchanges {
		require.Equal(t, passive.TimingNone, x.Timing)
		require.True(t, x.Sent.IsZero())
	}
}

// synthetic is one exchange of a hand-made cassette: a TC3 JSON POST to
// the real cloud, signed with a key nobody here has, answered with body.
func synthetic(i int, action, params, body string) recorded {
	at := realcloud.Start.Add(time.Duration(i) * time.Second)
	h := http.Header{}
	h.Set("Authorization", fmt.Sprintf("TC3-HMAC-SHA256 Credential=AKIDsyntheticExample0000000000000/%s/cvm/tc3_request, SignedHeaders=content-type;host, Signature=%064x",
		at.Format(time.DateOnly), i))
	h.Set("Content-Type", "application/json")
	h.Set("X-TC-Action", action)
	h.Set("X-TC-Version", model.APIVersion)
	h.Set("X-TC-Region", testRegion)
	h.Set("X-TC-Timestamp", fmt.Sprint(at.Unix()))
	return recorded{method: "POST", url: "https://cvm.tencentcloudapi.com/", host: "cvm.tencentcloudapi.com", header: h,
		body: []byte(params), status: 200, respHeader: http.Header{"Date": {at.Format(http.TimeFormat)}}, resp: []byte(body),
		sent: at, received: at.Add(50 * time.Millisecond)}
}

// An instance never seen may be another account's: refused as such, it
// is no finding; refused in a way nothing explains, it is.
func TestUnseenInstanceMayBeAnotherAccounts(t *testing.T) {
	t.Parallel()
	refused := func(code string) []byte {
		return vcrpyCassette([]recorded{synthetic(0, "StopInstances", `{"InstanceIds":["ins-0therac1"]}`,
			`{"Response":{"Error":{"Code":"`+code+`","Message":"no"},"RequestId":"r-1"}}`)}, false)
	}
	for _, code := range []string{"AuthFailure.UnauthorizedOperation", "UnauthorizedOperation", "InvalidInstanceId.NotFound", "UnsupportedOperation.InstanceStateStopped"} {
		res := judge(t, code, refused(code), passive.Config{})
		require.Empty(t, res.Findings, "%s:\n%s", code, findingLines(res))
	}
	res := judge(t, "InvalidParameterCombination", refused("InvalidParameterCombination"), passive.Config{})
	require.NotNil(t, firstOf(res, "EXIST-TERMINATED"), findingLines(res))

	// Once a stop of it succeeded, it is the caller's.
	seen := vcrpyCassette([]recorded{
		synthetic(0, "StopInstances", `{"InstanceIds":["ins-0therac1"]}`, `{"Response":{"RequestId":"r-1"}}`),
		synthetic(1, "StopInstances", `{"InstanceIds":["ins-0therac1"]}`, `{"Response":{"Error":{"Code":"UnauthorizedOperation","Message":"no"},"RequestId":"r-2"}}`),
	}, false)
	res = judge(t, "seen", seen, passive.Config{})
	require.Len(t, res.Findings, 1, findingLines(res))
	require.Equal(t, 2, res.Findings[0].Index)
}

// A recording does not say which regions the target serves: one may be
// refused as unsupported (ledger L-26); an unlisted one must be.
func TestRegionsServedAreUnknown(t *testing.T) {
	t.Parallel()
	describe := func(region, code string) []byte {
		r := synthetic(0, "DescribeInstances", `{"Limit":1}`, `{"Response":{"Error":{"Code":"`+code+`","Message":"no"},"RequestId":"r-1"}}`)
		r.header = withHeader(r.header, "X-TC-Region", region)
		return vcrpyCassette([]recorded{r}, false)
	}
	res := judge(t, "listed", describe("ap-shanghai", "UnsupportedRegion"), passive.Config{})
	require.Empty(t, res.Findings, findingLines(res))
	res = judge(t, "wrong code", describe("ap-shanghai", "InvalidAction"), passive.Config{})
	require.NotNil(t, firstOf(res, "VALID-REQUEST"), findingLines(res))
	res = judge(t, "unlisted", describe("mars-north-1", "UnsupportedRegion"), passive.Config{})
	require.Empty(t, res.Findings, "an unlisted region is refused as unsupported: %s", findingLines(res))
	res = judge(t, "unlisted served", describe("mars-north-1", "InvalidAction"), passive.Config{})
	require.NotNil(t, firstOf(res, "PROTO-REGION-UNKNOWN"), findingLines(res))
}
