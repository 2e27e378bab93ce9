package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/fixtures"
	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// The JSON reports of run, judge and proxy, as the commands write them
// (a failure, a known failure and a baseline among them), follow the
// schema that `cvmconform schema` prints.
func TestReportsFollowTheSchema(t *testing.T) {
	t.Parallel()
	code, printed, _ := invoke(t, nil, "schema")
	require.Equal(t, exitOK, code)
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(printed))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("report.schema.json", doc))
	sch, err := c.Compile("report.schema.json")
	require.NoError(t, err)
	valid := func(what, path string) {
		t.Helper()
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		require.NoError(t, err)
		require.NoError(t, sch.Validate(v), "the %s report:\n%s", what, b)
	}
	dir := t.TempDir()

	known := writeBaselineFile(t, t.TempDir(), "- check: SI-ID-04\n  reason: r\n")
	runJSON := filepath.Join(dir, "run.json")
	code, stdout, stderr := invoke(t, nil, "run", "--seed", "44", "--fault", "malformed-id-not-found", "--only", "SI-ID-01,SI-ID-02,SI-ID-04",
		"--baseline", known, "--json", runJSON)
	require.Equal(t, exitFailed, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	valid("run", runJSON)

	b, err := fixtures.Recording("tampered/stop-start-terminate")
	require.NoError(t, err)
	rec := filepath.Join(dir, "tampered.yaml")
	require.NoError(t, os.WriteFile(rec, b, 0o644))
	judgeJSON := filepath.Join(dir, "judge.json")
	code, _, stderr = invokeJudge(t, nil, "--json", judgeJSON, rec)
	require.Equal(t, exitFailed, code, stderr)
	valid("judge", judgeJSON)

	// The proxy, with a baseline naming its upstream: its one failure known.
	e := startEmulator(t, "malformed-id-not-found")
	proxyJSON, md := filepath.Join(dir, "proxy.json"), filepath.Join(dir, "proxy.md")
	bl := writeBaselineFile(t, t.TempDir(), "- check: "+e.URL+"\n  rule: ID-MALFORMED\n  reason: r\n")
	p := startProxyCmd(t, nil, "--upstream", e.URL, "--report", proxyJSON, "--baseline", bl, "--markdown", md)
	res := send(t, p.url, e.Cred, model.ActionStop, tcapi.Param{Name: "InstanceIds", Value: model.Strs("ins-1122")})
	require.NotNil(t, res.Error)
	require.Equal(t, exitOK, p.stop(), "the proxy's one failure is known: %s", p.stdout())
	valid("proxy", proxyJSON)
	r := readGateReport(t, proxyJSON)
	require.Equal(t, []string{e.URL + " known"}, r.states())
	m, err := os.ReadFile(md)
	require.NoError(t, err)
	require.Contains(t, string(m), "#### Known failures (1)")
}

func TestSchemaCommand(t *testing.T) {
	t.Parallel()
	code, stdout, _ := invoke(t, nil, "schema")
	require.Equal(t, exitOK, code)
	file, err := os.ReadFile("../../runner/report/report.schema.json")
	require.NoError(t, err)
	require.Equal(t, string(file), stdout, "the binary prints the repository's schema")
	code, _, stderr := invoke(t, nil, "schema", "extra")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, `unexpected argument "extra"`)
}
