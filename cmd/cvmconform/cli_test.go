package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/runner"
)

// everyCommand is each command and subcommand that takes flags.
var everyCommand = [][]string{
	{"run"}, {"emulate"}, {"checks"}, {"selftest"}, {"judge"}, {"proxy"},
	{"snapshot", "record"}, {"snapshot", "verify"}, {"snapshot", "diff"}, {"snapshot", "list"},
}

func TestHelpExitsZeroEverywhere(t *testing.T) {
	t.Parallel()
	for _, cmd := range everyCommand {
		t.Run(strings.Join(cmd, "-"), func(t *testing.T) {
			t.Parallel()
			code, _, stderr := invoke(t, nil, append(cmd, "-h")...)
			require.Equal(t, exitOK, code, "asking for the usage is no error: %s", stderr)
			require.Contains(t, stderr, "Usage")
		})
	}
}

// TestFlagErrorIsOneLine: a wrong flag is one line naming the command and
// where its flags are described, not the whole usage.
func TestFlagErrorIsOneLine(t *testing.T) {
	t.Parallel()
	for _, cmd := range everyCommand {
		name := strings.Join(cmd, " ")
		t.Run(strings.Join(cmd, "-"), func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := invoke(t, nil, append(cmd, "--bogus")...)
			require.Equal(t, exitUsage, code)
			require.Empty(t, stdout)
			require.Equal(t, "cvmconform "+name+": flag provided but not defined: -bogus (see 'cvmconform "+name+" -h')\n", stderr)
		})
	}
}

// TestFlagsAmongArguments: flags may follow the file arguments; "--"
// ends them.
func TestFlagsAmongArguments(t *testing.T) {
	t.Parallel()
	fs := flag.NewFlagSet("judge", flag.ContinueOnError)
	jsonPath := fs.String("json", "", "")
	strict := fs.Bool("strict", false, "")
	code, ok := parse(fs, []string{"a.har", "--json", "j.json", "b.har", "-strict", "-", "--", "-c.har"})
	require.True(t, ok)
	require.Equal(t, exitOK, code)
	require.Equal(t, "j.json", *jsonPath)
	require.True(t, *strict)
	require.Equal(t, []string{"a.har", "b.har", "-", "-c.har"}, fs.Args(), "the files in their order; after -- a name may start with -")

	dir := t.TempDir()
	clean := startEmulator(t)
	rec, _ := recordings(t, dir, "clean", targetCycle(t, clean, "ins-43jl0gw2"))
	j := filepath.Join(dir, "j.json")
	code, _, stderr := invoke(t, nil, "judge", rec, "--json", j)
	require.Equal(t, exitOK, code, stderr)
	_, err := os.Stat(j)
	require.NoError(t, err, "judge good.har --json j.json writes j.json")
}

func TestVersion(t *testing.T) {
	t.Parallel()
	code, stdout, _ := invoke(t, nil, "--version")
	require.Equal(t, exitOK, code)
	require.True(t, strings.HasPrefix(stdout, "cvmconform "), stdout)

	info := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/cvmconform/cvmconform", Version: "v0.3.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "9ff7b8f0"}, {Key: "vcs.modified", Value: "true"}, {Key: "vcs.time", Value: "2026-12-02T18:00:00Z"}}}
	require.Equal(t, "cvmconform "+runner.Version+" (module v0.3.0) 9ff7b8f0 (modified) 2026-12-02T18:00:00Z go1.26.0", versionLine(info, true))
	info.Main.Version = "(devel)"
	require.Equal(t, "cvmconform "+runner.Version+" 9ff7b8f0 (modified) 2026-12-02T18:00:00Z go1.26.0", versionLine(info, true),
		"the version its requests carry, never (devel)")
	require.Equal(t, "cvmconform "+runner.Version+" (no build information)", versionLine(nil, false))
}

// TestErrorsPointAtTheirCommand: a message that points at a flag names the
// command that has it.
func TestErrorsPointAtTheirCommand(t *testing.T) {
	t.Parallel()
	code, _, stderr := invoke(t, nil, "run", "--variant", "nope=1")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "'cvmconform emulate --list-variants'", "only emulate has --list-variants")
}

// TestReadmeStatesNoDriftingCount: the README does not count what grows —
// the checks, the faults, the hostile requests, the fleet — since every
// issue adds some.
func TestReadmeStatesNoDriftingCount(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	count := regexp.MustCompile(`\b\d+(/\d+)?\s+(checks\b|faults\b|malformed\b|hostile\b|instances of\b)`)
	require.Empty(t, count.FindAllString(string(readme), -1))
}

// TestChecksOneInFull: 'checks ID' prints the check with the text of
// every section its clause cites and the faults that prove it.
func TestChecksOneInFull(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := invoke(t, nil, "checks", "SI-ID-01")
	require.Equal(t, exitOK, code, stderr)
	for _, want := range []string{
		"SI-ID-01  The seed's malformed ID ins-1122",
		"severity: MUST",
		"clause:   seed §6 InvalidInstanceId.Malformed; facts §11",
		"seed §6 — Error codes (model/SOURCES.md)",
		"facts §11 — The instance ID format",
		"proven by the emulator faults: malformed-id-not-found",
	} {
		require.Contains(t, stdout, want)
	}
	code, stdout, _ = invoke(t, nil, "checks", "SI-PARAM-02")
	require.Equal(t, exitOK, code)
	require.Contains(t, stdout, "ledger L-03 ", "a clause citing the ledger shows the entry")

	code, _, stderr = invoke(t, nil, "checks", "SI-NOPE-01")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, `no check "SI-NOPE-01"`)
}

func TestChecksOnlyAndJSON(t *testing.T) {
	t.Parallel()
	code, stdout, _ := invoke(t, nil, "checks", "--only", "SI-ID")
	require.Equal(t, exitOK, code)
	require.Regexp(t, `(?m)^ID\s+SEVERITY\s+TITLE\s+CLAUSE`, stdout, "the severity column has a header")
	require.Contains(t, stdout, "SI-ID-01")
	require.NotContains(t, stdout, "SI-BATCH-")

	code, stdout, _ = invoke(t, nil, "checks", "--json", "--only", "SI-ID,SI-BATCH-02")
	require.Equal(t, exitOK, code)
	var got []checkDetail
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	require.NotEmpty(t, got)
	for _, d := range got {
		require.True(t, strings.HasPrefix(d.ID, "SI-ID") || d.ID == "SI-BATCH-02", d.ID)
		require.NotEmpty(t, d.Sources, "%s: every clause resolves to text", d.ID)
	}
}
