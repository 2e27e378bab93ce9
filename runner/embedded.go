package runner

import (
	"time"

	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// EmbeddedOptions configure the embedded emulator a run starts when no
// endpoint is given.
type EmbeddedOptions struct {
	Latency   time.Duration // operation latency; emulator.DefaultLatency if zero
	RateLimit int           // StopInstances per second; the documented 10 if zero
	Faults    []string      // faults to inject (self-tests)
	// Variants choose among the answers the sources allow (self-tests);
	// Seed drives the emulator's random choices.
	Variants emulator.Choices
	Seed     uint64
}

// Embedded is the reference emulator on a loopback port, with the
// credentials of its two accounts.
type Embedded struct {
	*emulator.Server
	Cred, Cred2 tcapi.Credential
}

// StartEmbedded starts the reference emulator with the default fleet on a
// free loopback port, with generated credentials. The caller must Close it.
func StartEmbedded(o EmbeddedOptions) (*Embedded, error) {
	e, err := emulator.New(emulator.Config{Fleet: emulator.DefaultFleet(), Latency: o.Latency,
		RateLimit: o.RateLimit, Faults: o.Faults, Variants: o.Variants, Seed: o.Seed})
	if err != nil {
		return nil, err
	}
	srv, err := emulator.Listen("127.0.0.1:0", e)
	if err != nil {
		return nil, err
	}
	acc := e.Accounts()
	return &Embedded{Server: srv, Cred: e.Credentials(acc[0]), Cred2: e.Credentials(acc[1])}, nil
}
