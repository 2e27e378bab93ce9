package emulator

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Transitions and the rate limiter under the fake clock, and the store
// under concurrency.

func TestTransitionsWithTheFakeClock(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Latency: time.Second, RateLimit: -1})
	coop := fixture(func(fi FixtureInstance) bool {
		return fi.State == "RUNNING" && !fi.IgnoresSoftStop && model.RegionOfZone(fi.Zone) == "ap-guangzhou"
	}).ID
	hung := fixture(func(fi FixtureInstance) bool { return fi.State == "RUNNING" && fi.IgnoresSoftStop }).ID
	steps := []struct {
		name   string
		action string
		params []tcapi.Param
		id     string
		during string
		after  string
		op     string
	}{
		{"soft stop", model.ActionStop, []tcapi.Param{ids(coop)}, coop, "STOPPING", "STOPPED", "SUCCESS"},
		{"start", model.ActionStart, []tcapi.Param{ids(coop)}, coop, "STARTING", "RUNNING", "SUCCESS"},
		{"hard stop", model.ActionStop, []tcapi.Param{ids(coop), param("StopType", model.Str("HARD"))}, coop, "STOPPING", "STOPPED", "SUCCESS"},
		{"start again", model.ActionStart, []tcapi.Param{ids(coop)}, coop, "STARTING", "RUNNING", "SUCCESS"},
		{"ForceStop", model.ActionStop, []tcapi.Param{ids(hung), param("ForceStop", model.Bool(true))}, hung, "STOPPING", "STOPPED", "SUCCESS"},
		{"start hung", model.ActionStart, []tcapi.Param{ids(hung)}, hung, "STARTING", "RUNNING", "SUCCESS"},
		{"soft stop hung", model.ActionStop, []tcapi.Param{ids(hung)}, hung, "STOPPING", "RUNNING", "FAILED"},
	}
	for _, s := range steps {
		r := h.call(s.action, s.params...)
		wantOK(t, r)
		w := h.instance(s.id)
		require.Equal(t, s.during, w.InstanceState, s.name)
		require.Equal(t, "OPERATING", str(w.LatestOperationState), s.name)
		h.clock.Advance(999 * time.Millisecond)
		require.Equal(t, s.during, h.instance(s.id).InstanceState, s.name+": not before the latency")
		h.clock.Advance(time.Millisecond)
		w = h.instance(s.id)
		require.Equal(t, s.after, w.InstanceState, s.name)
		require.Equal(t, s.op, str(w.LatestOperationState), s.name)
		require.Equal(t, s.action, str(w.LatestOperation), s.name)
		require.Equal(t, r.RequestID, str(w.LatestOperationRequestID), s.name)
	}
}

func TestPinnedTransientStatesStay(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	h.clock.Advance(24 * time.Hour)
	for _, s := range model.InstanceStates {
		if !s.Transient() {
			continue
		}
		for _, id := range byState(s) {
			require.Equal(t, string(s), h.instance(id).InstanceState, "a fixture's %s stays until a request moves it", s)
		}
	}
}

func TestRateLimiterWindowWithTheFakeClock(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{RateLimit: 3})
	stop := func() string {
		r := h.call(model.ActionStop, ids("ins-zzzzzzzz"))
		return r.Error.Code
	}
	for range 3 {
		require.Equal(t, model.CodeNotFound, stop())
		h.clock.Advance(100 * time.Millisecond)
	}
	require.Equal(t, model.CodeRequestLimitExceeded, stop(), "4th within the second")
	h.clock.Advance(700 * time.Millisecond) // the first is now 1 s old
	require.Equal(t, model.CodeNotFound, stop(), "a sliding window frees one slot")
	require.Equal(t, model.CodeRequestLimitExceeded, stop())
	// Describe has its own documented limit of 40.
	for range 40 {
		wantOK(t, h.call(model.ActionDescribe))
	}
	wantCode(t, h.call(model.ActionDescribe), model.CodeRequestLimitExceeded)
}

func TestConcurrentRequestsOnOneFleet(t *testing.T) {
	t.Parallel()
	e, err := New(Config{Fleet: DefaultFleet(), Latency: time.Millisecond, RateLimit: -1})
	require.NoError(t, err)
	srv := httptest.NewServer(e)
	defer srv.Close()
	cred := e.Credentials(e.Accounts()[0])
	running := byState(model.Running)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				id := running[(w+i)%len(running)]
				action := []string{model.ActionStop, model.ActionStart, model.ActionDescribe}[(w+i)%3]
				req, err := tcapi.NewRequest(context.Background(), srv.URL, tcapi.Call{Action: action, Version: model.APIVersion,
					Region: "ap-guangzhou", Timestamp: time.Now(), Params: []tcapi.Param{ids(id, running[(w+i+1)%len(running)])}}, cred)
				if err != nil {
					errs <- err
					return
				}
				res, err := srv.Client().Do(req)
				if err != nil {
					errs <- err
					return
				}
				res.Body.Close()
				if res.StatusCode != 200 {
					errs <- fmt.Errorf("status %d", res.StatusCode)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	// The store is consistent: every instance is in a valid state and the
	// due heap indexes match.
	e.store.mu.Lock()
	defer e.store.mu.Unlock()
	for i, r := range e.store.due {
		require.Equal(t, i, r.heapIdx)
	}
	for _, r := range e.store.byID {
		require.True(t, r.inst.State.Valid(), r.inst.ID)
	}
}
