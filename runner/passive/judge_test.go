package passive_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/runner/passive"
)

// Recordings the tests make themselves: the official Go SDK drives a
// stop/start cycle against the emulator, clean or with a fault, and the
// cycle is written in every format the judge reads.

func TestReadDetectsEveryFormat(t *testing.T) {
	t.Parallel()
	rs := recordCycle(t, 0)
	for _, f := range formats {
		rec, err := passive.Read(f.name, f.write(rs))
		require.NoError(t, err, f.name)
		require.Equal(t, f.want, rec.Format, f.name)
		require.Len(t, rec.Exchanges, len(rs), f.name)
		for i, x := range rec.Exchanges {
			r := rs[i]
			require.Equal(t, i+1, x.Index)
			require.Equal(t, r.method, x.Method, "%s #%d", f.name, i+1)
			require.Equal(t, r.url, x.URL, "%s #%d", f.name, i+1)
			require.Equal(t, string(r.body), string(x.Body), "%s #%d", f.name, i+1)
			require.Equal(t, action(r), x.Header.Get("X-TC-Action"), "%s #%d", f.name, i+1)
			require.True(t, x.Answered)
			require.Equal(t, r.status, x.Status)
			require.JSONEq(t, string(r.resp), string(x.Response), "%s #%d", f.name, i+1)
			require.NotEqual(t, passive.TimingNone, x.Timing, "%s: every format here has times", f.name)
		}
	}
}

func TestReadRefusesWhatItCannotRead(t *testing.T) {
	t.Parallel()
	for name, data := range map[string]string{
		"empty":         "  \n",
		"plain text":    "hello: [",
		"other JSON":    `{"a": 1}`,
		"other YAML":    "a: 1\n",
		"no request":    "interactions:\n- response: {}\n",
		"bad har":       `{"log": {"entries": [{"request": {}}]}}`,
		"bad lines":     "{\"format\":\"cvmconform-transcript\",\"version\":1}\n{nope\n",
		"new version":   "{\"format\":\"cvmconform-transcript\",\"version\":9}\n",
		"not a list":    "interactions: 3\n",
		"bad base64":    `{"log": {"entries": [{"request": {"method": "GET", "url": "http://x/"}, "response": {"status": 200, "content": {"text": "!!", "encoding": "base64"}}}]}}`,
		"no method/uri": "interactions:\n- request: {body: ''}\n  response: {}\n",
	} {
		_, err := passive.Read(name, []byte(data))
		require.Error(t, err, name)
		require.True(t, strings.HasPrefix(err.Error(), name+": "), "the error names the file: %v", err)
	}
}

func TestJudgeCleanRecordingsInEveryFormat(t *testing.T) {
	t.Parallel()
	rs := recordCycle(t, 0)
	for _, f := range formats {
		res := judge(t, f.name, f.write(rs), passive.Config{})
		require.Empty(t, res.Findings, "%s:\n%s", f.name, findingLines(res))
		require.Equal(t, len(rs), res.Judged, f.name)
		require.Empty(t, res.NotJudged, f.name)
		require.Empty(t, res.Withheld, f.name)
		require.Equal(t, 1, res.Instances, "%s: ins-1122 is no instance", f.name)
		require.Equal(t, []string{testRegion}, res.Regions, f.name)
	}
}

// faultCases are faults an SDK's stop/start cycle shows, each with the
// finding that must name it and the exchange (from the end of the cycle,
// or the first that shows it) where.
var faultCases = []struct {
	fault, rule string
	skip        int // which plain instance, so that cases share nothing
	reason      string
}{
	{"malformed-id-not-found", "ID-MALFORMED", 1, "seed §6: ins-1122 is InvalidInstanceId.Malformed, not NotFound"},
	{"wrong-operation-request-id", "OBSERVED-STATE", 2, "facts §9: LatestOperationRequestId is the stop's RequestId"},
	{"stop-charging-ignored", "OBSERVED-STATE", 3, "seed §2: a STOP_CHARGING stop of a pay-as-you-go cloud-disk instance leaves STOP_CHARGING"},
}

func TestJudgeFindsTheFaultInEveryFormat(t *testing.T) {
	t.Parallel()
	clean := recordCycle(t, 0)
	for _, fc := range faultCases {
		t.Run(fc.fault, func(t *testing.T) {
			t.Parallel()
			rs := recordCycle(t, fc.skip, fc.fault)
			for _, f := range formats {
				res := judge(t, f.name, f.write(rs), passive.Config{})
				got := firstOf(res, fc.rule)
				require.NotNil(t, got, "%s: %s: want %s (%s); found:\n%s", f.name, fc.fault, fc.rule, fc.reason, findingLines(res))
				require.Equal(t, f.name, got.Recording)
				require.Greater(t, got.Index, 0)
				require.Contains(t, got.String(), f.name+" #")
				require.Contains(t, got.Context, "✗ ", "the finding in its history")
				if fc.rule == "ID-MALFORMED" {
					require.Equal(t, len(rs), got.Index, "the last exchange of the cycle is the mistake")
					require.Contains(t, got.Context, "ins-1122")
				} else {
					require.Contains(t, got.Context, "StopInstances", "the stop that led to it is shown")
				}
				// The same check on the clean recording finds nothing: the
				// finding is the fault's.
				require.Nil(t, firstOf(judge(t, f.name, f.write(clean), passive.Config{}), fc.rule), f.name)
			}
		})
	}
}

// A recording that starts mid-history: the instance is first met in the
// stop, not in a DescribeInstances.
func TestJudgeRecordingsThatStartMidway(t *testing.T) {
	t.Parallel()
	clean := recordCycle(t, 4)
	require.Equal(t, "StopInstances", action(clean[1]))
	res := judge(t, "clean", vcrpyCassette(clean[1:], false), passive.Config{})
	require.Empty(t, res.Findings, findingLines(res))
	for _, fc := range faultCases[1:] {
		rs := recordCycle(t, fc.skip+4, fc.fault)
		res := judge(t, fc.fault, vcrpyCassette(rs[1:], false), passive.Config{})
		require.NotNil(t, firstOf(res, fc.rule), "%s: the instance met in the stop is followed from there:\n%s", fc.fault, findingLines(res))
	}
}
