package emulator

import (
	"time"

	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// EmbeddedRegion is the region the default fleet's main instances are in,
// and the one a run against the embedded emulator names.
const EmbeddedRegion = "ap-guangzhou"

// EmbeddedOptions configure the embedded emulator: the one a run starts
// when no endpoint is given, and the one every self-test and test runs
// against.
type EmbeddedOptions struct {
	Latency   time.Duration // operation latency; DefaultLatency if zero
	RateLimit int           // StopInstances per second; the documented 10 if zero
	Faults    []string      // faults to inject (self-tests)
	// Variants choose among the answers the sources allow (self-tests);
	// Seed drives the emulator's random choices.
	Variants Choices
	Seed     uint64
	// Lanes is how many lane accounts the fleet gets:
	// DefaultLanes if zero, none if negative.
	Lanes int
	// Fleet is the fleet before its lanes are added; the default fleet if
	// nil (self-tests).
	Fleet *FleetFile
}

// Embedded is the reference emulator on a loopback port, with the
// credentials of its accounts: the main one, the second (for the
// isolation checks), and the lanes.
type Embedded struct {
	*Server
	Cred, Cred2 tcapi.Credential
	Lanes       []tcapi.Credential
}

// StartEmbedded starts the reference emulator with the default fleet and
// its lanes (DefaultLanes, unless o.Lanes says otherwise) on a
// free loopback port, with generated credentials. The caller must Close
// it.
func StartEmbedded(o EmbeddedOptions) (*Embedded, error) {
	lanes := DefaultLanes
	if o.Lanes != 0 {
		lanes = max(o.Lanes, 0)
	}
	fleet := o.Fleet
	if fleet == nil {
		fleet = DefaultFleet()
	}
	e, err := New(Config{Fleet: WithLanes(fleet, lanes), Latency: o.Latency,
		RateLimit: o.RateLimit, Faults: o.Faults, Variants: o.Variants, Seed: o.Seed})
	if err != nil {
		return nil, err
	}
	srv, err := Listen("127.0.0.1:0", e)
	if err != nil {
		return nil, err
	}
	acc := e.Accounts()
	emb := &Embedded{Server: srv, Cred: e.Credentials(acc[0]), Cred2: e.Credentials(acc[1])}
	for _, a := range acc[2:] {
		emb.Lanes = append(emb.Lanes, e.Credentials(a))
	}
	return emb, nil
}

// Target is the configuration of a run against e: its URL, the region
// EmbeddedRegion, its accounts' credentials (main, the second, the lanes),
// and every instance allowed, since the fleet is the emulator's own. The
// one place a target for the embedded emulator is spelled out.
func (e *Embedded) Target() runner.TargetConfig {
	return runner.TargetConfig{Endpoint: e.URL, Region: EmbeddedRegion, Cred: e.Cred, Cred2: e.Cred2, Lanes: e.Lanes,
		Allowed: func(string) bool { return true }}
}
