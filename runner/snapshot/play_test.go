package snapshot_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/snapshot"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// player starts a private embedded emulator with faults and a player of
// it that may act on every instance.
func player(t *testing.T, faults ...string) *snapshot.Player {
	t.Helper()
	emu, err := emulator.StartEmbedded(emulator.EmbeddedOptions{Latency: 20 * time.Millisecond, Faults: faults})
	require.NoError(t, err)
	t.Cleanup(func() { emu.Close() })
	p, err := snapshot.NewPlayer(context.Background(), snapshot.Config{TargetName: "test",
		Target: runner.TargetConfig{Endpoint: emu.URL, Region: "ap-guangzhou", Cred: emu.Cred, Allowed: func(string) bool { return true }}})
	require.NoError(t, err)
	return p
}

func scenario(t *testing.T, name string) *snapshot.Scenario {
	t.Helper()
	all, err := snapshot.Scenarios()
	require.NoError(t, err)
	scs, err := snapshot.Select(all, []string{name})
	require.NoError(t, err)
	return scs[0]
}

// TestBurstShape: a burst records how many answers ended in each outcome,
// never their order, so two bursts read the same; a target without a
// limiter reads differently, at the counts.
func TestBurstShape(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sc := scenario(t, "rate-burst")
	p := player(t)
	first, err := p.Play(ctx, sc)
	require.NoError(t, err)
	outcomes := first.Steps[0].Response.(map[string]any)["Burst"].(map[string]any)["Outcomes"].(map[string]any)
	require.Len(t, outcomes, 2, "%v", outcomes)
	require.EqualValues(t, "10", outcomes["InvalidInstanceId.NotFound"].(map[string]any)["Count"], "the documented 10 a second")
	require.EqualValues(t, "5", outcomes["RequestLimitExceeded"].(map[string]any)["Count"])
	second, err := p.Play(ctx, sc)
	require.NoError(t, err)
	require.Empty(t, snapshot.Compare([]*snapshot.Record{first}, []*snapshot.Record{second}), "arrival order must not show")

	unlimited, err := player(t, emulator.FaultNoRateLimit).Play(ctx, sc)
	require.NoError(t, err)
	ds := snapshot.Compare([]*snapshot.Record{first}, []*snapshot.Record{unlimited})
	require.Len(t, ds, 1)
	var paths []string
	for _, c := range ds[0].Changes {
		paths = append(paths, c.Path+": "+c.Was+" → "+c.Now)
	}
	require.ElementsMatch(t, []string{
		"Burst.Outcomes.InvalidInstanceId.NotFound.Count: 10 → 15",
		`Burst.Outcomes.RequestLimitExceeded: {"Count":5,"Messages":["over the limit of 10 StopInstances requests a second"]} → (absent)`,
	}, paths)
}

// TestPlayResetsTheFleet: after each scenario every instance is back in
// the state it was discovered in, and a second play records the same.
func TestPlayResetsTheFleet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := player(t)
	before, err := p.Target().Discover(ctx, "test")
	require.NoError(t, err)
	for _, name := range []string{"seed-example", "start-after-stop", "stop-modes", "seed-error-not-supported"} {
		sc := scenario(t, name)
		a, err := p.Play(ctx, sc)
		require.NoError(t, err, name)
		b, err := p.Play(ctx, sc)
		require.NoError(t, err, name)
		require.Empty(t, snapshot.Compare([]*snapshot.Record{a}, []*snapshot.Record{b}), "%s played twice", name)
	}
	after, err := p.Target().Discover(ctx, "test")
	require.NoError(t, err)
	state := func(vs []model.View) map[string]model.InstanceState {
		m := map[string]model.InstanceState{}
		for _, v := range vs {
			m[v.ID] = v.State
		}
		return m
	}
	require.Empty(t, cmp.Diff(state(before), state(after)), "the fleet after the scenarios (-before +after)")
}

// TestPlayRefusesWhatItMayNotTouch: with an empty allow-list no RUNNING
// role can be bound, and nothing is sent but the discovery.
func TestPlayRefusesWhatItMayNotTouch(t *testing.T) {
	t.Parallel()
	emu, err := emulator.StartEmbedded(emulator.EmbeddedOptions{Latency: 20 * time.Millisecond})
	require.NoError(t, err)
	defer emu.Close()
	p, err := snapshot.NewPlayer(context.Background(), snapshot.Config{
		Target: runner.TargetConfig{Endpoint: emu.URL, Region: "ap-guangzhou", Cred: emu.Cred}})
	require.NoError(t, err)
	sent := p.Target().Transcript().Len()
	err = p.CanPlay(scenario(t, "seed-example"))
	require.True(t, errors.Is(err, snapshot.ErrUnbound) && errors.Is(err, snapshot.ErrCannotPlay), "%v", err)
	require.NoError(t, p.CanPlay(scenario(t, "seed-errors")), "NONEXISTENT roles need no allow-list")
	_, err = p.Play(context.Background(), scenario(t, "seed-example"))
	require.True(t, errors.Is(err, snapshot.ErrUnbound) && errors.Is(err, snapshot.ErrCannotPlay), "%v", err)
	require.Equal(t, sent, p.Target().Transcript().Len())
	// A scenario of NONEXISTENT roles only needs no allow-list.
	_, err = p.Play(context.Background(), scenario(t, "seed-errors"))
	require.NoError(t, err)
}

// TestPlayRecordsWhatIsNotAnEnvelope: an answer that is not a
// TencentCloud envelope (a proxy's error page) is recorded as its status
// and the start of its body, not refused: it is the target's answer.
func TestPlayRecordsWhatIsNotAnEnvelope(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-TC-Action") == model.ActionDescribe {
			io.WriteString(w, `{"Response":{"TotalCount":0,"InstanceSet":[],"RequestId":"6ef60bec-0242-43af-bb20-270359fb54a7"}}`)
			return
		}
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html>502 Bad Gateway</html>")
	}))
	defer srv.Close()
	p, err := snapshot.NewPlayer(context.Background(), snapshot.Config{
		Target: runner.TargetConfig{Endpoint: srv.URL, Region: "ap-guangzhou", Cred: tcapi.Credential{SecretID: "AKIDx", SecretKey: "k"}}})
	require.NoError(t, err)
	rec, err := p.Play(context.Background(), scenario(t, "seed-errors"))
	require.NoError(t, err)
	require.Equal(t, map[string]any{"HTTPStatus": json.Number("502"), "NotAnEnvelope": "<html>502 Bad Gateway</html>"}, rec.Steps[0].Response)
}
