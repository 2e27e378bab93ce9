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

	run := passive.Report(passive.ReportInfo{Started: time.Now()}, clean, faulty, nothing)
	require.Equal(t, report.KindRecorded, run.Kind, "a report of recordings says so")
	require.Equal(t, "clean.yaml, faulty.har, nothing.yaml", run.Target, "the target is what was judged")
	require.Zero(t, run.Seed)
	require.Zero(t, run.Lanes)
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
	for _, want := range []string{
		fmt.Sprintf("cvmconform: StopInstances recorded traffic judged: 3 files, %d exchanges\n", run.Requests),
		"  files:      clean.yaml, faulty.har, nothing.yaml\n",
		"FAIL  faulty.har", "NOT CONFORMANT: 1 file failed (faulty.har)", "nothing.yaml  go-vcr cassette (version 1), 1 exchange ",
	} {
		require.Contains(t, console.String(), want)
	}
	requireNoRunWords(t, console.String())
	var js bytes.Buffer
	require.NoError(t, report.JSON(&js, run))
	var parsed struct {
		Kind     string
		SeedText string `json:"seed_text"`
		Checks   []struct{ ID, Status string }
	}
	require.NoError(t, json.Unmarshal(js.Bytes(), &parsed))
	require.Equal(t, "fail", parsed.Checks[1].Status)
	require.Equal(t, "recorded", parsed.Kind)
	require.Empty(t, parsed.SeedText, "recordings have no seed")
	var junit bytes.Buffer
	require.NoError(t, report.JUnit(&junit, run))
	require.NoError(t, xml.Unmarshal(junit.Bytes(), new(struct{})))
	require.Contains(t, junit.String(), `classname="cvmconform.faulty.har"`)
	require.Contains(t, junit.String(), `<testsuite name="cvmconform judge"`)
	requireNoRunWords(t, junit.String())
}

// The proxy's report is of live traffic: named for its upstream, never a
// run's.
func TestReportProxy(t *testing.T) {
	t.Parallel()
	res := passive.NewJudge(passive.Config{}, "http://127.0.0.1:8080", passive.FormatLive, false).Result()
	run := passive.Report(passive.ReportInfo{Started: time.Now()}, res)
	require.Equal(t, report.KindProxy, run.Kind)
	require.Equal(t, "http://127.0.0.1:8080", run.Target)
	var console bytes.Buffer
	require.NoError(t, report.Console(&console, run, report.ConsoleOptions{}))
	require.True(t, strings.HasPrefix(console.String(),
		"cvmconform: StopInstances traffic through the proxy judged: 0 exchanges\n  upstream:   http://127.0.0.1:8080\n"), console.String())
	requireNoRunWords(t, console.String())
}

// requireNoRunWords fails if a report of judged traffic says what only a
// conformance run says: that it is one, or its seed (in a header line, a
// replay command or a JUnit property). A finding may cite the seed
// document ("seed §1"), which is not a seed.
func requireNoRunWords(t *testing.T, out string) {
	t.Helper()
	require.NotContains(t, out, "conformance run")
	require.NotRegexp(t, `(?m)^\s*seed:|--seed|name="seed"|req/s`, out)
}

// Judged traffic gives the HTML report its timelines: each exchange with
// times is an event of its recording, with its outcome and what the
// listings showed.
func TestReportActivityOfRecordings(t *testing.T) {
	t.Parallel()
	faultyRs := recordCycle(t, 17, "malformed-id-not-found")
	faulty := judge(t, "faulty.har", harFile(faultyRs), passive.Config{StopRateLimit: 5})
	run := passive.Report(passive.ReportInfo{Started: time.Now()}, faulty)
	a := run.Activity
	require.Equal(t, 5, a.Limits["StopInstances"], "the limit judged against")
	require.Equal(t, len(faultyRs), a.Len(), "every exchange of a HAR has times")
	var codes []string
	shown := 0
	for _, e := range a.Events {
		require.Equal(t, "faulty.har", e.Check)
		require.False(t, e.Sent.IsZero())
		require.NotEmpty(t, e.Account, "the masked SecretId")
		codes = append(codes, e.Code)
		shown += len(e.Shown)
	}
	require.Contains(t, codes, "InvalidInstanceId.NotFound", "the fault's answer")
	require.Positive(t, shown, "the listings' states")
	var page bytes.Buffer
	require.NoError(t, report.HTML(&page, run))
	require.Contains(t, page.String(), `id="timelines"`)
	require.Contains(t, page.String(), `id="rates"`)
}
