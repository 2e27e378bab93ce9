package conformance

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gkampitakis/go-snaps/snaps"
	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// `go test ./conformance` runs the whole suite against the embedded
// emulator; these flags point it at another target instead, with the
// same environment variables as `cvmconform run`:
//
//	go test ./conformance -run TestConformance -endpoint http://127.0.0.1:8080 -instances all
var (
	flagEndpoint  = flag.String("endpoint", "", "target URL (default: the embedded emulator)")
	flagRegion    = flag.String("region", "ap-guangzhou", "region")
	flagInstances = flag.String("instances", "", "comma-separated instance IDs the suite may stop, or \"all\" (loopback only)")
	flagStrict    = flag.Bool("strict", false, "strict mode")
	flagSeed      = flag.Uint64("seed", 0, "seed (0: random)")
	flagSequences = flag.Int("sequences", 100, "state-machine sequences of SI-PROP-01 (divided by 5 under -short)")
)

// embedded is the emulator the package's tests share when no -endpoint is
// given.
var embedded *emulator.Embedded

func TestMain(m *testing.M) {
	flag.Parse()
	// The tests want a failing sequence, not the shortest one: the fault
	// proofs of SI-PROP-01 would spend most of their time shrinking.
	shrinkTime = 2 * time.Second
	if *flagEndpoint == "" {
		var err error
		if embedded, err = emulator.StartEmbedded(emulator.EmbeddedOptions{Latency: testLatency}); err != nil {
			fmt.Fprintf(os.Stderr, "starting the embedded emulator: %v\n", err)
			os.Exit(2)
		}
	}
	code := m.Run()
	if embedded != nil {
		embedded.Close()
	}
	// go-snaps: report obsolete snapshots; under CI they fail the run.
	dirty, err := snaps.Clean(m, snaps.CleanOpts{Sort: true})
	if err != nil {
		fmt.Fprintf(os.Stderr, "go-snaps: %v\n", err)
		code = 1
	}
	if dirty && os.Getenv("CI") != "" {
		fmt.Fprintln(os.Stderr, "go-snaps: obsolete snapshots; run UPDATE_SNAPS=clean go test ./conformance and commit")
		code = 1
	}
	os.Exit(code)
}

// testLatency is the embedded emulator's operation latency in tests.
const testLatency = 30 * time.Millisecond

// targetConfig returns the configuration of the target under test: the
// shared embedded emulator, or the one the flags and environment name.
func targetConfig(t testing.TB) runner.TargetConfig {
	t.Helper()
	if embedded != nil {
		return embedded.Target()
	}
	url, err := runner.ResolveEndpoint(*flagEndpoint, *flagRegion)
	if err != nil {
		t.Fatal(err)
	}
	cfg := runner.TargetConfig{Endpoint: url, Region: *flagRegion,
		Cred:  tcapi.Credential{SecretID: os.Getenv("TENCENTCLOUD_SECRET_ID"), SecretKey: os.Getenv("TENCENTCLOUD_SECRET_KEY"), Token: os.Getenv("TENCENTCLOUD_SESSION_TOKEN")},
		Cred2: tcapi.Credential{SecretID: os.Getenv("TENCENTCLOUD_SECRET_ID_2"), SecretKey: os.Getenv("TENCENTCLOUD_SECRET_KEY_2")}}
	switch ids := strings.Split(*flagInstances, ","); {
	case *flagInstances == "all" && runner.Loopback(url):
		cfg.Allowed = func(string) bool { return true }
	case *flagInstances == "all":
		t.Fatalf("-instances all is only for a target on this machine")
	default:
		cfg.Allowed = func(id string) bool { return slices.Contains(ids, id) }
	}
	return cfg
}

// withFaults starts a private embedded emulator with faults and returns
// its target configuration; it is closed when the test ends. Tests that
// prove a check catches a fault use it; they are skipped against another
// endpoint.
func withFaults(t *testing.T, faults ...string) runner.TargetConfig {
	t.Helper()
	return withFaultsOn(t, nil, faults...)
}

// withFaultsOn is withFaults on an emulator with the variant choices
// variants (a proof's Needs).
func withFaultsOn(t *testing.T, variants emulator.Choices, faults ...string) runner.TargetConfig {
	t.Helper()
	if *flagEndpoint != "" {
		t.Skip("fault self-tests run against the embedded emulator only")
	}
	emu, err := emulator.StartEmbedded(emulator.EmbeddedOptions{Latency: testLatency, Faults: faults, Variants: variants})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	return emu.Target()
}

// openLanes discovers the fleet of cfg's target as a run's entrance would
// (prepare, then open), each account's instances in one share, and
// returns its lanes.
func openLanes(t testing.TB, cfg Config) []*runState {
	t.Helper()
	rc, _, err := prepare(cfg)
	require.NoError(t, err)
	lanes, _, err := open(context.Background(), rc, nil)
	require.NoError(t, err)
	return lanes
}
