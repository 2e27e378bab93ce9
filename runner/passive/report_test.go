package passive_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/runner/passive"
	"github.com/cvmconform/cvmconform/runner/report"
)

// The report of judged recordings is a report.Run the run's reporters
// render unchanged: one check per recording.
func TestReportOneCheckPerRecording(t *testing.T) {
	t.Parallel()
	cleanRs, faultyRs := recordCycle(t, 14), recordCycle(t, 15, "malformed-id-not-found")
	clean := judge(t, "clean.yaml", vcrpyCassette(cleanRs, false), passive.Config{})
	faulty := judge(t, "faulty.har", harFile(faultyRs), passive.Config{})
	last := fmt.Sprintf("#%d", len(faultyRs))
	other := recordCycle(t, 16)[:1]
	other[0].header = withHeader(other[0].header, "X-TC-Action", "DescribeImages")
	nothing := judge(t, "nothing.yaml", goVCR1Cassette(other), passive.Config{})

	run := passive.Report(passive.ReportInfo{Target: "recorded traffic", Started: time.Now()}, clean, faulty, nothing)
	require.Len(t, run.Checks, 3)
	require.Equal(t, report.Summary{Pass: 1, Fail: 1, Skip: 1}, run.Summary())
	require.Equal(t, "clean.yaml", run.Checks[0].ID)
	require.Equal(t, fmt.Sprintf("%d judged, 0 not judged; rate limit judged on the timeline (too loose only)", len(cleanRs)), run.Checks[0].Reason)
	f := run.Checks[1]
	require.Equal(t, report.Fail, f.Status)
	require.True(t, strings.HasPrefix(f.Reason, last+" ID-MALFORMED: expected"), f.Reason)
	require.Contains(t, f.Counterexample, "faulty.har "+last+": ID-MALFORMED\n")
	require.Contains(t, f.Counterexample, "✗ ID-MALFORMED: expected")
	require.Contains(t, f.Counterexample, "> StopInstances {\"InstanceIds\":[\"ins-1122\"]}")
	require.Equal(t, report.Skip, run.Checks[2].Status)
	require.Contains(t, run.Checks[2].Reason, "DescribeImages ×1")
	require.Equal(t, len(cleanRs)+len(faultyRs)+1, run.Requests)
	require.Equal(t, "ap-guangzhou", run.Region)
	require.False(t, run.Started.IsZero())
	require.Positive(t, run.Duration)

	var console bytes.Buffer
	require.NoError(t, report.Console(&console, run, report.ConsoleOptions{}))
	for _, want := range []string{"recorded traffic", "FAIL  faulty.har", "NOT CONFORMANT: 1 check failed (faulty.har)", "clean.yaml"} {
		require.Contains(t, console.String(), want)
	}
	var js bytes.Buffer
	require.NoError(t, report.JSON(&js, run))
	var parsed struct {
		Checks []struct{ ID, Status string }
	}
	require.NoError(t, json.Unmarshal(js.Bytes(), &parsed))
	require.Equal(t, "fail", parsed.Checks[1].Status)
	var junit bytes.Buffer
	require.NoError(t, report.JUnit(&junit, run))
	require.NoError(t, xml.Unmarshal(junit.Bytes(), new(struct{})))
	require.Contains(t, junit.String(), `classname="cvmconform.faulty.har"`)
}
