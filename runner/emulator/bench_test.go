package emulator

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Performance targets (issue 3), as ratios against a baseline measured in
// the same run: never as timed assertions.

// describeRequest builds a signed DescribeInstances (Limit 20) for url.
func describeRequest(b testing.TB, url string, cred tcapi.Credential, params ...tcapi.Param) *http.Request {
	req, err := tcapi.NewRequest(context.Background(), url, tcapi.Call{Action: model.ActionDescribe, Version: model.APIVersion,
		Region: "ap-guangzhou", Timestamp: time.Now(), Params: params}, cred)
	if err != nil {
		b.Fatal(err)
	}
	return req
}

func roundTrip(b testing.TB, c *http.Client, req *http.Request) {
	res, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
}

// BenchmarkDescribeVsBareHandler interleaves, on one keep-alive client, a
// signed DescribeInstances (Limit 20) to the emulator and the same request
// to a bare net/http handler that returns a fixed body of the same size.
// It reports the emulator's rate over the bare handler's ("ratio"; the
// target is ≥ 0.5) and allocations per emulator request.
func BenchmarkDescribeVsBareHandler(b *testing.B) {
	e, err := New(Config{Fleet: DefaultFleet(), RateLimit: -1})
	require.NoError(b, err)
	emu := httptest.NewServer(e)
	defer emu.Close()
	cred := e.Credentials(e.Accounts()[0])
	client := emu.Client()
	// The bare handler's body is a real answer, so both move the same bytes.
	res, err := client.Do(describeRequest(b, emu.URL, cred, param("Limit", model.Num(20))))
	require.NoError(b, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer bare.Close()

	var tEmu, tBare time.Duration
	var allocs uint64
	var ms runtime.MemStats
	b.ResetTimer()
	for range b.N {
		reqB := describeRequest(b, bare.URL, cred, param("Limit", model.Num(20)))
		start := time.Now()
		roundTrip(b, client, reqB)
		tBare += time.Since(start)

		reqE := describeRequest(b, emu.URL, cred, param("Limit", model.Num(20)))
		runtime.ReadMemStats(&ms)
		before := ms.Mallocs
		start = time.Now()
		roundTrip(b, client, reqE)
		tEmu += time.Since(start)
		runtime.ReadMemStats(&ms)
		allocs += ms.Mallocs - before
	}
	b.StopTimer()
	b.ReportMetric(float64(tBare)/float64(tEmu), "ratio")
	b.ReportMetric(float64(b.N)/tEmu.Seconds(), "emulator-req/s")
	b.ReportMetric(float64(b.N)/tBare.Seconds(), "bare-req/s")
	b.ReportMetric(float64(allocs)/float64(b.N), "allocs/emulator-req")
}

// BenchmarkLargeFleet serves a generated fleet of 100,000 instances and
// reports the process's resident memory once it is loaded and has
// answered a filtered DescribeInstances (target: under 200 MB), and the
// allocations of a DescribeInstances with Limit=100 and an instance-state
// filter, which stay O(page), not O(fleet).
func BenchmarkLargeFleet(b *testing.B) {
	e, err := New(Config{Fleet: GenerateFleet("main", "ap-guangzhou", 100_000), RateLimit: -1})
	require.NoError(b, err)
	cred := e.Credentials("main")
	serve := func() {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, describeRequest(b, "http://cvm.local", cred, param("Limit", model.Num(100)), stateFilter("STOPPED")))
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"TotalCount":25000`) {
			b.Fatalf("unexpected answer: %.200s", rec.Body.String())
		}
	}
	serve()
	runtime.GC()
	rss := rssBytes()
	b.ResetTimer()
	for range b.N {
		serve()
	}
	b.ReportMetric(float64(rss)/(1<<20), "MB-rss")
}

func stateFilter(states ...string) tcapi.Param {
	return param("Filters", model.Arr(model.Obj(map[string]model.Value{"Name": model.Str("instance-state"), "Values": model.Strs(states...)})))
}

// rssBytes reads the resident set size of this process (Linux), or 0.
func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// TestDescribeAllocationsArePerPage checks the O(page) property with
// allocation counts, which do not depend on machine speed: a filtered
// DescribeInstances allocates as much on a fleet of 50,000 as on one of
// 1,000.
func TestDescribeAllocationsArePerPage(t *testing.T) {
	allocs := func(n int) float64 {
		e, err := New(Config{Fleet: GenerateFleet("main", "ap-guangzhou", n), RateLimit: -1})
		require.NoError(t, err)
		req := describeRequest(t, "http://cvm.local", e.Credentials("main"), param("Limit", model.Num(100)), stateFilter("STOPPED"))
		body, _ := io.ReadAll(req.Body)
		return testing.AllocsPerRun(20, func() {
			r := req.Clone(context.Background())
			r.Body = io.NopCloser(strings.NewReader(string(body)))
			e.ServeHTTP(httptest.NewRecorder(), r)
		})
	}
	small, large := allocs(1_000), allocs(50_000)
	require.LessOrEqual(t, large, small*1.1+5, "allocations grow with the fleet: %v for 1,000, %v for 50,000", small, large)
}
