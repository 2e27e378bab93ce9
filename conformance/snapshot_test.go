package conformance

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/gkampitakis/go-snaps/snaps"
	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/runner/snapshot"
)

// TestSnapshot plays every snapshot scenario (fixtures/scenarios) against
// the shared embedded emulator and matches each scenario's normalised
// exchanges with its go-snaps snapshot in fixtures/snapshots: a change of
// the emulator's answers, or of the normalisation, fails here. After a
// deliberate change, review and commit what
//
//	UPDATE_SNAPS=true go test ./conformance -run Snapshot
//
// rewrote. Under CI a missing snapshot fails too (go-snaps), and TestMain
// fails the run on an obsolete one. Against another target (-endpoint),
// use `cvmconform snapshot verify` instead.
func TestSnapshot(t *testing.T) {
	if embedded == nil {
		snaps.Skip(t, "the snapshots are the embedded emulator's; verify another target with cvmconform snapshot verify")
	}
	dir, err := filepath.Abs(filepath.Join("..", "fixtures", "snapshots"))
	require.NoError(t, err)
	scenarios, err := snapshot.Scenarios()
	require.NoError(t, err)
	ctx := context.Background()
	player, err := snapshot.NewPlayer(ctx, snapshot.Config{Target: targetConfig(t), TargetName: "the embedded emulator"})
	require.NoError(t, err)
	store := snaps.WithConfig(snaps.Dir(dir))
	for _, sc := range snapshot.PlayOrder(scenarios) {
		t.Run(sc.Name, func(t *testing.T) {
			rec, err := player.Play(ctx, sc)
			require.NoError(t, err)
			js, err := rec.JSON()
			require.NoError(t, err)
			store.MatchJSON(t, js)
		})
	}
}
