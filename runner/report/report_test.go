package report

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

// bigSeed is above 2^53, where a float64 would lose it.
const bigSeed uint64 = 18446744073709551557

// sampleRun has every status, a multi-line counterexample full of markup
// characters, CR LF and invalid UTF-8, a reason with control characters,
// and a title long enough to wrap.
func sampleRun() Run {
	return Run{
		Target:   "http://127.0.0.1:41234 (embedded emulator)",
		Region:   "ap-guangzhou",
		Seed:     bigSeed,
		Fleet:    "40 instances in 2 accounts: 36 RUNNING, 4 STOPPED",
		Started:  time.Date(2025, 11, 26, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)),
		Duration: 38200 * time.Millisecond,
		Requests: 1234,
		Checks: []Check{
			{
				ID: "SI-PROTO-01", Title: "Every response carries a RequestId",
				Spec: "facts §Common response", Severity: "MUST", Status: Pass,
				Duration: 210 * time.Millisecond, Requests: 12,
			},
			{
				ID: "SI-BATCH-02", Title: "Batch of 101 IDs is refused",
				Spec: `seed §2 InstanceIds.N: "up to 100 instances per request"`, Severity: "MUST", Status: Fail,
				Reason: "the target stopped 101 instances; the model expects InvalidParameterValue.LimitExceeded",
				Counterexample: "> POST / StopInstances (TC3-HMAC-SHA256)\n" +
					"> {\"InstanceIds\": [\"ins-00000001\", ..., \"ins-00000101\"]}\r\n" +
					"< 200 OK\n" +
					"< {\"Response\": {\"RequestId\": \"5d1f\xff\"}}\n" +
					"model: want error InvalidParameterValue.LimitExceeded; <&> and ]]> are not markup\n",
				Replay:   "cvmconform run --seed 18446744073709551557 --only SI-BATCH-02",
				Duration: 3100 * time.Millisecond, Requests: 3,
			},
			{
				ID: "SI-STATE-04", Title: "A PENDING instance is refused with IncorrectInstanceState",
				Spec: "facts §Instance states", Severity: "MUST", Status: Skip,
				Reason: "no PENDING instance in the fleet, and the suite cannot create one",
			},
			{
				ID: "SI-RATE-01", Title: "More than 10 StopInstances a second are throttled",
				Spec: "seed §4 rate limit", Severity: "SHOULD", Status: Error,
				Reason:   "read tcp: \x1b[31mconnection reset\x07 by peer",
				Replay:   "cvmconform run --seed 18446744073709551557 --only SI-RATE-01",
				Duration: 12 * time.Second, Requests: 57,
			},
			{
				ID: "SI-ID-01", Title: "A well-formed but unknown instance ID is refused with InvalidInstanceId.NotFound in every position of a batch",
				Spec: "seed §3 errors", Severity: "MUST", Status: Pass,
				Duration: 95 * time.Second, Requests: 400,
			},
		},
		LeftChanged: []LeftInstance{
			{Account: "main", Region: "ap-guangzhou", Instance: "ins-r8hr2upy", Found: "RUNNING", Left: "STOPPED"},
			{Account: "lane-2", Region: "ap-guangzhou", Instance: "ins-7xtoccnf", Found: "STOPPED", Left: "unknown"},
		},
	}
}

// failingWriter fails every write after the first n bytes.
type failingWriter struct{ n int }

var errWrite = errorString("write failed")

type errorString string

func (e errorString) Error() string { return string(e) }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) <= w.n {
		w.n -= len(p)
		return len(p), nil
	}
	n := w.n
	w.n = 0
	return n, errWrite
}
