package conformance

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
)

// After requests the observer did not see (the concurrent clients'), resync
// must record each instance exactly as last seen: a prepaid instance
// stopped out of sight shows StopChargingMode NOT_APPLICABLE, and the
// observer must not guess another mode (a spurious failure the soak test
// found once in eighteen runs).
func TestResyncRecordsWhatWasSeen(t *testing.T) {
	emu, err := emulator.StartEmbedded(emulator.EmbeddedOptions{Latency: 200 * time.Millisecond})
	require.NoError(t, err)
	defer emu.Close()
	cfg := runner.TargetConfig{Endpoint: emu.URL, Region: "ap-guangzhou", Cred: emu.Cred, Allowed: func(string) bool { return true }}
	s := openLanes(t, Config{Target: cfg, Seed: 1, SettleTimeout: 5 * time.Second})[0]
	c := s.newCtx(context.Background(), &Check{ID: "SI-TEST"})
	ids, err := c.RunningWhere(1, "prepaid", func(p model.Instance) bool { return p.ChargeType == model.Prepaid })
	require.NoError(t, err)
	_, err = s.target.Do(c, stopCall(ids, "StopType", model.Str("HARD"))) // unseen by the observer
	require.NoError(t, err)
	require.NoError(t, c.resync(ids))
	require.NoError(t, c.Observe(ids...))
}
