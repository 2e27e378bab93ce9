package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
)

// compileSchema compiles Schema with a 2020-12 validator.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("report.schema.json", doc))
	sch, err := c.Compile("report.schema.json")
	require.NoError(t, err)
	return sch
}

// validate checks a JSON report against the schema.
func validate(t *testing.T, sch *jsonschema.Schema, report []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(report))
	require.NoError(t, err)
	return sch.Validate(v)
}

// Every kind of report, with every status, evidence and a baseline in
// every state, is valid; the schema names every key (a key it does not
// name, a missing one, a status it does not list are refused), so that
// the report and its schema cannot drift apart.
func TestSchemaValidatesReports(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t)
	evidence := sampleRun()
	evidence.Checks[1].Exchanges = []Exchange{{Seq: 1, Lane: "main", Action: "StopInstances", Headers: []string{"Host: x"}}}
	evidence.Coverage = []CoverageItem{{Kind: CoverRule, ID: "ID-MALFORMED", Checks: []string{"SI-ID-01"}}, {Kind: CoverLedger, ID: "L-01"}}
	evidence.Profile = []Dimension{{Name: "limiter.burst", Choice: "token"}}
	for name, r := range map[string]Run{
		"run": sampleRun(), "evidence": evidence, "baseline": baselineRun(allStates...), "recorded": sampleJudged(),
		"proxy": {Kind: KindProxy}, "zero": {},
	} {
		var b bytes.Buffer
		require.NoError(t, JSON(&b, r))
		require.NoError(t, validate(t, sch, b.Bytes()), name)
	}

	var b bytes.Buffer
	require.NoError(t, JSON(&b, evidence))
	for _, tc := range []struct {
		name   string
		change func(m map[string]any)
	}{
		{"a key the schema does not name", func(m map[string]any) { m["surprise"] = 1 }},
		{"a key missing", func(m map[string]any) { delete(m, "verdict_line") }},
		{"a check's key added", func(m map[string]any) { m["checks"].([]any)[0].(map[string]any)["extra"] = "" }},
		{"an exchange's key added", func(m map[string]any) {
			m["checks"].([]any)[1].(map[string]any)["exchanges"].([]any)[0].(map[string]any)["extra"] = ""
		}},
		{"a status not listed", func(m map[string]any) { m["checks"].([]any)[0].(map[string]any)["status"] = "flaky" }},
		{"a wrong type", func(m map[string]any) { m["requests"] = "1234" }},
		{"another schema version", func(m map[string]any) { m["schema_version"] = 2 }},
	} {
		var m map[string]any
		require.NoError(t, json.Unmarshal(b.Bytes(), &m))
		tc.change(m)
		changed, err := json.Marshal(m)
		require.NoError(t, err)
		require.Error(t, validate(t, sch, changed), tc.name)
	}
}
