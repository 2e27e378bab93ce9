package emulator

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

func TestDefaultFleet(t *testing.T) {
	t.Parallel()
	f := DefaultFleet()
	require.Len(t, f.Accounts, 2, "a second account for isolation")
	main := f.Accounts[0].Instances
	require.GreaterOrEqual(t, len(main), 40)
	states, charges, disks := map[string]bool{}, map[string]bool{}, map[bool]bool{}
	hung := 0
	for _, fi := range main {
		states[fi.State] = true
		charges[fi.ChargeType] = true
		disks[model.DiskType(fi.SystemDisk.Type).Local()] = true
		if fi.IgnoresSoftStop {
			hung++
		}
	}
	for _, s := range model.InstanceStates {
		require.True(t, states[string(s)], "state %s covered", s)
	}
	require.True(t, charges["PREPAID"] && charges["POSTPAID_BY_HOUR"])
	require.True(t, disks[true] && disks[false], "local and cloud system disks")
	require.GreaterOrEqual(t, hung, 2, "guests that ignore a soft shutdown")
	require.NotEmpty(t, f.Accounts[1].Instances)
}

func TestParseFleetErrors(t *testing.T) {
	t.Parallel()
	for name, src := range map[string]string{
		"not json":          `{`,
		"no accounts":       `{"accounts": []}`,
		"unknown field":     `{"accounts": [{"name": "a", "instances": [], "colour": 1}]}`,
		"bad id":            `{"accounts": [{"name": "a", "instances": [{"id": "ins-1122", "zone": "ap-guangzhou-3", "state": "RUNNING", "chargeType": "PREPAID", "systemDisk": {"type": "CLOUD_SSD"}}]}]}`,
		"bad state":         `{"accounts": [{"name": "a", "instances": [{"id": "ins-aaaaaaaa", "zone": "ap-guangzhou-3", "state": "NAPPING", "chargeType": "PREPAID", "systemDisk": {"type": "CLOUD_SSD"}}]}]}`,
		"bad region":        `{"accounts": [{"name": "a", "instances": [{"id": "ins-aaaaaaaa", "zone": "mars-1", "state": "RUNNING", "chargeType": "PREPAID", "systemDisk": {"type": "CLOUD_SSD"}}]}]}`,
		"bad disk":          `{"accounts": [{"name": "a", "instances": [{"id": "ins-aaaaaaaa", "zone": "ap-guangzhou-3", "state": "RUNNING", "chargeType": "PREPAID", "systemDisk": {"type": "FLOPPY"}}]}]}`,
		"bad charge":        `{"accounts": [{"name": "a", "instances": [{"id": "ins-aaaaaaaa", "zone": "ap-guangzhou-3", "state": "RUNNING", "chargeType": "FREE", "systemDisk": {"type": "CLOUD_SSD"}}]}]}`,
		"duplicate id":      `{"accounts": [{"name": "a", "instances": [{"id": "ins-aaaaaaaa", "zone": "ap-guangzhou-3", "state": "RUNNING", "chargeType": "PREPAID", "systemDisk": {"type": "CLOUD_SSD"}}]}, {"name": "b", "instances": [{"id": "ins-aaaaaaaa", "zone": "ap-guangzhou-3", "state": "RUNNING", "chargeType": "PREPAID", "systemDisk": {"type": "CLOUD_SSD"}}]}]}`,
		"duplicate account": `{"accounts": [{"name": "a", "instances": []}, {"name": "a", "instances": []}]}`,
		"bad time":          `{"accounts": [{"name": "a", "instances": [{"id": "ins-aaaaaaaa", "zone": "ap-guangzhou-3", "state": "RUNNING", "chargeType": "PREPAID", "systemDisk": {"type": "CLOUD_SSD"}, "createdTime": "yesterday"}]}]}`,
	} {
		_, err := ParseFleet([]byte(src))
		require.Error(t, err, name)
	}
	_, err := LoadFleet("/nonexistent/fleet.json")
	require.ErrorContains(t, err, `"/nonexistent/fleet.json"`)
}

func TestSeedExampleStopsTwoInstances(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	running := byState(model.Running)
	a, b := running[0], running[1]
	r := h.call(model.ActionStop, ids(a, b))
	wantOK(t, r)
	for _, id := range []string{a, b} {
		w := h.instance(id)
		require.Equal(t, "STOPPING", w.InstanceState, "seed §1")
		require.Equal(t, "StopInstances", str(w.LatestOperation))
		require.Equal(t, "OPERATING", str(w.LatestOperationState))
		require.Equal(t, r.RequestID, str(w.LatestOperationRequestID))
	}
	h.clock.Advance(299 * time.Millisecond)
	require.Equal(t, "STOPPING", h.instance(a).InstanceState, "not before the latency")
	h.clock.Advance(time.Millisecond)
	for _, id := range []string{a, b} {
		w := h.instance(id)
		require.Equal(t, "STOPPED", w.InstanceState, "seed §1")
		require.Equal(t, "SUCCESS", str(w.LatestOperationState))
		require.Equal(t, "KEEP_CHARGING", w.StopChargingMode)
	}
	// And back with StartInstances (facts §8).
	h.clock.Advance(time.Second)
	s := h.call(model.ActionStart, ids(a, b))
	wantOK(t, s)
	require.Equal(t, "STARTING", h.instance(a).InstanceState)
	h.clock.Advance(300 * time.Millisecond)
	w := h.instance(a)
	require.Equal(t, "RUNNING", w.InstanceState)
	require.Equal(t, s.RequestID, str(w.LatestOperationRequestID))
	require.Equal(t, "NOT_APPLICABLE", w.StopChargingMode)
}

func TestSoftStopOfAHungGuest(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	hung := fixture(func(fi FixtureInstance) bool { return fi.IgnoresSoftStop && fi.State == "RUNNING" }).ID
	wantOK(t, h.call(model.ActionStop, ids(hung)))
	h.clock.Advance(time.Second)
	w := h.instance(hung)
	require.Equal(t, "RUNNING", w.InstanceState, "SOFT does not force (ledger L-25)")
	require.Equal(t, "FAILED", str(w.LatestOperationState))
	require.NotEmpty(t, str(w.LatestOperationErrorMsg))
	wantOK(t, h.call(model.ActionStop, ids(hung), param("StopType", model.Str("SOFT_FIRST"))))
	h.clock.Advance(time.Second)
	require.Equal(t, "STOPPED", h.instance(hung).InstanceState, "SOFT_FIRST forces after the soft shutdown fails")
}

func TestStopChargingModes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	eligible := fixture(func(fi FixtureInstance) bool {
		return fi.State == "RUNNING" && fi.ChargeType == "POSTPAID_BY_HOUR" && !model.DiskType(fi.SystemDisk.Type).Local() && len(fi.DataDisks) == 0 && !fi.IgnoresSoftStop
	}).ID
	prepaid := fixture(func(fi FixtureInstance) bool { return fi.State == "RUNNING" && fi.ChargeType == "PREPAID" }).ID
	wantOK(t, h.call(model.ActionStop, ids(eligible), param("StoppedMode", model.Str("STOP_CHARGING"))))
	wantCode(t, h.call(model.ActionStop, ids(prepaid), param("StoppedMode", model.Str("STOP_CHARGING"))), model.CodeStoppedModeUnsupported)
	h.clock.Advance(time.Second)
	require.Equal(t, "STOP_CHARGING", h.instance(eligible).StopChargingMode)
	require.Equal(t, "RUNNING", h.instance(prepaid).InstanceState, "a refused request changes nothing")
}

func TestErrorCodes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{RateLimit: -1})
	running := byState(model.Running)
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("ins-%08d", i)
	}
	other := fixture(func(fi FixtureInstance) bool { return fi.Name == "acct2-01" }).ID
	cases := []struct {
		name   string
		action string
		params []tcapi.Param
		code   string
	}{
		{"101 IDs", model.ActionStop, []tcapi.Param{ids(many...)}, model.CodeLimitExceeded},
		{"ins-1122", model.ActionStop, []tcapi.Param{ids("ins-1122")}, model.CodeMalformed},
		{"unknown", model.ActionStop, []tcapi.Param{ids("ins-zzzzzzzz")}, model.CodeNotFound},
		{"another account's", model.ActionStop, []tcapi.Param{ids(other)}, model.CodeNotFound},
		{"missing InstanceIds", model.ActionStop, nil, model.CodeMissingParameter},
		{"empty InstanceIds", model.ActionStop, []tcapi.Param{ids()}, model.CodeMissingParameter},
		{"wrong type", model.ActionStop, []tcapi.Param{param("InstanceIds", model.Str(running[0]))}, model.CodeInvalidParameter},
		{"bad StopType", model.ActionStop, []tcapi.Param{ids(running[0]), param("StopType", model.Str("GENTLE"))}, model.CodeInvalidParameterValue},
		{"ForceStop with StopType", model.ActionStop, []tcapi.Param{ids(running[0]), param("StopType", model.Str("HARD")), param("ForceStop", model.Bool(true))}, model.CodeInvalidCombination},
		{"unknown parameter", model.ActionStop, []tcapi.Param{ids(running[0]), param("DryRun", model.Bool(true))}, model.CodeUnknownParameter},
		{"stop STOPPED", model.ActionStop, []tcapi.Param{ids(byState(model.Stopped)[0])}, model.StateCode(model.Stopped)},
		{"stop PENDING", model.ActionStop, []tcapi.Param{ids(byState(model.Pending)[0])}, model.StateCode(model.Pending)},
		{"start RUNNING", model.ActionStart, []tcapi.Param{ids(running[0])}, model.StateCode(model.Running)},
		{"unknown action", "RebootInstancez", nil, model.CodeInvalidAction},
		{"other real action", "RebootInstances", []tcapi.Param{ids(running[0])}, model.CodeInvalidAction},
		{"describe ids and filters", model.ActionDescribe, []tcapi.Param{ids(running[0]), param("Filters", model.Arr(model.Obj(map[string]model.Value{"Name": model.Str("zone"), "Values": model.Strs("ap-guangzhou-3")})))}, model.CodeInvalidCombination},
		{"describe Limit 101", model.ActionDescribe, []tcapi.Param{param("Limit", model.Num(101))}, model.CodeInvalidParameterValue},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantCode(t, h.call(c.action, c.params...), c.code)
		})
	}
	for _, id := range running[:3] {
		require.Equal(t, "RUNNING", h.instance(id).InstanceState, "no error changed anything")
	}
}

func TestBatchIsAtomic(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	running, stopped := byState(model.Running), byState(model.Stopped)
	wantCode(t, h.call(model.ActionStop, ids(running[0], running[1], stopped[0])), model.StateCode(model.Stopped))
	require.Equal(t, "RUNNING", h.instance(running[0]).InstanceState, "ledger L-13: all or nothing")
	require.Equal(t, "RUNNING", h.instance(running[1]).InstanceState)
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	target := byState(model.Running)[0]
	for i := range 10 {
		wantCode(t, h.call(model.ActionStop, ids("ins-zzzzzzzz")), model.CodeNotFound)
		_ = i
	}
	wantCode(t, h.call(model.ActionStop, ids(target)), model.CodeRequestLimitExceeded)
	require.Equal(t, "RUNNING", h.instance(target).InstanceState, "a rate-limited request has no effect")
	wantOK(t, h.call(model.ActionDescribe), "the limit is per action")
	// Another account has its own limit.
	wantCode(t, h.send(tcapi.Call{Action: model.ActionStop, Params: []tcapi.Param{ids("ins-zzzzzzzz")}}, h.cred2), model.CodeNotFound)
	h.clock.Advance(time.Second)
	wantOK(t, h.call(model.ActionStop, ids(target)), "capacity returns after a second")
	// Requests refused before the rate stage do not count.
	h2 := newHarness(t, Config{RateLimit: 2})
	for range 5 {
		r := h2.send(tcapi.Call{Action: model.ActionStop, Params: []tcapi.Param{ids(target)}}, tcapi.Credential{SecretID: "AKIDunknown", SecretKey: "x"})
		wantCode(t, r, "AuthFailure.SecretIdNotFound")
	}
	wantOK(t, h2.call(model.ActionStop, ids(target)))
}

func TestDescribePagingAndFilters(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	total, set := h.describe()
	require.Len(t, set, 20, "facts §9: Limit defaults to 20")
	main := 0
	for _, fi := range DefaultFleet().Accounts[0].Instances {
		if model.RegionOfZone(fi.Zone) == "ap-guangzhou" {
			main++
		}
	}
	require.Equal(t, main, total, "TotalCount counts every match in the region")
	_, all := h.describe(param("Limit", model.Num(100)))
	require.Len(t, all, min(total, 100))
	_, rest := h.describe(param("Offset", model.Num(100)), param("Limit", model.Num(100)))
	require.Len(t, rest, total-100, "the fleet has more than a page")
	_, page := h.describe(param("Offset", model.Num(20)), param("Limit", model.Num(5)))
	require.Equal(t, all[20].InstanceID, page[0].InstanceID)
	n, running := h.describe(param("Filters", model.Arr(model.Obj(map[string]model.Value{"Name": model.Str("instance-state"), "Values": model.Strs("RUNNING")}))), param("Limit", model.Num(100)))
	require.Equal(t, len(byState(model.Running)), n)
	for _, w := range running {
		require.Equal(t, "RUNNING", w.InstanceState)
	}
	_, zone := h.describe(param("Filters", model.Arr(model.Obj(map[string]model.Value{"Name": model.Str("zone"), "Values": model.Strs("ap-guangzhou-4")}))), param("Limit", model.Num(100)))
	require.NotEmpty(t, zone)
	for _, w := range zone {
		require.Equal(t, "ap-guangzhou-4", w.Placement.Zone)
	}
	n, _ = h.describe(ids("ins-zzzzzzzz"))
	require.Zero(t, n, "an unknown ID is left out (ledger L-15)")
	theirs := fixture(func(fi FixtureInstance) bool { return fi.Name == "acct2-01" }).ID
	n, _ = h.describe(ids(theirs))
	require.Zero(t, n, "another account's instance does not exist for the caller")
}

func TestFinanceHost(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	fin := fixture(func(fi FixtureInstance) bool { return fi.Zone == "ap-shanghai-fsi-1" }).ID
	at := func(host string) tcapi.Response {
		return h.send(tcapi.Call{Action: model.ActionDescribe, Region: "ap-shanghai-fsi", Host: host, Params: []tcapi.Param{ids(fin)}}, h.cred)
	}
	wantCode(t, at(model.NearestHost), model.CodeUnsupportedRegion)
	wantCode(t, at(model.RegionHost("ap-guangzhou")), model.CodeUnsupportedRegion)
	wantOK(t, at(model.RegionHost("ap-shanghai-fsi")))
	wantOK(t, at(""), "a loopback host is not placed")
}

func TestFaults(t *testing.T) {
	t.Parallel()
	running, stopped := byState(model.Running), byState(model.Stopped)
	many := make([]string, 101)
	copy(many, running)
	for i := len(running); i < 101; i++ {
		many[i] = fmt.Sprintf("ins-%08d", i)
	}
	tested := map[string]bool{}
	for _, c := range []struct {
		fault string
		check func(h *harness)
	}{
		{FaultBatchLimitOff, func(h *harness) {
			r := h.call(model.ActionStop, ids(many...))
			require.True(t, r.Error == nil || r.Error.Code != model.CodeLimitExceeded, "the limit is gone")
		}},
		{FaultMalformedIsNotFound, func(h *harness) {
			wantCode(t, h.call(model.ActionStop, ids("ins-1122")), model.CodeNotFound)
		}},
		{FaultStopAnyState, func(h *harness) {
			wantOK(t, h.call(model.ActionStop, ids(stopped[0])))
			require.Equal(t, "STOPPING", h.instance(stopped[0]).InstanceState)
		}},
		{FaultPartialBatch, func(h *harness) {
			wantCode(t, h.call(model.ActionStop, ids(running[0], stopped[0])), model.StateCode(model.Stopped))
			require.Equal(t, "STOPPING", h.instance(running[0]).InstanceState, "the valid member was stopped anyway")
		}},
		{FaultNoRateLimit, func(h *harness) {
			for range 30 {
				wantCode(t, h.call(model.ActionStop, ids("ins-zzzzzzzz")), model.CodeNotFound)
			}
		}},
		{FaultFinanceAnywhere, func(h *harness) {
			wantOK(t, h.send(tcapi.Call{Action: model.ActionDescribe, Region: "ap-shanghai-fsi", Host: model.NearestHost}, h.cred))
		}},
		{FaultVersionIgnored, func(h *harness) {
			wantOK(t, h.send(tcapi.Call{Action: model.ActionDescribe, Version: "2020-02-02"}, h.cred))
		}},
		{FaultSignatureUnchecked, func(h *harness) {
			wrong := h.cred
			wrong.SecretKey = "not-the-key"
			wantOK(t, h.send(tcapi.Call{Action: model.ActionStop, Params: []tcapi.Param{ids(running[0])}}, wrong))
			require.Equal(t, "STOPPING", h.instance(running[0]).InstanceState, "the unsigned stop took effect")
		}},
		{FaultExpiryUnchecked, func(h *harness) {
			wantOK(t, h.send(tcapi.Call{Action: model.ActionDescribe, Timestamp: h.clock.Now().Add(-time.Hour)}, h.cred))
		}},
		{FaultEnumsUnchecked, func(h *harness) {
			wantOK(t, h.call(model.ActionStop, ids(running[0]), param("StopType", model.Str("GENTLE"))))
		}},
		{FaultTypesUnchecked, func(h *harness) {
			wantOK(t, h.call(model.ActionStop, ids(running[0]), param("ForceStop", model.Str("maybe"))))
		}},
		{FaultWrongRequestID, func(h *harness) {
			r := h.call(model.ActionStop, ids(running[0]))
			wantOK(t, r)
			require.NotEqual(t, r.RequestID, str(h.instance(running[0]).LatestOperationRequestID))
		}},
		{FaultStuckStopping, func(h *harness) {
			wantOK(t, h.call(model.ActionStop, ids(running[0])))
			h.clock.Advance(time.Hour)
			require.Equal(t, "STOPPING", h.instance(running[0]).InstanceState)
		}},
		{FaultSharedAccounts, func(h *harness) {
			wantOK(t, h.send(tcapi.Call{Action: model.ActionStop, Params: []tcapi.Param{ids(running[0])}}, h.cred2))
		}},
		{FaultRepeatedRequestID, func(h *harness) {
			seen := map[string]bool{}
			repeated := false
			for range 10 {
				r := h.call(model.ActionDescribe)
				repeated = repeated || seen[r.RequestID]
				seen[r.RequestID] = true
			}
			require.True(t, repeated)
		}},
		{FaultStrictRateLimit, func(h *harness) {
			for range 5 {
				wantCode(t, h.call(model.ActionStop, ids("ins-zzzzzzzz")), model.CodeNotFound)
			}
			wantCode(t, h.call(model.ActionStop, ids("ins-zzzzzzzz")), model.CodeRequestLimitExceeded)
		}},
		{FaultLimitedTakesEffect, func(h *harness) {
			for range 10 {
				wantCode(t, h.call(model.ActionStop, ids("ins-zzzzzzzz")), model.CodeNotFound)
			}
			wantCode(t, h.call(model.ActionStop, ids(running[0])), model.CodeRequestLimitExceeded)
			require.Equal(t, "STOPPING", h.instance(running[0]).InstanceState, "the refused stop took effect")
		}},
		{FaultDescribesAsStops, func(h *harness) {
			for range 10 {
				wantOK(t, h.call(model.ActionDescribe))
			}
			wantCode(t, h.call(model.ActionStop, ids(running[0])), model.CodeRequestLimitExceeded)
		}},
		{FaultLostTransition, func(h *harness) {
			var wg sync.WaitGroup
			codes := make([]*tcapi.APIError, 2)
			for i := range codes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					codes[i] = h.call(model.ActionStop, ids(running[0])).Error
				}()
			}
			wg.Wait()
			require.Nil(t, codes[0], "both concurrent stops of one instance succeed")
			require.Nil(t, codes[1], "both concurrent stops of one instance succeed")
		}},
		{FaultRegionUnchecked, func(h *harness) {
			wantOK(t, h.send(tcapi.Call{Action: model.ActionDescribe, Region: "xx-nowhere"}, h.cred))
		}},
		{FaultIDsOptional, func(h *harness) {
			wantOK(t, h.call(model.ActionStop))
		}},
		{FaultUnknownIDsIgnored, func(h *harness) {
			wantOK(t, h.call(model.ActionStop, ids(running[0], "ins-zzzzzzzz")))
			require.Equal(t, "STOPPING", h.instance(running[0]).InstanceState)
		}},
		{FaultStopChargingIgnored, func(h *harness) {
			eligible := fixture(func(fi FixtureInstance) bool {
				return fi.State == "RUNNING" && fi.ChargeType == "POSTPAID_BY_HOUR" && !model.DiskType(fi.SystemDisk.Type).Local() && len(fi.DataDisks) == 0
			}).ID
			wantOK(t, h.call(model.ActionStop, ids(eligible), param("StopType", model.Str("HARD")), param("StoppedMode", model.Str("STOP_CHARGING"))))
			h.clock.Advance(time.Second)
			require.Equal(t, "KEEP_CHARGING", h.instance(eligible).StopChargingMode)
		}},
		{FaultUnsignedAccepted, func(h *harness) {
			req, err := tcapi.NewRequest(context.Background(), h.srv.URL, tcapi.Call{Action: model.ActionDescribe, Version: model.APIVersion,
				Region: "ap-guangzhou", Timestamp: h.clock.Now()}, h.cred)
			require.NoError(t, err)
			req.Header.Del("Authorization")
			wantOK(t, h.do(req))
		}},
		{FaultHmacSHA256Refused, func(h *harness) {
			wantCode(t, h.send(tcapi.Call{Action: model.ActionDescribe, Style: tcapi.StyleV1Get, V1Method: tcapi.HmacSHA256}, h.cred), "AuthFailure.SignatureFailure")
			wantOK(t, h.send(tcapi.Call{Action: model.ActionDescribe, Style: tcapi.StyleV1Get, V1Method: tcapi.HmacSHA1}, h.cred))
		}},
		{FaultMethodUnchecked, func(h *harness) {
			req, err := tcapi.NewRequest(context.Background(), h.srv.URL, tcapi.Call{Action: model.ActionDescribe, Version: model.APIVersion,
				Region: "ap-guangzhou", Timestamp: h.clock.Now(), HTTPMethod: http.MethodPut}, h.cred)
			require.NoError(t, err)
			wantOK(t, h.do(req), "a PUT, signed as such, is served")
		}},
		{FaultMalformedCrashes, func(h *harness) {
			wantCode(t, h.send(tcapi.Call{Action: model.ActionStop, Body: []byte(`{"InstanceIds":["` + running[0] + `"]`)}, h.cred), model.CodeInternalError)
			require.Equal(t, "RUNNING", h.instance(running[0]).InstanceState, "and nothing changed")
		}},
		{FaultMalformedRepaired, func(h *harness) {
			truncated := `{"InstanceIds":["` + running[0] + `"],"StopType":"HARD`
			wantOK(t, h.send(tcapi.Call{Action: model.ActionStop, Body: []byte(truncated)}, h.cred))
			require.Equal(t, "STOPPING", h.instance(running[0]).InstanceState, "the truncated body was mended and acted on")
			wantOK(t, h.send(tcapi.Call{Action: model.ActionStop, Body: []byte(`{"InstanceIds":["` + running[1] + `"]} trailing`)}, h.cred))
			wantCode(t, h.send(tcapi.Call{Action: model.ActionDescribe, Body: []byte(`{"Limit": `)}, h.cred), model.CodeInvalidParameter)
		}},
		{FaultUTF8Dropped, func(h *harness) {
			wantOK(t, h.send(tcapi.Call{Action: model.ActionStop, Body: []byte(`{"InstanceIds":["` + running[0] + "\xff\xfe" + `"]}`)}, h.cred))
			require.Equal(t, "STOPPING", h.instance(running[0]).InstanceState, "the bytes that are not UTF-8 were dropped and the rest acted on")
		}},
		{FaultV1SignatureUnchecked, func(h *harness) {
			wrong := h.cred
			wrong.SecretKey = "not-the-key"
			wantCode(t, h.send(tcapi.Call{Action: model.ActionDescribe}, wrong), "AuthFailure.SignatureFailure")
			wantOK(t, h.send(tcapi.Call{Action: model.ActionDescribe, Style: tcapi.StyleV1Get, V1Method: tcapi.HmacSHA256}, wrong))
			wantOK(t, h.send(tcapi.Call{Action: model.ActionStop, Params: []tcapi.Param{ids(running[0])}, Style: tcapi.StyleV1PostForm}, wrong))
			require.Equal(t, "STOPPING", h.instance(running[0]).InstanceState, "the stop with a wrong HmacSHA1 signature took effect")
		}},
		{FaultDescribesSpendStops, func(h *harness) {
			// The stop limit is 10: describes are limited to 8, and each
			// served one spends a stop, which leaves 2.
			for range 8 {
				wantOK(t, h.call(model.ActionDescribe))
			}
			wantCode(t, h.call(model.ActionDescribe), model.CodeRequestLimitExceeded)
			for range 2 {
				wantCode(t, h.call(model.ActionStop, ids("ins-zzzzzzzz")), model.CodeNotFound)
			}
			wantCode(t, h.call(model.ActionStop, ids("ins-zzzzzzzz")), model.CodeRequestLimitExceeded)
		}},
		{FaultAccountsShareLimit, func(h *harness) {
			for range 10 {
				wantCode(t, h.send(tcapi.Call{Action: model.ActionStop, Params: []tcapi.Param{ids("ins-zzzzzzzz")}}, h.cred2), model.CodeNotFound)
			}
			wantCode(t, h.call(model.ActionStop, ids("ins-zzzzzzzz")), model.CodeRequestLimitExceeded)
		}},
		{FaultRegionsOneFleet, func(h *harness) {
			wantOK(t, h.send(tcapi.Call{Action: model.ActionStop, Region: "ap-shanghai", Params: []tcapi.Param{ids(running[0])}}, h.cred))
			require.Equal(t, "STOPPING", h.instance(running[0]).InstanceState, "a stop sent to ap-shanghai stopped an ap-guangzhou instance")
		}},
		{FaultStopWhileStarting, func(h *harness) {
			wantOK(t, h.call(model.ActionStop, ids(running[0]), param("StopType", model.Str("HARD"))))
			h.clock.Advance(time.Hour)
			wantCode(t, h.call(model.ActionStop, ids(running[0])), "UnsupportedOperation.InstanceStateStopped")
			wantOK(t, h.call(model.ActionStart, ids(running[0])))
			require.Equal(t, "STARTING", h.instance(running[0]).InstanceState)
			wantOK(t, h.call(model.ActionStop, ids(running[0]), param("StopType", model.Str("HARD"))))
			require.Equal(t, "STOPPING", h.instance(running[0]).InstanceState, "the STARTING instance was turned around")
		}},
	} {
		tested[c.fault] = true
		t.Run(c.fault, func(t *testing.T) {
			c.check(newHarness(t, Config{Faults: []string{c.fault}}))
		})
	}
	for _, f := range Faults {
		require.True(t, tested[f.Name], "fault %s has no test here", f.Name)
	}
	_, err := New(Config{Fleet: DefaultFleet(), Faults: []string{"gremlins"}})
	require.ErrorContains(t, err, `unknown fault "gremlins"`)
}
