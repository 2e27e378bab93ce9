package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/conformance"
	"github.com/cvmconform/cvmconform/conformance/selftest"
	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/passive"
	"github.com/cvmconform/cvmconform/runner/snapshot"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// The resolve functions, table by table: a command line and an
// environment in, the configuration the command runs with (or its one
// usage error) out. The flags are parsed by the command's own register
// and parse, so that their defaults are the ones a user gets.

// mapEnv is an environment of the given variables only.
func mapEnv(vars map[string]string) environment {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

// parsed registers a command's flags, parses args as the CLI does, and
// returns what is not a flag.
func parsed(t *testing.T, register func(*flag.FlagSet), args ...string) []string {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	register(fs)
	_, ok := parse(fs, args)
	require.True(t, ok, "parsing %q", args)
	return fs.Args()
}

// badCase is a command line its resolve function refuses, with the one
// line it says.
type badCase struct {
	name   string
	args   []string
	env    map[string]string
	want   string
	reason string
}

// requireUsageError checks that err is want, on one line.
func requireUsageError(t *testing.T, err error, tc badCase) {
	t.Helper()
	require.EqualError(t, err, tc.want, tc.reason)
	require.NotContains(t, err.Error(), "\n", "a usage error is one line")
}

// Credentials of no target, as the environment gives them.
const (
	idMain, keyMain, tokenMain = "AKIDmain0000000000000000000000", "key-main", "token-main"
	idTwo, keyTwo              = "AKIDsecond00000000000000000000", "key-second"
	idLane, keyLane            = "AKIDlane3000000000000000000000", "key-lane-3"
)

var mainPair = map[string]string{"TENCENTCLOUD_SECRET_ID": idMain, "TENCENTCLOUD_SECRET_KEY": keyMain}

// with is vars and more, later ones winning.
func with(vars map[string]string, more ...string) map[string]string {
	out := map[string]string{}
	for k, v := range vars {
		out[k] = v
	}
	for i := 0; i+1 < len(more); i += 2 {
		out[more[i]] = more[i+1]
	}
	return out
}

func TestReadCredentials(t *testing.T) {
	t.Parallel()
	main := tcapi.Credential{SecretID: idMain, SecretKey: keyMain}
	withToken := main
	withToken.Token = tokenMain
	second := tcapi.Credential{SecretID: idTwo, SecretKey: keyTwo}
	lane := tcapi.Credential{SecretID: idLane, SecretKey: keyLane}
	good := []struct {
		name   string
		env    map[string]string
		want   credentials
		reason string
	}{
		{"none", nil, credentials{}, "no variable is no account, and no error: the embedded emulator and judge need none"},
		{"main", mainPair, credentials{main: main}, "the pair the SDKs read"},
		{"token", with(mainPair, "TENCENTCLOUD_SESSION_TOKEN", tokenMain), credentials{main: withToken}, "temporary credentials carry their token"},
		{"empty-is-unset", with(mainPair, "TENCENTCLOUD_SECRET_ID_2", "", "TENCENTCLOUD_SECRET_KEY_2", ""), credentials{main: main},
			"an exported empty variable is no account"},
		{"every-account", with(mainPair, "TENCENTCLOUD_SECRET_ID_2", idTwo, "TENCENTCLOUD_SECRET_KEY_2", keyTwo,
			"TENCENTCLOUD_SECRET_ID_3", idLane, "TENCENTCLOUD_SECRET_KEY_3", keyLane, "TENCENTCLOUD_SECRET_ID_4", idTwo, "TENCENTCLOUD_SECRET_KEY_4", keyTwo),
			credentials{main: main, second: second, lanes: []tcapi.Credential{lane, second}}, "the second account, then the lanes _3, _4 as emulate prints them"},
		{"lanes-end-at-a-gap", with(mainPair, "TENCENTCLOUD_SECRET_ID_3", idLane, "TENCENTCLOUD_SECRET_KEY_3", keyLane,
			"TENCENTCLOUD_SECRET_ID_5", idTwo, "TENCENTCLOUD_SECRET_KEY_5", keyTwo),
			credentials{main: main, lanes: []tcapi.Credential{lane}}, "the first lane unset ends them; no second account does not"},
		{"second-without-main", map[string]string{"TENCENTCLOUD_SECRET_ID_2": idTwo, "TENCENTCLOUD_SECRET_KEY_2": keyTwo},
			credentials{second: second}, "a command that needs the main account says so itself"},
	}
	for _, tc := range good {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := readCredentials(mapEnv(tc.env))
			require.NoError(t, err, tc.reason)
			require.Equal(t, tc.want, got, tc.reason)
		})
	}
	bad := []badCase{
		{"id-without-key", nil, map[string]string{"TENCENTCLOUD_SECRET_ID": idMain},
			"TENCENTCLOUD_SECRET_KEY is not set: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY together", "half a pair names the variable missing"},
		{"key-without-id", nil, map[string]string{"TENCENTCLOUD_SECRET_KEY": keyMain},
			"TENCENTCLOUD_SECRET_ID is not set: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY together", "whichever half is missing"},
		{"second-half-set", nil, with(mainPair, "TENCENTCLOUD_SECRET_ID_2", idTwo),
			"TENCENTCLOUD_SECRET_KEY_2 is not set: set TENCENTCLOUD_SECRET_ID_2 and TENCENTCLOUD_SECRET_KEY_2 together", "the second account's pair too"},
		{"lane-half-set", nil, with(mainPair, "TENCENTCLOUD_SECRET_KEY_3", keyLane),
			"TENCENTCLOUD_SECRET_ID_3 is not set: set TENCENTCLOUD_SECRET_ID_3 and TENCENTCLOUD_SECRET_KEY_3 together", "and a lane's"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := readCredentials(mapEnv(tc.env))
			requireUsageError(t, err, tc)
		})
	}
}

func TestCredentialsKeys(t *testing.T) {
	t.Parallel()
	c, err := readCredentials(mapEnv(with(mainPair, "TENCENTCLOUD_SESSION_TOKEN", tokenMain, "TENCENTCLOUD_SECRET_ID_3", idLane, "TENCENTCLOUD_SECRET_KEY_3", keyLane)))
	require.NoError(t, err)
	require.Equal(t, tcapi.KeyMap{
		idMain: {SecretKey: keyMain, Token: tokenMain, Account: runner.MaskSecretID(idMain)},
		idLane: {SecretKey: keyLane, Account: runner.MaskSecretID(idLane)},
	}, c.keys(), "every account set, labelled as the judge labels accounts, never by its whole SecretId")
	require.Nil(t, credentials{}.keys(), "no key at all is nil, not an empty map")
	require.Equal(t, tcapi.Credential{SecretID: idLane, SecretKey: keyLane}, c.at(2), "position 2 is the first lane, _3")
	require.Zero(t, c.at(1), "an account not set is zero")
	require.Zero(t, c.at(9))
}

func runFlagsOf(t *testing.T, args ...string) runFlags {
	var f runFlags
	f.args = parsed(t, f.register, args...)
	return f
}

func TestResolveRun(t *testing.T) {
	t.Parallel()
	t.Run("embedded", func(t *testing.T) {
		t.Parallel()
		got, err := resolveRun(runFlagsOf(t, "--only", "SI-ID-01", "--seed", "42"), mapEnv(nil))
		require.NoError(t, err)
		require.Equal(t, runConfig{
			suite: conformance.Config{Seed: 42, Sequences: 100, Only: []string{"SI-ID-01"}, Artifacts: "."},
			target: targetConfig{runner: runner.TargetConfig{Region: "ap-guangzhou", StopRateLimit: 10}, allowAll: true,
				variants: emulator.Choices{}, replay: conformance.RunCommand{RateLimit: 10}},
			signings: []runner.Signing{runner.SignTC3},
			replay:   conformance.RunCommand{RateLimit: 10, Signature: "tc3", Sequences: 100},
			selected: 1,
			json:     outputFile{"json", ""}, junit: outputFile{"junit", ""}, transcript: outputFile{"transcript", ""}, html: outputFile{"html", ""},
			gate: noGate,
		}, got, "no --endpoint: the embedded emulator, every instance allowed, no credential read")
		require.True(t, got.target.embedded())
		require.Equal(t, "cvmconform run --seed 42 --only SI-ID-01", got.replay.Line(42, "SI-ID-01"))
	})
	t.Run("endpoint", func(t *testing.T) {
		t.Parallel()
		env := with(mainPair, "TENCENTCLOUD_SECRET_ID_2", idTwo, "TENCENTCLOUD_SECRET_KEY_2", keyTwo, "TENCENTCLOUD_REGION", "ap-beijing")
		got, err := resolveRun(runFlagsOf(t, "--endpoint", "http://user:pw@127.0.0.1:8080/", "--all-instances", "--strict", "--signature", "all",
			"--checks", "20", "--rate-limit", "5", "--settle-timeout", "2m", "--skip", "SI-RATE", "--timeout", "5m", "--json", "r.json",
			"--fail-fast", "--lanes-per-account", "2", "--restore-timeout", "1m", "--shard", "3", "--require-all", "--plan"), mapEnv(env))
		require.NoError(t, err)
		require.Equal(t, runner.TargetConfig{Endpoint: "http://user:pw@127.0.0.1:8080", Region: "ap-beijing", StopRateLimit: 5,
			Cred: tcapi.Credential{SecretID: idMain, SecretKey: keyMain}, Cred2: tcapi.Credential{SecretID: idTwo, SecretKey: keyTwo}}, got.target.runner)
		require.Equal(t, "http://user:xxxxx@127.0.0.1:8080", got.target.name, "a report never names a password")
		require.True(t, got.target.allowAll)
		require.Equal(t, conformance.Config{Strict: true, Sequences: 20, Skip: []string{"SI-RATE"}, FailFast: true, LanesPerAccount: 2,
			RestoreTimeout: time.Minute, Shard: 3, SettleTimeout: 2 * time.Minute, Artifacts: "."}, got.suite)
		require.Equal(t, []runner.Signing{runner.SignTC3, runner.SignHmacSHA256, runner.SignHmacSHA1}, got.signings)
		require.Equal(t, outputFile{"json", "r.json"}, got.json)
		require.Equal(t, 5*time.Minute, got.timeout)
		require.True(t, got.requireAll)
		require.True(t, got.planOnly)
		require.Equal(t, "cvmconform run --endpoint http://user:pw@127.0.0.1:8080/ --region ap-beijing --rate-limit 5 --settle-timeout 2m0s "+
			"--all-instances --strict --signature all --checks 20 --seed 7 --only SI-ID-01", got.replay.Line(7, "SI-ID-01"),
			"the replay names the target as given, and every flag that changes the run")
	})
	t.Run("allow-list", func(t *testing.T) {
		t.Parallel()
		got, err := resolveRun(runFlagsOf(t, "--endpoint", "tencentcloud", "--instances", "ins-12345678, ins-87654321"), mapEnv(mainPair))
		require.NoError(t, err)
		require.Equal(t, "https://"+model.NearestHost, got.target.runner.Endpoint)
		require.Equal(t, []string{"ins-12345678", "ins-87654321"}, got.target.allowed)
		require.Equal(t, []string{"ins-12345678", "ins-87654321"}, got.suite.Instances, "the run checks each is listed")
		require.False(t, got.target.allowAll)
		require.Equal(t, "cvmconform run --endpoint tencentcloud --region ap-guangzhou --instances ins-12345678, ins-87654321 --seed 1",
			got.replay.Line(1, ""), "--instances as given")
	})
	t.Run("random-variant", func(t *testing.T) {
		t.Parallel()
		got, err := resolveRun(runFlagsOf(t, "--variant", "random", "--variant", "op-state=lag", "--fault", "no-rate-limit"), mapEnv(nil))
		require.NoError(t, err)
		require.Len(t, got.target.replay.Variants, 2)
		seed, err := strconv.ParseUint(strings.TrimPrefix(got.target.replay.Variants[0], "random:"), 10, 64)
		require.NoError(t, err, "a bare random replays as the random:SEED it drew: %q", got.target.replay.Variants)
		require.Equal(t, emulator.RandomChoices(seed).Merge(emulator.Choices{"op-state": "lag"}), got.target.variants, "later variants win")
		require.Equal(t, []string{"no-rate-limit"}, got.target.faults)
		require.Contains(t, got.replay.Line(1, ""), "--variant random:"+strconv.FormatUint(seed, 10)+" --variant op-state=lag --fault no-rate-limit")
	})
	t.Run("region", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			name, flag, env, want, reason string
		}{
			{"flag-beats-variable", "ap-shanghai", "ap-beijing", "ap-shanghai", "a flag beats the environment"},
			{"variable", "", "ap-beijing", "ap-beijing", "TENCENTCLOUD_REGION, as the SDKs read it"},
			{"default", "", "", "ap-guangzhou", "neither: the default"},
		} {
			var args []string
			if tc.flag != "" {
				args = []string{"--region", tc.flag}
			}
			env := map[string]string{}
			if tc.env != "" {
				env["TENCENTCLOUD_REGION"] = tc.env
			}
			got, err := resolveRun(runFlagsOf(t, args...), mapEnv(env))
			require.NoError(t, err, tc.name)
			require.Equal(t, tc.want, got.target.runner.Region, "%s: %s", tc.name, tc.reason)
		}
	})
	at9 := []string{"--endpoint", "http://127.0.0.1:9", "--all-instances"}
	for _, tc := range []badCase{
		{"extra-argument", []string{"extra"}, nil, `unexpected argument "extra"`, "run takes flags only"},
		{"signature", []string{"--signature", "bogus"}, nil, `--signature "bogus": want tc3, hmacsha256, hmacsha1 or all`, "the styles are listed"},
		{"checks-zero", []string{"--checks", "0"}, nil, "--checks must be positive", "SI-PROP-01 needs sequences"},
		{"timeout", []string{"--timeout", "-1s"}, nil, "--timeout must not be negative", "a budget is a duration"},
		{"restore-timeout", []string{"--restore-timeout", "-1s"}, nil, "--restore-timeout must not be negative", "so is a bound"},
		{"shard", []string{"--shard", "-1"}, nil, "--shard must not be negative", "shards count from 1; 0 is all"},
		{"lanes-per-account", []string{"--lanes-per-account", "-1"}, nil, "--lanes-per-account must not be negative", "0 picks"},
		{"only", []string{"--only", "SI-NOPE"}, nil, "--only SI-NOPE matches no check (see 'cvmconform checks')", "a prefix that selects nothing is a usage error, not an empty pass"},
		{"only-and-skip", []string{"--only", "SI-ID-01", "--skip", "SI-ID"}, nil, "nothing was judged: --only and --skip leave no check to run", "nothing left"},
		{"rate-limit-zero", []string{"--rate-limit", "0"}, nil, "--rate-limit must be positive", "a limit of 0 cannot be paced"},
		{"settle-negative", []string{"--settle-timeout", "-1s"}, nil, "--settle-timeout must not be negative", "a bound is a duration"},
		{"region", []string{"--region", "mars-north-1"}, nil, `--region "mars-north-1" is not a region the SDK lists (` + strings.Join(model.Regions, ", ") + ")", "an unknown region"},
		{"region-env", nil, map[string]string{"TENCENTCLOUD_REGION": "mars-north-1"}, `--region "mars-north-1" is not a region the SDK lists (` + strings.Join(model.Regions, ", ") + ")",
			"the region from the environment is checked too"},
		{"embedded-instances", []string{"--instances", "ins-12345678"}, nil,
			"--instances and --all-instances are for an --endpoint; every instance of the embedded emulator may be stopped", "the embedded emulator's are all ours"},
		{"variant", []string{"--variant", "gremlins=yes"}, nil, `--variant: unknown variant "gremlins" (see 'cvmconform emulate --list-variants')`, "variants are listed by emulate"},
		{"variant-endpoint", append(at9, "--variant", "op-state=lag"), mainPair,
			"--variant and --fault change the embedded emulator; for another endpoint, start 'cvmconform emulate --variant … --fault …' and point --endpoint at it",
			"another endpoint's behaviour is not ours to choose"},
		{"endpoint-scheme", []string{"--endpoint", "ftp://127.0.0.1"}, mainPair,
			`--endpoint "ftp://127.0.0.1": want an http(s) URL such as http://127.0.0.1:8080, or "tencentcloud"`, "only http(s)"},
		{"no-credentials", at9, nil, "set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY to the target's credentials", "nothing to sign with"},
		{"id-without-key", at9, map[string]string{"TENCENTCLOUD_SECRET_ID": idMain},
			"TENCENTCLOUD_SECRET_KEY is not set: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY together", "half a pair names the variable missing"},
		{"second-half-set", at9, with(mainPair, "TENCENTCLOUD_SECRET_ID_2", idTwo),
			"TENCENTCLOUD_SECRET_KEY_2 is not set: set TENCENTCLOUD_SECRET_ID_2 and TENCENTCLOUD_SECRET_KEY_2 together",
			"a second account half set would leave the isolation checks skipped unseen"},
		{"instances-and-all", append(at9, "--instances", "ins-12345678"), mainPair, "give --instances or --all-instances, not both", "one allow-list"},
		{"instances-malformed", []string{"--endpoint", "http://127.0.0.1:9", "--instances", "ins-12345678,ins-1122"}, mainPair,
			`--instances: "ins-1122" is not an instance ID (ins-xxxxxxxx)`, "every allow-listed ID is checked"},
		{"cloud-all-instances", []string{"--endpoint", "https://cvm.tencentcloudapi.com", "--all-instances"}, mainPair,
			"--all-instances is only for a target on this machine; https://cvm.tencentcloudapi.com is not: name the instances the suite may stop with --instances",
			"the suite stops real machines"},
		{"loopback-without-allow-list", []string{"--endpoint", "http://127.0.0.1:9"}, mainPair,
			"name the instances the suite may stop and start with --instances, or allow all of them with --all-instances", "even on this machine, say which"},
		{"cloud-without-allow-list", []string{"--endpoint", "https://cvm.tencentcloudapi.com"}, mainPair,
			"https://cvm.tencentcloudapi.com is not on this machine, and stopping instances there needs an allow-list: name the instances the suite may stop and start with --instances",
			"elsewhere, only an allow-list"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := resolveRun(runFlagsOf(t, tc.args...), mapEnv(tc.env))
			requireUsageError(t, err, tc)
		})
	}
}

func snapshotFlagsOf(t *testing.T, sub string, args ...string) snapshotFlags {
	var f snapshotFlags
	f.args = parsed(t, func(fs *flag.FlagSet) { f.register(fs, sub) }, args...)
	return f
}

func TestResolveSnapshot(t *testing.T) {
	t.Parallel()
	all, err := snapshot.Scenarios()
	require.NoError(t, err)
	got, err := resolveSnapshot("record", snapshotFlagsOf(t, "record", "--out", "dir"), mapEnv(nil))
	require.NoError(t, err)
	require.Equal(t, snapshotConfig{target: targetConfig{runner: runner.TargetConfig{Region: "ap-guangzhou", StopRateLimit: 10}, allowAll: true,
		variants: emulator.Choices{}, replay: conformance.RunCommand{RateLimit: 10}}, scenarios: all, dir: "dir",
		json: outputFile{"json", ""}, junit: outputFile{"junit", ""}, gate: gateConfig{writeBaseline: outputFile{"write-baseline", ""}, markdown: outputFile{"markdown", ""}}}, got,
		"every scenario, against the embedded emulator; no report but the console, no baseline")

	got, err = resolveSnapshot("verify", snapshotFlagsOf(t, "verify", "--against", "dir", "--only", "seed-example", "--ignore", "A.B, C",
		"--endpoint", "http://127.0.0.1:9", "--instances", "ins-12345678", "--region", "ap-beijing"), mapEnv(with(mainPair, "TENCENTCLOUD_REGION", "ap-shanghai")))
	require.NoError(t, err)
	require.Len(t, got.scenarios, 1)
	require.Equal(t, "seed-example", got.scenarios[0].Name)
	require.True(t, got.only, "verify compares only the scenarios --only chose")
	require.Equal(t, []string{"A.B", "C"}, got.ignore)
	require.Equal(t, "ap-beijing", got.target.runner.Region, "a flag beats the environment")
	require.Equal(t, []string{"ins-12345678"}, got.target.allowed)

	got, err = resolveSnapshot("verify", snapshotFlagsOf(t, "verify", "--against", "dir", "--baseline", "b.yaml", "--write-baseline", "w.yaml",
		"--markdown", "-", "--json", "r.json", "--junit", "r.xml"), mapEnv(nil))
	require.NoError(t, err)
	require.Equal(t, gateConfig{baseline: "b.yaml", writeBaseline: outputFile{"write-baseline", "w.yaml"}, markdown: outputFile{"markdown", "-"}}, got.gate,
		"verify takes the gate flags of run")
	require.Equal(t, outputFile{"json", "r.json"}, got.json)
	require.Equal(t, outputFile{"junit", "r.xml"}, got.junit)
	require.Equal(t, "cvmconform snapshot verify --against dir", verifyReplay(got), "the embedded emulator needs no target flags")
	require.Equal(t, "cvmconform snapshot verify --endpoint http://127.0.0.1:9 --region ap-beijing --settle-timeout 5s --instances ins-12345678 --ignore A.B,C --against d",
		verifyReplay(snapshotConfig{dir: "d", ignore: []string{"A.B", "C"}, target: targetConfig{replay: conformance.RunCommand{
			Endpoint: "http://127.0.0.1:9", Region: "ap-beijing", RateLimit: 10, SettleTimeout: 5 * time.Second, Instances: "ins-12345678"}}}),
		"the target's flags as run's replay gives them, then what verify compares")

	for _, tc := range []struct {
		sub string
		badCase
	}{
		{"record", badCase{"extra", []string{"--out", "d", "extra"}, nil, `unexpected argument "extra"`, "flags only"}},
		{"record", badCase{"no-out", nil, nil, "--out DIR is required", "nowhere to write"}},
		{"verify", badCase{"no-against", nil, nil, "--against DIR is required", "nothing to compare with"}},
		{"verify", badCase{"baseline-stdin", []string{"--against", "d", "--baseline", "-"}, nil, "--baseline: name a file; standard input is not read", "as run's"}},
		{"record", badCase{"only", []string{"--out", "d", "--only", "nope"}, nil, `--only: no scenario "nope" (known: ` + names(all) + ")", "the scenarios are listed"}},
		{"record", badCase{"cloud", []string{"--out", "d", "--endpoint", "https://cvm.tencentcloudapi.com"}, mainPair,
			"https://cvm.tencentcloudapi.com is not on this machine, and stopping instances there needs an allow-list: name the instances the scenarios may stop and start with --instances",
			"run's safety rules, for the scenarios"}},
		{"verify", badCase{"half-set", []string{"--against", "d", "--endpoint", "http://127.0.0.1:9", "--all-instances"}, map[string]string{"TENCENTCLOUD_SECRET_KEY": keyMain},
			"TENCENTCLOUD_SECRET_ID is not set: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY together", "half a pair names the variable missing"}},
	} {
		t.Run(tc.sub+"-"+tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := resolveSnapshot(tc.sub, snapshotFlagsOf(t, tc.sub, tc.args...), mapEnv(tc.env))
			requireUsageError(t, err, tc.badCase)
		})
	}
}

func names(scs []*snapshot.Scenario) string {
	var out []string
	for _, sc := range scs {
		out = append(out, sc.Name)
	}
	return strings.Join(out, ", ")
}

func judgeFlagsOf(t *testing.T, args ...string) judgeFlags {
	var f judgeFlags
	f.args = parsed(t, f.register, args...)
	return f
}

func TestResolveJudge(t *testing.T) {
	t.Parallel()
	got, err := resolveJudge(judgeFlagsOf(t, "a.har", "--strict", "b.yaml", "--rate-limit", "5", "--json", "-", "--html", "j.html"),
		mapEnv(with(mainPair, "TENCENTCLOUD_SESSION_TOKEN", tokenMain, "TENCENTCLOUD_SECRET_ID_2", idTwo, "TENCENTCLOUD_SECRET_KEY_2", keyTwo)))
	require.NoError(t, err)
	require.Equal(t, judgeConfig{files: []string{"a.har", "b.yaml"},
		judge: passive.Config{Strict: true, StopRateLimit: 5, Keys: tcapi.KeyMap{
			idMain: {SecretKey: keyMain, Token: tokenMain, Account: runner.MaskSecretID(idMain)},
			idTwo:  {SecretKey: keyTwo, Account: runner.MaskSecretID(idTwo)}}},
		json: outputFile{"json", "-"}, junit: outputFile{"junit", ""}, html: outputFile{"html", "j.html"}, gate: noGate}, got, "the files in order, every key in the environment")

	got, err = resolveJudge(judgeFlagsOf(t, "a.har"), mapEnv(nil))
	require.NoError(t, err)
	require.Equal(t, passive.Config{StopRateLimit: model.RateLimit(model.ActionStop)}, got.judge)
	require.Nil(t, got.judge.Keys, "no key: signatures are not verified, rather than verified against none")

	for _, tc := range []badCase{
		{"no-files", nil, nil, "name the recordings to judge (cassettes, HAR files, transcripts)", "nothing to judge is a usage error, not a pass"},
		{"rate", []string{"a.har", "--rate-limit", "0"}, nil, "--rate-limit must be positive", "a limit of 0"},
		{"key-without-id", []string{"a.har"}, map[string]string{"TENCENTCLOUD_SECRET_KEY": keyMain},
			"TENCENTCLOUD_SECRET_ID is not set: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY together", "a key names no SecretId"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := resolveJudge(judgeFlagsOf(t, tc.args...), mapEnv(tc.env))
			requireUsageError(t, err, tc)
		})
	}
}

func proxyFlagsOf(t *testing.T, args ...string) proxyFlags {
	var f proxyFlags
	f.args = parsed(t, f.register, args...)
	return f
}

func TestResolveProxy(t *testing.T) {
	t.Parallel()
	keys := tcapi.KeyMap{idMain: {SecretKey: keyMain, Account: runner.MaskSecretID(idMain)}}
	got, err := resolveProxy(proxyFlagsOf(t, "--upstream", "http://127.0.0.1:8080/", "--resign", "--report", "r.json", "--report-every", "1m",
		"--transcript", "t.jsonl", "--strict", "--html", "p.html"), mapEnv(mainPair))
	require.NoError(t, err)
	require.Equal(t, proxyConfig{listen: "127.0.0.1:8081",
		proxy:  passive.ProxyConfig{Upstream: "http://127.0.0.1:8080", Judge: passive.Config{Strict: true, StopRateLimit: 10, Keys: keys}, Resign: keys},
		report: outputFile{"report", "r.json"}, transcript: outputFile{"transcript", "t.jsonl"}, html: outputFile{"html", "p.html"}, every: time.Minute,
		gate: noGate, name: "http://127.0.0.1:8080"}, got)

	got, err = resolveProxy(proxyFlagsOf(t, "--upstream", "http://127.0.0.1:8080/", "--html", "p.html", "--report-every", "1m"), mapEnv(nil))
	require.NoError(t, err, "--report-every writes --html alone too")
	require.Equal(t, outputFile{"report", ""}, got.report)

	got, err = resolveProxy(proxyFlagsOf(t, "--upstream", "tencentcloud"), mapEnv(map[string]string{"TENCENTCLOUD_REGION": "ap-shanghai-fsi"}))
	require.NoError(t, err)
	require.Equal(t, "https://"+model.RegionHost("ap-shanghai-fsi"), got.proxy.Upstream, "the region from the environment picks the host")
	require.Nil(t, got.proxy.Resign)
	got, err = resolveProxy(proxyFlagsOf(t, "--upstream", "tencentcloud", "--region", "ap-beijing"), mapEnv(map[string]string{"TENCENTCLOUD_REGION": "ap-shanghai-fsi"}))
	require.NoError(t, err)
	require.Equal(t, "https://"+model.NearestHost, got.proxy.Upstream, "a flag beats the environment")

	up := []string{"--upstream", "http://127.0.0.1:9"}
	for _, tc := range []badCase{
		{"extra", append(up, "extra"), nil, `unexpected argument "extra"`, "flags only"},
		{"no-upstream", nil, nil, "--upstream is required: the target to forward to", "there is nothing to forward to"},
		{"bad-upstream", []string{"--upstream", "ftp://x"}, nil,
			`--upstream: --endpoint "ftp://x": want an http(s) URL such as http://127.0.0.1:8080, or "tencentcloud"`, "only http(s)"},
		{"name-without-region", []string{"--upstream", "tencentcloud"}, nil,
			"--upstream: --endpoint tencentcloud needs --region (or TENCENTCLOUD_REGION)", "the real cloud's host depends on the region, and proxy has no default"},
		{"every-negative", append(up, "--report-every", "-1s"), nil, "--report-every must not be negative", "a period"},
		{"every-without-report", append(up, "--report-every", "1s"), nil, "--report-every needs --report FILE or --html FILE", "nowhere to write"},
		{"rate", append(up, "--rate-limit", "0"), nil, "--rate-limit must be positive", "a limit of 0"},
		{"half-set", up, map[string]string{"TENCENTCLOUD_SECRET_ID": idMain},
			"TENCENTCLOUD_SECRET_KEY is not set: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY together", "half a pair names the variable missing"},
		{"resign-without-keys", append(up, "--resign"), nil,
			"--resign needs the clients' keys: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY", "nothing to sign with"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := resolveProxy(proxyFlagsOf(t, tc.args...), mapEnv(tc.env))
			requireUsageError(t, err, tc)
		})
	}
}

func callFlagsOf(t *testing.T, args ...string) callFlags {
	var f callFlags
	f.args = parsed(t, f.register, args...)
	return f
}

func TestResolveCall(t *testing.T) {
	t.Parallel()
	params, err := tcapi.ParseParams([]byte(`{"Limit":1}`))
	require.NoError(t, err)
	env := with(mainPair, "TENCENTCLOUD_SESSION_TOKEN", tokenMain, "TENCENTCLOUD_REGION", "ap-beijing")
	got, err := resolveCall(callFlagsOf(t, "--endpoint", "http://127.0.0.1:8080", "--signature", "hmacsha256", "--get", "--raw", "--strict",
		"--timeout", "5s", "DescribeInstances", `{"Limit":1}`), mapEnv(env))
	require.NoError(t, err)
	main := tcapi.Credential{SecretID: idMain, SecretKey: keyMain, Token: tokenMain}
	require.Equal(t, callConfig{
		call:   tcapi.Call{Action: "DescribeInstances", Params: params, Style: tcapi.StyleV1Get, V1Method: tcapi.HmacSHA256},
		target: runner.TargetConfig{Endpoint: "http://127.0.0.1:8080", Region: "ap-beijing", Cred: main, Timeout: 5 * time.Second},
		raw:    true,
		judge:  passive.Config{Strict: true, Keys: tcapi.KeyMap{idMain: {SecretKey: keyMain, Token: tokenMain, Account: runner.MaskSecretID(idMain)}}},
	}, got, "the region from the environment; the Nonce is drawn when the request is sent")

	for _, tc := range []struct{ name, flag, env, want string }{
		{"flag-beats-variable", "ap-shanghai", "ap-beijing", "ap-shanghai"},
		{"variable", "", "ap-beijing", "ap-beijing"},
		{"default", "", "", "ap-guangzhou"},
	} {
		args := []string{"--endpoint", "http://127.0.0.1:8080", "DescribeInstances"}
		if tc.flag != "" {
			args = append(args, "--region", tc.flag)
		}
		e := mainPair
		if tc.env != "" {
			e = with(mainPair, "TENCENTCLOUD_REGION", tc.env)
		}
		got, err := resolveCall(callFlagsOf(t, args...), mapEnv(e))
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.want, got.target.Region, tc.name)
		require.Equal(t, callTimeout, got.target.Timeout, "the default bound")
	}

	ep := []string{"--endpoint", "http://127.0.0.1:9"}
	for _, tc := range []badCase{
		{"no-action", ep, mainPair, `want ACTION and at most one JSON object of parameters, e.g. StopInstances '{"InstanceIds":["ins-r8hr2upy"]}'`, "nothing to send"},
		{"three-arguments", append(ep, "DescribeInstances", "{}", "{}"), mainPair,
			`want ACTION and at most one JSON object of parameters, e.g. StopInstances '{"InstanceIds":["ins-r8hr2upy"]}'`, "one JSON object at most"},
		{"array", append(ep, "StopInstances", `["ins-1"]`), mainPair, "parameters: want a JSON object, e.g. {\"InstanceIds\":[\"ins-r8hr2upy\"]}", "parameters are an object"},
		{"signature-all", append(ep, "--signature", "all", "DescribeInstances"), mainPair, `--signature "all": want tc3, hmacsha256 or hmacsha1 (one request, one signature)`, "all is run's"},
		{"tc3-form", append(ep, "--form", "DescribeInstances"), mainPair,
			"--form: a form POST is signed with v1 only (facts §1 style D): add --signature hmacsha1 or hmacsha256", "facts §1: form POST is v1"},
		{"get-and-form", append(ep, "--signature", "hmacsha1", "--get", "--form", "DescribeInstances"), mainPair, "give --get or --form, not both", "one style"},
		{"timeout", append(ep, "--timeout", "0s", "DescribeInstances"), mainPair, "--timeout must be positive", "a call waits for its answer"},
		{"no-endpoint", []string{"DescribeInstances"}, mainPair,
			"--endpoint is required: the target's URL (e.g. http://127.0.0.1:8080), or tencentcloud / tencentcloud-intl", "no default target"},
		{"no-credentials", append(ep, "DescribeInstances"), nil, "set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY to the target's credentials", "nothing to sign with"},
		{"key-without-id", append(ep, "DescribeInstances"), map[string]string{"TENCENTCLOUD_SECRET_KEY": keyMain},
			"TENCENTCLOUD_SECRET_ID is not set: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY together", "half a pair names the variable missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := resolveCall(callFlagsOf(t, tc.args...), mapEnv(tc.env))
			requireUsageError(t, err, tc)
		})
	}
}

func selftestFlagsOf(t *testing.T, args ...string) selftestFlags {
	var f selftestFlags
	f.args = parsed(t, f.register, args...)
	return f
}

func TestArtifactsDir(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		outs   []outputFile
		want   string
		reason string
	}{
		{"none", nil, ".", "no report file: the working directory, never the temporary one, which nobody keeps"},
		{"html", []outputFile{{"html", "out/r.html"}, {"json", "j/r.json"}}, "out", "beside the HTML report, whose link names the file"},
		{"json", []outputFile{{"html", ""}, {"json", "j/r.json"}}, "j", "else beside the first report given"},
		{"stdout", []outputFile{{"html", "-"}, {"json", "j/r.json"}}, "j", "standard output has no directory"},
		{"bare", []outputFile{{"html", "r.html"}}, ".", "a bare name is in the working directory"},
	} {
		require.Equal(t, tc.want, artifactsDir(tc.outs...), "%s: %s", tc.name, tc.reason)
	}
	got, err := resolveRun(runFlagsOf(t, "--html", "ci/report.html", "--json", "x/r.json"), mapEnv(nil))
	require.NoError(t, err)
	require.Equal(t, "ci", got.suite.Artifacts, "run writes its artifacts beside --html")
	require.Equal(t, outputFile{"html", "ci/report.html"}, got.html)
}

func TestResolveSelftest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		args   []string
		want   selftest.Config
		reason string
	}{
		{"defaults", nil, selftest.Config{Variants: 20, Parallel: 4, Sequences: 20}, "the full self-test; --only is for --quick"},
		{"quick", []string{"--quick", "--faults", "a, b", "--seed", "44"}, selftest.Config{Variants: 20, Parallel: 4, Sequences: 20, Quick: true, Seed: 44,
			Faults: []string{"a", "b"}, Only: []string{"SI-PROTO", "SI-AUTH", "SI-PARAM", "SI-BATCH", "SI-ID", "SI-STATE", "SI-ASYNC", "SI-ATOMIC", "SI-ACCT", "SI-HOSTILE"}},
			"--quick selects --only's checks, by default the fast areas"},
		{"no-variants", []string{"--variants", "0", "--parallel", "2", "--checks", "5"}, selftest.Config{Variants: -1, Parallel: 2, Sequences: 5},
			"--variants 0 is recall only, which selftest.Config says with a negative count (its 0 is the default)"},
	} {
		got, err := resolveSelftest(selftestFlagsOf(t, tc.args...))
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.want, got.suite, "%s: %s", tc.name, tc.reason)
		require.Equal(t, outputFile{"html", ""}, got.html, tc.name)
	}
	got, err := resolveSelftest(selftestFlagsOf(t, "--html", "st.html"))
	require.NoError(t, err)
	require.Equal(t, outputFile{"html", "st.html"}, got.html, "--html names the page's file")
	for _, tc := range []badCase{
		{"extra", []string{"extra"}, nil, `unexpected argument "extra"`, "flags only"},
		{"variants", []string{"--variants", "-1"}, nil, "--variants must be ≥ 0, --parallel and --checks positive", "a count"},
		{"parallel", []string{"--parallel", "0"}, nil, "--variants must be ≥ 0, --parallel and --checks positive", "at least one at a time"},
		{"checks", []string{"--checks", "0"}, nil, "--variants must be ≥ 0, --parallel and --checks positive", "SI-PROP-01 needs sequences"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := resolveSelftest(selftestFlagsOf(t, tc.args...))
			requireUsageError(t, err, tc)
		})
	}
}

func emulateFlagsOf(t *testing.T, args ...string) emulateFlags {
	var f emulateFlags
	f.args = parsed(t, f.register, args...)
	return f
}

func TestResolveEmulate(t *testing.T) {
	t.Parallel()
	got, err := resolveEmulate(emulateFlagsOf(t), mapEnv(nil))
	require.NoError(t, err)
	require.Equal(t, emulateConfig{listen: "127.0.0.1:8080", lanes: emulator.DefaultLanes,
		emulator: emulator.Config{Latency: emulator.DefaultLatency, RateLimit: 10, Variants: emulator.Choices{}}}, got, "the defaults, and generated credentials")

	got, err = resolveEmulate(emulateFlagsOf(t, "--rate-limit", "0", "--fleet", "f.json", "--fault", "a", "--fault", "b", "--variant", "op-state=lag",
		"--variant", "op-state=together", "--stop-latency", "2s", "--listen", "127.0.0.1:0"), mapEnv(with(mainPair, "TENCENTCLOUD_SECRET_ID_2", idTwo, "TENCENTCLOUD_SECRET_KEY_2", keyTwo)))
	require.NoError(t, err)
	require.Equal(t, emulateConfig{listen: "127.0.0.1:0", fleet: "f.json", lanes: emulator.DefaultLanes,
		emulator: emulator.Config{Latency: 2 * time.Second, RateLimit: -1, Faults: []string{"a", "b"}, Variants: emulator.Choices{"op-state": "together"}},
		creds:    credentials{main: tcapi.Credential{SecretID: idMain, SecretKey: keyMain}, second: tcapi.Credential{SecretID: idTwo, SecretKey: keyTwo}}}, got,
		"--rate-limit 0 is no limit, which emulator.Config says with a negative one (its 0 is the default); later variants win; the fault names are the emulator's to check")

	got, err = resolveEmulate(emulateFlagsOf(t, "--list-faults", "--rate-limit", "-1"), mapEnv(nil))
	require.NoError(t, err)
	require.Equal(t, emulateConfig{listFaults: true}, got, "a listing serves nothing, so nothing else is checked")

	for _, tc := range []badCase{
		{"extra", []string{"extra"}, nil, `unexpected argument "extra"`, "flags only"},
		{"lanes", []string{"--lanes", "-1"}, nil, "--lanes must be ≥ 0", "a count"},
		{"rate", []string{"--rate-limit", "-1"}, nil, "--rate-limit must be ≥ 0 and --stop-latency > 0", "0 is off; below it is nothing"},
		{"latency", []string{"--stop-latency", "0s"}, nil, "--rate-limit must be ≥ 0 and --stop-latency > 0", "an operation takes time"},
		{"variant", []string{"--variant", "gremlins=yes"}, nil, `--variant: unknown variant "gremlins" (see 'cvmconform emulate --list-variants')`, "the variants are listed"},
		{"half-set", nil, map[string]string{"TENCENTCLOUD_SECRET_ID": idMain},
			"TENCENTCLOUD_SECRET_KEY is not set: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY together",
			"half a pair names the variable missing, rather than serving a generated key the user did not expect"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := resolveEmulate(emulateFlagsOf(t, tc.args...), mapEnv(tc.env))
			requireUsageError(t, err, tc)
		})
	}
}

// --min-coverage on run, judge and proxy: a percentage, carried to the
// report's gate; out of range is a usage error.
func TestResolveMinCoverage(t *testing.T) {
	t.Parallel()
	run, err := resolveRun(runFlagsOf(t, "--min-coverage", "80"), mapEnv(nil))
	require.NoError(t, err)
	require.Equal(t, 80.0, run.minCoverage)
	judge, err := resolveJudge(judgeFlagsOf(t, "a.har", "--min-coverage", "12.5"), mapEnv(nil))
	require.NoError(t, err)
	require.Equal(t, 12.5, judge.minCoverage)
	proxy, err := resolveProxy(proxyFlagsOf(t, "--upstream", "http://127.0.0.1:8080", "--min-coverage", "100"), mapEnv(nil))
	require.NoError(t, err)
	require.Equal(t, 100.0, proxy.minCoverage)
	run, err = resolveRun(runFlagsOf(t), mapEnv(nil))
	require.NoError(t, err)
	require.Zero(t, run.minCoverage, "no gate by default")

	const bad = "--min-coverage %s: want a percentage from 0 to 100"
	for _, tc := range []badCase{
		{"negative", []string{"--min-coverage", "-1"}, nil, fmt.Sprintf(bad, "-1"), "a share cannot be negative"},
		{"over-100", []string{"--min-coverage", "101"}, nil, fmt.Sprintf(bad, "101"), "no run exercises more than every rule"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := resolveRun(runFlagsOf(t, tc.args...), mapEnv(tc.env))
			requireUsageError(t, err, tc)
			_, err = resolveJudge(judgeFlagsOf(t, append([]string{"a.har"}, tc.args...)...), mapEnv(tc.env))
			requireUsageError(t, err, tc)
		})
	}
}

func TestResolveCoverageAndProfile(t *testing.T) {
	t.Parallel()
	got, err := resolveCoverage(evidenceFlags{args: []string{"r.json"}})
	require.NoError(t, err)
	require.Equal(t, evidenceConfig{reports: []string{"r.json"}}, got)
	got, err = resolveProfile(evidenceFlags{args: []string{"a.json", "b.json"}})
	require.NoError(t, err)
	require.Equal(t, evidenceConfig{reports: []string{"a.json", "b.json"}}, got, "two reports: compared, A then B")
	for _, tc := range []struct {
		resolve func(evidenceFlags) (evidenceConfig, error)
		badCase
	}{
		{resolveCoverage, badCase{"coverage-none", nil, nil, "name the JSON report to read (run, judge or proxy --json)", "nothing to read"}},
		{resolveCoverage, badCase{"coverage-two", []string{"a.json", "b.json"}, nil, `unexpected argument "b.json": coverage reads one report`, "coverage compares nothing"}},
		{resolveProfile, badCase{"profile-none", nil, nil, "name the JSON report to read (run, judge or proxy --json), or two to compare", "nothing to read"}},
		{resolveProfile, badCase{"profile-three", []string{"a.json", "b.json", "c.json"}, nil, `unexpected argument "c.json": profile reads one report, or compares two`, "a comparison is of two"}},
	} {
		_, err := tc.resolve(evidenceFlags{args: tc.args})
		requireUsageError(t, err, tc.badCase)
	}
}

// noGate is the gate of a command line without --baseline, --markdown
// or --write-baseline.
var noGate = gateConfig{writeBaseline: outputFile{"write-baseline", ""}, markdown: outputFile{"markdown", ""}}

func TestResolveGate(t *testing.T) {
	t.Parallel()
	var f runFlags
	parsed(t, f.register, "--baseline", "b.yaml", "--write-baseline", "w.yaml", "--markdown", "-")
	got, err := resolveGate(f.gate)
	require.NoError(t, err)
	require.Equal(t, gateConfig{baseline: "b.yaml", writeBaseline: outputFile{"write-baseline", "w.yaml"}, markdown: outputFile{"markdown", "-"}}, got)
	_, err = resolveGate(gateFlags{baseline: "-"})
	require.EqualError(t, err, "--baseline: name a file; standard input is not read", "a baseline is a file in the repository, not a pipe")
}

func TestResolveRepro(t *testing.T) {
	t.Parallel()
	flagsOf := func(args ...string) reproFlags {
		var f reproFlags
		f.args = parsed(t, f.register, args...)
		return f
	}
	got, err := resolveRepro(flagsOf("SI-ID-01", "--from", "r.json", "--out", "repro.go"))
	require.NoError(t, err)
	require.Equal(t, reproConfig{check: "SI-ID-01", from: "r.json", out: outputFile{"out", "repro.go"}}, got)
	got, err = resolveRepro(flagsOf("--from", "r.json", "recording.har"))
	require.NoError(t, err)
	require.Equal(t, reproConfig{check: "recording.har", from: "r.json", out: outputFile{"out", "-"}}, got,
		"standard output by default; a judge report's check is a recording, named as it is")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no check", []string{"--from", "r.json"}, "name one failed check, e.g. cvmconform repro SI-ID-01 --from report.json"},
		{"two checks", []string{"--from", "r.json", "SI-ID-01", "SI-ID-02"}, "name one failed check, e.g. cvmconform repro SI-ID-01 --from report.json"},
		{"no report", []string{"SI-ID-01"}, "--from is required: the JSON report that holds the failure (run --json FILE)"},
	} {
		_, err := resolveRepro(flagsOf(tc.args...))
		require.EqualError(t, err, tc.want, tc.name)
	}
}
