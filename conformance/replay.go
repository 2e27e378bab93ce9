package conformance

import (
	crand "crypto/rand"
	"encoding/binary"
	"strconv"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/model"
)

// How a run is made again. This file is the one place that draws a run's
// seed (NewSeed) and the one builder of the command that replays a run
// (RunCommand): 'cvmconform run' (cmd/cvmconform), the self-test
// (conformance/selftest) and Run's own default all go through them.

// NewSeed draws the seed of a run that was given none. It is below 2^63,
// so that it reads back the same wherever it is printed (a JSON number, a
// signed flag).
func NewSeed() uint64 {
	var b [8]byte
	_, _ = crand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:]) >> 1
}

// RunCommand is a 'cvmconform run' command line without its seed and
// selection: the flags that make a run against the same target, the same
// way. A zero field is left out of the line, as is a value the flag has
// by default, so that the line says only what differs.
type RunCommand struct {
	// Endpoint is --endpoint as given (a URL, or "tencentcloud"), and
	// Region its --region; both left out when Endpoint is "", the
	// embedded emulator.
	Endpoint, Region string
	// RateLimit is --rate-limit.
	RateLimit int
	// SettleTimeout is --settle-timeout.
	SettleTimeout time.Duration
	// Variants and Faults are the embedded emulator's --variant and
	// --fault values, each one flag.
	Variants, Faults []string
	// Instances is --instances as given; AllInstances --all-instances.
	Instances    string
	AllInstances bool
	Strict       bool
	// Signature is --signature ("tc3", the default, is left out).
	Signature string
	// Sequences is --checks, the state machine's sequences
	// (DefaultSequences is left out).
	Sequences int
}

// Line is the command that runs the checks only selects (an ID, or
// comma-separated prefixes) with seed: the replay a report prints.
func (r RunCommand) Line(seed uint64, only string) string {
	parts := []string{"cvmconform", "run"}
	if r.Endpoint != "" {
		parts = append(parts, "--endpoint", r.Endpoint, "--region", r.Region)
	}
	if r.RateLimit != 0 && r.RateLimit != model.RateLimit(model.ActionStop) {
		parts = append(parts, "--rate-limit", strconv.Itoa(r.RateLimit))
	}
	if r.SettleTimeout != 0 {
		parts = append(parts, "--settle-timeout", r.SettleTimeout.String())
	}
	for _, v := range r.Variants {
		parts = append(parts, "--variant", v)
	}
	for _, f := range r.Faults {
		parts = append(parts, "--fault", f)
	}
	switch {
	case r.Instances != "":
		parts = append(parts, "--instances", r.Instances)
	case r.AllInstances:
		parts = append(parts, "--all-instances")
	}
	if r.Strict {
		parts = append(parts, "--strict")
	}
	if r.Signature != "" && r.Signature != "tc3" {
		parts = append(parts, "--signature", r.Signature)
	}
	if r.Sequences != 0 && r.Sequences != DefaultSequences {
		// The state machine's shards and their sequences follow from it.
		parts = append(parts, "--checks", strconv.Itoa(r.Sequences))
	}
	parts = append(parts, "--seed", strconv.FormatUint(seed, 10))
	if only != "" {
		parts = append(parts, "--only", only)
	}
	return strings.Join(parts, " ")
}
