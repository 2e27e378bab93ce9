package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestJSONGolden(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	require.NoError(t, JSON(&b, sampleRun()))
	golden(t, "report.json.golden", b.String())
}

// jsonType names the JSON type of a value decoded into any.
func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case json.Number, float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case nil:
		return "null"
	}
	return "?"
}

// requireKeys asserts that obj has every key of want, with the JSON type
// want gives.
func requireKeys(t *testing.T, where string, obj any, want map[string]string) {
	t.Helper()
	m, ok := obj.(map[string]any)
	require.True(t, ok, "%s is %s, want object", where, jsonType(obj))
	for k, typ := range want {
		v, ok := m[k]
		require.True(t, ok, "%s has no key %q", where, k)
		require.Equal(t, typ, jsonType(v), "%s.%s", where, k)
	}
}

// The stable keys (DESIGN "Command line") and the additions, with types.
var (
	runKeys = map[string]string{
		"target": "string", "seed": "number", "started": "string", "duration_ms": "number",
		"requests": "number", "checks": "array", "summary": "object",
		"region": "string", "seed_text": "string", "strict": "bool", "fleet": "string",
		"lanes": "number", "longest_lane_ms": "number", "kind": "string",
		"complete": "bool", "incomplete_reason": "string", "require_all": "bool",
		"verdict": "string", "verdict_line": "string",
		"schema_version": "number", "baseline_file": "string", "baseline": "array",
	}
	checkKeys = map[string]string{
		"id": "string", "title": "string", "spec": "string", "status": "string", "reason": "string", "counterexample": "string",
		"severity": "string", "replay": "string", "duration_ms": "number", "requests": "number",
	}
	summaryKeys = map[string]string{"pass": "number", "fail": "number", "skip": "number", "error": "number", "known": "number"}
)

func TestJSONKeys(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		run        Run
		wantChecks int
		reason     string
	}{
		{"sample", sampleRun(), 5, "every status, empty and non-empty strings"},
		{"zero checks", Run{}, 0, "checks is [] (not null) and the zero Run still has every key"},
		{"recorded", sampleJudged(), 3, "judged traffic has every key too, run-only ones included"},
		{"proxy", Run{Kind: KindProxy}, 0, "and so has the proxy's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, JSON(&b, tc.run), tc.reason)
			require.True(t, strings.HasSuffix(b.String(), "}\n"), "ends with a newline")
			require.True(t, strings.HasPrefix(b.String(), "{\n  \"schema_version\": 1,\n  \"target\""), "indented two spaces, the schema version first")
			dec := json.NewDecoder(&b)
			dec.UseNumber()
			var got map[string]any
			require.NoError(t, dec.Decode(&got))
			requireKeys(t, "report", got, runKeys)
			requireKeys(t, "report.summary", got["summary"], summaryKeys)
			checks := got["checks"].([]any)
			require.Len(t, checks, tc.wantChecks, tc.reason)
			for i, c := range checks {
				requireKeys(t, "report.checks["+strconv.Itoa(i)+"]", c, checkKeys)
				require.Contains(t, []any{"pass", "fail", "skip", "error"}, c.(map[string]any)["status"])
			}
			_, err := time.Parse(time.RFC3339, got["started"].(string))
			require.NoError(t, err)
			require.True(t, strings.HasSuffix(got["started"].(string), "Z"), "started is in UTC")
		})
	}
}

func TestJSONValues(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	require.NoError(t, JSON(&b, sampleRun()))
	require.Contains(t, b.String(), `"seed": 18446744073709551557,`, "the seed is an exact JSON number, beyond 2^53")
	require.Contains(t, b.String(), `"seed_text": "18446744073709551557",`)
	require.Contains(t, b.String(), `<&> and ]]>`, "no HTML escaping of transcripts")
	var got struct {
		Seed       uint64 `json:"seed"`
		Started    string `json:"started"`
		DurationMS int64  `json:"duration_ms"`
		Checks     []struct {
			Reason         string `json:"reason"`
			Counterexample string `json:"counterexample"`
		} `json:"checks"`
		Summary Summary `json:"summary"`
	}
	require.NoError(t, json.Unmarshal(b.Bytes(), &got))
	require.Equal(t, bigSeed, got.Seed)
	require.Equal(t, "2025-11-26T02:00:00Z", got.Started)
	require.Equal(t, int64(38200), got.DurationMS)
	require.Equal(t, Summary{Pass: 2, Fail: 1, Skip: 1, Error: 1}, got.Summary)
	require.Equal(t, sampleRun().Checks[3].Reason, got.Checks[3].Reason, "JSON keeps the run's text; control characters are JSON escapes")
	require.Contains(t, got.Checks[1].Counterexample, "5d1f\ufffd", "invalid UTF-8 becomes U+FFFD")
}

func TestJSONErrors(t *testing.T) {
	t.Parallel()
	bad := sampleRun()
	bad.Checks[2].Status = "skipped"
	var b bytes.Buffer
	err := JSON(&b, bad)
	require.ErrorContains(t, err, `check "SI-STATE-04" has status "skipped"`)
	require.Zero(t, b.Len(), "nothing is written when the run cannot be reported")

	err = JSON(&failingWriter{n: 3}, sampleRun())
	require.True(t, errors.Is(err, errWrite), "got %v", err)
}

func TestMillis(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d    time.Duration
		want int64
	}{{0, 0}, {499 * time.Microsecond, 0}, {500 * time.Microsecond, 1}, {1500 * time.Microsecond, 2}, {38200 * time.Millisecond, 38200}} {
		require.Equal(t, tc.want, millis(tc.d), "%v", tc.d)
	}
}
