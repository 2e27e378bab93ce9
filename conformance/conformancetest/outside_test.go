package conformancetest_test

import (
	"bufio"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/internal/tempmod"
)

// implementerTest is the test an implementer writes in their own module:
// their handler (here the reference emulator serving its default fleet,
// with a key of their choosing, behind a middleware of their own), and
// beside it a build of theirs that breaks a rule: it answers
// InvalidInstanceId.NotFound where an ID is malformed (seed §6: ins-1122
// is InvalidInstanceId.Malformed), a rule SI-ID-01 checks.
const implementerTest = `package myemu

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cvmconform/cvmconform/conformance/conformancetest"
	"github.com/cvmconform/cvmconform/runner/emulator"
)

var key = conformancetest.Credential{SecretID: "AKIDmyemulatortestkey0001", SecretKey: "my-emulator-secret"}

func newHandler(t *testing.T) http.Handler {
	fleet := emulator.DefaultFleet()
	e, err := emulator.New(emulator.Config{Fleet: fleet, Latency: 30 * time.Millisecond,
		Keys: map[string]conformancetest.Credential{fleet.Accounts[0].Name: key}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// malformedIsNotFound is the broken build: it rewrites one error code.
func malformedIsNotFound(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := bytes.ReplaceAll(rec.Body.Bytes(), []byte("InvalidInstanceId.Malformed"), []byte("InvalidInstanceId.NotFound"))
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		w.Write(body)
	})
}

func TestGood(t *testing.T) {
	conformancetest.Run(t, conformancetest.Target{Handler: newHandler(t), Credential: key})
}

func TestBroken(t *testing.T) {
	conformancetest.Run(t, conformancetest.Target{Handler: malformedIsNotFound(newHandler(t)), Credential: key})
}

// TestKnown: the broken build, with its failures listed as known.
func TestKnown(t *testing.T) {
	conformancetest.Run(t, conformancetest.Target{Handler: malformedIsNotFound(newHandler(t)), Credential: key},
		conformancetest.Baseline("known.yaml"))
}

// TestStale: the correct build, with a baseline that lists a failure it
// no longer has.
func TestStale(t *testing.T) {
	conformancetest.Run(t, conformancetest.Target{Handler: newHandler(t), Credential: key},
		conformancetest.Baseline("known.yaml"))
}
`

// knownBaseline lists the broken build's failures.
const knownBaseline = `- check: SI-ID-01
  reason: the parser rewrite answers NotFound
- check: SI-ID-04
  reason: the parser rewrite answers NotFound
`

// testEvent is one line of `go test -json`.
type testEvent struct {
	Action, Test, Output string
}

// TestFromAnotherModule builds a throw-away module that requires this one
// (a replace to the checkout, offline from the module cache), with the
// test above, and runs `go test -short` in it: the correct handler
// passes every check, and the broken one fails the two checks of the
// rule it breaks (ID-MALFORMED), with the report's text, while the
// other SI-ID checks pass; the checks -run leaves out are not run at
// all; with a baseline that lists them, the failures are known (the
// test passes), and against the correct build the same baseline is
// stale (the test fails).
func TestFromAnotherModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs another module's tests (about a minute)")
	}
	t.Parallel()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	dir := tempmod.Write(t, root, "example.com/myemu", map[string]string{"myemu_test.go": implementerTest, "known.yaml": knownBaseline})
	out, err := tempmod.Go(t, dir, 5*time.Minute, nil, "test", "-short", "-json", "-run", "TestGood|TestBroken/SI-ID|TestKnown/SI-ID|TestStale/SI-ID", ".")
	events := readEvents(t, out)
	require.Error(t, err, "TestBroken must fail the go test:\n%s", out)

	require.Equal(t, "fail", events["TestBroken/SI-ID-01"].Action, "the broken rule's subtest fails:\n%s", out)
	require.Contains(t, events["TestBroken/SI-ID-01"].Output, "InvalidInstanceId.Malformed", "the failure says what was expected")
	require.Contains(t, events["TestBroken/SI-ID-01"].Output, "replay: go test -run '^TestBroken$/^SI-ID-01$' -cvmconform.seed ")
	ran := 0
	for name, e := range events {
		area, check, sub := strings.Cut(name, "/")
		switch {
		case !sub:
			continue
		case area != "TestGood" && !strings.HasPrefix(check, "SI-ID-"):
			t.Errorf("%s ran: -run selected SI-ID only", name)
		case area == "TestKnown" && (check == "SI-ID-01" || check == "SI-ID-04"):
			require.Equal(t, "skip", e.Action, "%s is a known failure:\n%s", name, out)
			require.Contains(t, e.Output, "a known failure (baseline): ")
		case area == "TestBroken" && (check == "SI-ID-01" || check == "SI-ID-04"):
			require.Equal(t, "fail", e.Action, "%s checks ID-MALFORMED, which the broken build breaks:\n%s", name, out)
			require.Contains(t, e.Output, "ID-MALFORMED: expected InvalidInstanceId.Malformed")
			require.Contains(t, e.Output, "call: cvmconform call --endpoint http://127.0.0.1:", "the failing request's call line")
		default:
			require.Contains(t, []string{"pass", "skip"}, e.Action, "%s: %s", name, e.Output)
			ran++
		}
	}
	require.Greater(t, ran, 4, "the other SI-ID checks ran, in both tests:\n%s", out)
	require.Equal(t, "pass", events["TestGood"].Action, "%s", out)
	require.Contains(t, events["TestGood"].Output, "SI-BATCH-01 pass", "-v (implied by -json) logs the progress")
	require.Equal(t, "pass", events["TestKnown"].Action, "known failures do not fail the test:\n%s", out)
	require.Equal(t, "fail", events["TestStale"].Action, "a stale entry fails the test:\n%s", out)
	require.Contains(t, events["TestStale"].Output, "entry for SI-ID-01 is stale")
	require.Equal(t, "pass", events["TestGood/SI-ID-01"].Action, "%s", out)
}

// result is a test's outcome in `go test -json` and its output.
type result struct {
	Action, Output string
}

// readEvents reads `go test -json` output into each test's result.
func readEvents(t *testing.T, out string) map[string]result {
	t.Helper()
	res := map[string]result{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var e testEvent
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Test == "" {
			continue
		}
		r := res[e.Test]
		switch e.Action {
		case "output":
			r.Output += e.Output
		case "pass", "fail", "skip":
			r.Action = e.Action
		}
		res[e.Test] = r
	}
	return res
}
