package conformance

import (
	"context"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerrors "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	cvm "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/cvm/v20170312"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Performance targets of the run (issue 4), measured with Go's harness and
// reported as ratios against a baseline measured in the same run.

// BenchmarkSuiteOverheadVsSDK compares the requests per second the suite
// achieves — signing, sending, decoding its own request for the model,
// judging every answer and observation, keeping the transcript — with a
// bare loop of the official Go SDK sending the same requests to the same
// emulator, both with the emulator's rate limits off and no pacing.
// "ratio" is the suite's rate over the SDK's (target: ≥ 0.5).
func BenchmarkSuiteOverheadVsSDK(b *testing.B) {
	emu, err := emulator.StartEmbedded(emulator.EmbeddedOptions{RateLimit: -1, Latency: time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	defer emu.Close()
	cfg := runner.TargetConfig{Endpoint: emu.URL, Region: "ap-guangzhou", Cred: emu.Cred, Allowed: func(string) bool { return true }}
	s := openLanes(b, Config{Target: cfg, Seed: 1, SettleTimeout: time.Second})[0]
	// The benchmark sends unpaced, so it declares the whole account as the
	// rate and concurrency checks do.
	c := s.newCtx(context.Background(), &Check{ID: "SI-BENCH", Needs: Needs{WholeAccount: true}})
	unknown := c.unknownIDs(1)[0]

	sdkProfile := profile.NewClientProfile()
	sdkProfile.HttpProfile.Endpoint = emu.URL[len("http://"):]
	sdkProfile.HttpProfile.Scheme = "http"
	client, err := cvm.NewClient(common.NewCredential(emu.Cred.SecretID, emu.Cred.SecretKey), "ap-guangzhou", sdkProfile)
	if err != nil {
		b.Fatal(err)
	}

	describe := runner.Send{Unpaced: true, Call: tcapi.Call{Action: model.ActionDescribe,
		Params: []tcapi.Param{{Name: "Limit", Value: model.Num(20)}}}}
	stop := stopCall([]string{unknown})
	stop.Unpaced = true
	var suite, sdk time.Duration
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		for _, send := range []runner.Send{describe, stop} {
			if _, f, err := c.Send(send); err != nil || f != nil {
				b.Fatalf("suite request %d: %v %v", i, err, f)
			}
		}
		suite += time.Since(start)
		c.steps = c.steps[:0]

		start = time.Now()
		req := cvm.NewDescribeInstancesRequest()
		req.Limit = common.Int64Ptr(20)
		if _, err := client.DescribeInstances(req); err != nil {
			b.Fatal(err)
		}
		stopReq := cvm.NewStopInstancesRequest()
		stopReq.InstanceIds = common.StringPtrs([]string{unknown})
		_, err := client.StopInstances(stopReq)
		if e, ok := err.(*tcerrors.TencentCloudSDKError); !ok || e.Code != model.CodeNotFound {
			b.Fatalf("SDK stop: %v", err)
		}
		sdk += time.Since(start)
	}
	b.StopTimer()
	b.ReportMetric(float64(2*b.N)/suite.Seconds(), "suite-req/s")
	b.ReportMetric(float64(2*b.N)/sdk.Seconds(), "sdk-req/s")
	b.ReportMetric(sdk.Seconds()/suite.Seconds(), "ratio")
}

// BenchmarkMakeRun is `make run`: the whole suite, 100 state-machine
// sequences, against the embedded emulator (all its accounts) at its
// documented limits. It reports the run's duration next to the critical
// path the plan estimated, its requests per second, and the share of
// the 15 s budget it leaves ("budget-ratio" = 15 s / duration; the target
// is > 1). Run it alone: make bench-run.
func BenchmarkMakeRun(b *testing.B) {
	for range b.N {
		emu, err := emulator.StartEmbedded(emulator.EmbeddedOptions{Latency: 20 * time.Millisecond})
		if err != nil {
			b.Fatal(err)
		}
		cfg := Config{Target: emu.Target()}
		plan, err := Schedule(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		res, err := Run(context.Background(), cfg)
		emu.Close()
		if err != nil {
			b.Fatal(err)
		}
		if s := res.Summary(); s.Fail+s.Error > 0 || s.Pass < 40 {
			b.Fatalf("the run is not a passing run of at least 40 checks: %+v", s)
		}
		b.ReportMetric(res.Duration.Seconds(), "s/run")
		b.ReportMetric(float64(res.Requests)/res.Duration.Seconds(), "req/s")
		b.ReportMetric(plan.CriticalPath.Seconds(), "critical-path-s")
		b.ReportMetric(15/res.Duration.Seconds(), "budget-ratio")
		b.ReportMetric(float64(len(res.Checks)), "checks")
	}
}
