package emulator

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
)

func TestWithLanes(t *testing.T) {
	t.Parallel()
	base := DefaultFleet()
	f := WithLanes(base, 3)
	require.Len(t, f.Accounts, len(base.Accounts)+3)
	require.Len(t, base.Accounts, 2, "the fleet given is not changed")
	seen := map[string]bool{}
	for _, a := range f.Accounts {
		for _, fi := range a.Instances {
			require.True(t, model.ValidInstanceID(fi.ID), fi.ID)
			require.False(t, seen[fi.ID], "IDs are unique across accounts: %s", fi.ID)
			seen[fi.ID] = true
		}
	}
	lane := f.Accounts[len(base.Accounts)]
	require.Equal(t, "lane-1", lane.Name)
	require.Len(t, lane.Instances, len(base.Accounts[0].Instances))
	require.Equal(t, base.Accounts[0].Instances[0].State, lane.Instances[0].State)
	require.Equal(t, WithLanes(base, 3), f, "the same lanes every time")
	e, err := New(Config{Fleet: f})
	require.NoError(t, err)
	require.Len(t, e.Accounts(), 5)
}
