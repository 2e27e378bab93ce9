package passive_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/fixtures"
	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/passive"
)

// Recordings as people make them (fixtures/recordings): vcrpy cassettes
// of CVM traffic, scrubbed of Authorization and X-TC-Timestamp, with
// actions the model does not judge between the stops and starts. The
// judge must find nothing in them, and exactly the one departure of the
// tampered copy.

func readFixture(t *testing.T, name string) *passive.Recording {
	t.Helper()
	b, err := fixtures.Recording(name)
	require.NoError(t, err)
	rec, err := passive.Read(name+".yaml", b)
	require.NoError(t, err)
	return rec
}

func TestHandWrittenRecordingsDrawNoFinding(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		judged    int
		notJudged []string
		reason    string
	}{
		{"stop-start-terminate", 10, []string{"TerminateInstances"},
			"after TerminateInstances the instance is gone from the listing that names it"},
		{"reboot-modify-reset", 9, []string{"RebootInstances", "ModifyInstancesAttribute", "ResetInstance", "RunInstances"},
			"a rebooted instance shows REBOOTING; a modified one is stopped as if first met; RunInstances' instance is new"},
		{"tags-and-monitoring", 6, []string{"GetMonitorData", "ModifyResourceTags", "DescribeResourceTagsByResourceIds"},
			"calls of other products name the instance as a metric's dimension and a tag's resource"},
	}
	var names []string
	for _, n := range fixtures.RecordingNames() {
		if !strings.HasPrefix(n, "tampered/") {
			names = append(names, n)
		}
	}
	require.Len(t, names, len(cases), "every recording of fixtures/recordings has its case")
	for _, tc := range cases {
		rec := readFixture(t, tc.name)
		require.Equal(t, passive.FormatVCRPy, rec.Format, tc.name)
		for _, x := range rec.Exchanges {
			for _, h := range []string{"Authorization", "X-TC-Timestamp", "X-TC-Token"} {
				require.Empty(t, x.Header.Values(h), "%s #%d: scrubbed, as vcrpy's filter_headers leaves it", tc.name, x.Index)
			}
		}
		res := passive.JudgeRecording(passive.Config{}, rec)
		require.Empty(t, res.Findings, "%s: %s:\n%s", tc.name, tc.reason, findingLines(res))
		require.Empty(t, res.Withheld, tc.name)
		require.Equal(t, tc.judged, res.Judged, tc.name)
		var other []string
		for _, s := range res.NotJudged {
			other = append(other, s.What)
		}
		require.Equal(t, tc.notJudged, other, tc.name)
	}
}

func TestTamperedRecordingDrawsExactlyItsFinding(t *testing.T) {
	t.Parallel()
	clean, err := fixtures.Recording("stop-start-terminate")
	require.NoError(t, err)
	tampered, err := fixtures.Recording("tampered/stop-start-terminate")
	require.NoError(t, err)
	cl, tl := strings.Split(string(clean), "\n"), strings.Split(string(tampered), "\n")
	require.Len(t, tl, len(cl))
	var changed []int
	for i := range cl {
		if cl[i] != tl[i] {
			changed = append(changed, i)
		}
	}
	require.Len(t, changed, 1, "the copy differs in one listing")
	require.Equal(t, strings.Replace(cl[changed[0]], `"InstanceState":"STOPPING"`, `"InstanceState":"RUNNING"`, 1), tl[changed[0]],
		"the listing shows STOPPING as RUNNING, nothing else")

	rec := readFixture(t, "tampered/stop-start-terminate")
	res := passive.JudgeRecording(passive.Config{}, rec)
	require.Len(t, res.Findings, 1, findingLines(res))
	f := res.Findings[0]
	require.Equal(t, "OBSERVED-STATE", f.Rule)
	require.Equal(t, "ins-00lycyy6", f.Instance)
	require.Equal(t, 9, f.Index)
	require.Contains(t, f.Actual, "ins-00lycyy6 RUNNING (StopInstances OPERATING")
	stop := rec.Exchanges[f.Index-2]
	require.Equal(t, "StopInstances", stop.Header.Get("X-TC-Action"), "the listing right after a stop")
	require.NotContains(t, string(stop.Response), `"Error"`, "a successful one")
}

// An action the model does not judge forgets every instance its request
// names, however it names it: here a tag's resource name, URL-encoded in
// a GET query. A longer name that merely contains an ID (lhins-…) names
// no CVM instance, and the judge goes on knowing.
func TestOtherActionsForgetTheInstancesTheyName(t *testing.T) {
	t.Parallel()
	const id = "ins-aaaaaaaa"
	at := time.Date(2022, 10, 5, 8, 0, 0, 0, time.UTC)
	listing := func(i int, state string) recorded {
		body := fmt.Sprintf(`{"Response":{"TotalCount":1,"InstanceSet":[{"Placement":{"Zone":"ap-singapore-1"},"InstanceId":%q,`+
			`"InstanceChargeType":"POSTPAID_BY_HOUR","SystemDisk":{"DiskType":"CLOUD_SSD"},"DataDisks":null,"InstanceState":%q,`+
			`"StopChargingMode":"NOT_APPLICABLE","LatestOperation":null,"LatestOperationState":null,"LatestOperationRequestId":null}],`+
			`"RequestId":"00000000-0000-4000-8000-00000000000%d"}}`, id, state, i)
		return cvmExchange(at.Add(time.Duration(i)*time.Minute), "DescribeInstances", fmt.Sprintf(`{"InstanceIds": [%q]}`, id), body)
	}
	tag := func(resource string) recorded {
		u := "https://tag.tencentcloudapi.com/?ResourceName=" + strings.NewReplacer(":", "%3A", "/", "%2F").Replace(resource)
		h := http.Header{"X-TC-Action": {"AddResourceTag"}, "X-TC-Version": {"2018-08-13"}, "X-TC-Region": {"ap-singapore"},
			"Content-Type": {"application/x-www-form-urlencoded"}}
		return recorded{method: "GET", url: u, host: "tag.tencentcloudapi.com", header: h, status: 200,
			respHeader: http.Header{"Content-Type": {"application/json"}, "Date": {at.Add(90 * time.Second).Format(http.TimeFormat)}},
			resp:       []byte(`{"Response":{"RequestId":"00000000-0000-4000-8000-000000000009"}}`)}
	}
	for _, tc := range []struct {
		resource string
		forgets  bool
	}{
		{"qcs::cvm:ap-singapore:uin/100000000001:instance/" + id, true},
		{"qcs::lighthouse:ap-singapore:uin/100000000001:instance/lh" + id, false},
	} {
		rs := []recorded{listing(1, "RUNNING"), tag(tc.resource), listing(2, "STOPPED")}
		res := judge(t, "tag.yaml", vcrpyCassette(rs, false), passive.Config{})
		if tc.forgets {
			require.Empty(t, res.Findings, "%s names %s: forgotten, then met as new:\n%s", tc.resource, id, findingLines(res))
			continue
		}
		require.Len(t, res.Findings, 1, "%s names no CVM instance:\n%s", tc.resource, findingLines(res))
		require.Equal(t, "OBSERVED-STATE", res.Findings[0].Rule)
	}
}

// cvmExchange is a scrubbed TC3 JSON POST of action to the CVM host of
// ap-singapore, answered at at with resp.
func cvmExchange(at time.Time, action, body, resp string) recorded {
	h := http.Header{"X-TC-Action": {action}, "X-TC-Version": {model.APIVersion}, "X-TC-Region": {"ap-singapore"},
		"Content-Type": {"application/json"}}
	host := "cvm.ap-singapore.tencentcloudapi.com"
	return recorded{method: "POST", url: "https://" + host + "/", host: host, header: h, body: []byte(body), status: 200,
		respHeader: http.Header{"Content-Type": {"application/json"}, "Date": {at.Format(http.TimeFormat)}}, resp: []byte(resp),
		sent: at, received: at}
}

// A listing that overlaps in time an exchange of an action the model does
// not judge may show that action's effect: the target may have served
// them in either order, so its finding is withheld; when the times say
// the listing came first, the finding stands.
func TestOtherActionsOverlappingAListingWithholdItsFinding(t *testing.T) {
	t.Parallel()
	const id = "ins-bbbbbbbb"
	at := time.Date(2022, 10, 5, 8, 0, 0, 0, time.UTC)
	listing := func(i int, state string) recorded {
		body := fmt.Sprintf(`{"Response":{"TotalCount":1,"InstanceSet":[{"Placement":{"Zone":"ap-singapore-1"},"InstanceId":%q,`+
			`"InstanceChargeType":"POSTPAID_BY_HOUR","SystemDisk":{"DiskType":"CLOUD_SSD"},"DataDisks":null,"InstanceState":%q,`+
			`"StopChargingMode":"NOT_APPLICABLE","LatestOperation":null,"LatestOperationState":null,"LatestOperationRequestId":null}],`+
			`"RequestId":"00000000-0000-4000-8000-00000000001%d"}}`, id, state, i)
		r := cvmExchange(at.Add(time.Duration(i)*time.Minute), "DescribeInstances", fmt.Sprintf(`{"InstanceIds": [%q]}`, id), body)
		r.received = r.sent.Add(100 * time.Millisecond)
		return r
	}
	terminate := func(start time.Time) recorded {
		r := cvmExchange(start, "TerminateInstances", fmt.Sprintf(`{"InstanceIds": [%q]}`, id),
			`{"Response":{"RequestId":"00000000-0000-4000-8000-000000000019"}}`)
		r.received = r.sent.Add(100 * time.Millisecond)
		return r
	}
	second := listing(2, "TERMINATING")
	overlapping := []recorded{listing(1, "RUNNING"), second, terminate(second.sent.Add(50 * time.Millisecond))}
	res := judge(t, "overlapping.har", harFile(overlapping), passive.Config{})
	require.Empty(t, res.Findings, findingLines(res))
	require.Len(t, res.Withheld, 1)
	require.Contains(t, res.Withheld[0], "#2 OBSERVED-STATE")

	sequential := []recorded{listing(1, "RUNNING"), second, terminate(second.received.Add(time.Second))}
	res = judge(t, "sequential.har", harFile(sequential), passive.Config{})
	require.Len(t, res.Findings, 1, findingLines(res))
	require.Equal(t, 2, res.Findings[0].Index)
}
