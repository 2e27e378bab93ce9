package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// wireInstance is the part of DescribeInstances' Instance the model reads
// (facts §9).
type wireInstance struct {
	InstanceID               string `json:"InstanceId"`
	InstanceState            string
	InstanceChargeType       string
	Placement                struct{ Zone string }
	SystemDisk               struct{ DiskType string }
	DataDisks                []struct{ DiskType string }
	StopChargingMode         string
	LatestOperation          *string
	LatestOperationState     *string
	LatestOperationRequestID *string `json:"LatestOperationRequestId"`
	RestrictState            string
}

// ParseDescribe reads a DescribeInstances answer into the model's view of
// it. An answer without TotalCount or InstanceSet is an error.
func ParseDescribe(r tcapi.Response) (model.DescribeResult, error) {
	var res model.DescribeResult
	tc, ok1 := r.Fields["TotalCount"]
	set, ok2 := r.Fields["InstanceSet"]
	if !ok1 || !ok2 {
		return res, fmt.Errorf("DescribeInstances answer lacks TotalCount or InstanceSet")
	}
	if err := json.Unmarshal(tc, &res.TotalCount); err != nil {
		return res, fmt.Errorf("TotalCount: %w", err)
	}
	var ws []wireInstance
	if err := json.Unmarshal(set, &ws); err != nil {
		return res, fmt.Errorf("InstanceSet: %w", err)
	}
	for _, w := range ws {
		v := model.View{ID: w.InstanceID, Zone: w.Placement.Zone, State: model.InstanceState(w.InstanceState),
			ChargeType: model.ChargeType(w.InstanceChargeType), SystemDisk: model.DiskType(w.SystemDisk.DiskType),
			StopChargingMode: model.ChargingMode(w.StopChargingMode), LatestOperation: deref(w.LatestOperation),
			LatestOperationState:     model.OperationState(deref(w.LatestOperationState)),
			LatestOperationRequestID: deref(w.LatestOperationRequestID), RestrictState: w.RestrictState}
		for _, d := range w.DataDisks {
			v.LocalDataDisk = v.LocalDataDisk || model.DiskType(d.DiskType).Local()
		}
		res.Instances = append(res.Instances, v)
	}
	return res, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// RateRetries is how many times a paced request that the target
// rate-limited is sent again before the caller gives up. Paced requests
// keep under the documented rate as they leave, but lanes that share an
// account's pacer may reach the target bunched by scheduling delays, and
// then a limiter is right to refuse one; such a refusal had no effect and
// tested nothing.
const RateRetries = 3

// Describe sends a DescribeInstances and parses a successful answer. A
// refusal for the rate limit is sent again after the limiter's window has
// passed, RateRetries times at most.
func (t *Target) Describe(ctx context.Context, check string, params ...tcapi.Param) (*Exchange, model.DescribeResult, error) {
	s := Send{Check: check, Call: tcapi.Call{Action: model.ActionDescribe, Params: params}}
	x, err := t.Do(ctx, s)
	for attempt := 0; err == nil && model.IsRateLimited(x.Outcome.Code) && attempt < RateRetries; attempt++ {
		t.pacer.Rest(model.ActionDescribe)
		x, err = t.Do(ctx, s)
	}
	if err != nil {
		return x, model.DescribeResult{}, err
	}
	if x.Outcome.Unknown || x.Outcome.Code != "" || x.ParseErr != nil {
		return x, model.DescribeResult{}, fmt.Errorf("DescribeInstances: %s", x.Answer())
	}
	res, err := ParseDescribe(x.Response)
	return x, res, err
}

// Discover lists every instance of the caller in the target's region, by
// DescribeInstances pages of 100 (facts §9), and records them for the
// allow-list guard.
func (t *Target) Discover(ctx context.Context, check string) ([]model.View, error) {
	var all []model.View
	seen := map[string]bool{}
	for offset := 0; ; offset += model.DescribeMaxLimit {
		_, res, err := t.Describe(ctx, check, tcapi.Param{Name: "Offset", Value: model.Num(offset)},
			tcapi.Param{Name: "Limit", Value: model.Num(model.DescribeMaxLimit)})
		if err != nil {
			return nil, err
		}
		added := 0
		for _, v := range res.Instances {
			if !seen[v.ID] {
				seen[v.ID] = true
				all = append(all, v)
				added++
			}
		}
		// A page that adds nothing ends the listing, whatever TotalCount
		// says: a target that ignores Offset must not be paged for ever.
		if added == 0 || offset+model.DescribeMaxLimit >= res.TotalCount {
			break
		}
	}
	ids := make([]string, len(all))
	for i, v := range all {
		ids[i] = v.ID
	}
	t.KnowFleet(ids)
	return all, nil
}

// SettleTimeout is the default bound on how long an operation may take
// (--settle-timeout). The API gives none, so the default must fit the
// slowest defensible target: on loopback it covers an emulator whose
// transitions take a minute and more; on a cloud, whose stops take tens
// of seconds (facts §16), it allows ten minutes.
func SettleTimeout(endpoint string) time.Duration {
	if Loopback(endpoint) {
		return 90 * time.Second
	}
	return 10 * time.Minute
}

// Settled is the result of Settle.
type Settled struct {
	// Findings are the observations the model refused on the way.
	Findings []*model.Finding
	// Unsettled lists the instances still in flight at the deadline.
	Unsettled []string
	// Last is the last view of each instance seen.
	Last map[string]model.View
}

// Settle polls DescribeInstances, with backoff, until every instance in ids
// is seen in a stable state (not transient, LatestOperationState not
// OPERATING) or timeout passes. Every observation is judged by obs,
// unless obs is nil.
func (t *Target) Settle(ctx context.Context, check string, obs *model.Observer, ids []string, timeout time.Duration) (Settled, error) {
	out := Settled{Last: map[string]model.View{}}
	deadline := time.Now().Add(timeout)
	wait := 20 * time.Millisecond
	pending := append([]string(nil), ids...)
	for len(pending) > 0 {
		seen := map[string]model.View{}
		for i := 0; i < len(pending); i += model.MaxBatch {
			batch := pending[i:min(i+model.MaxBatch, len(pending))]
			x, res, err := t.Describe(ctx, check, tcapi.Param{Name: "InstanceIds", Value: model.Strs(batch...)},
				tcapi.Param{Name: "Limit", Value: model.Num(model.DescribeMaxLimit)})
			if err != nil {
				return out, err
			}
			if obs != nil {
				j := model.Judge(obs, x.Request, model.Env{Now: x.Sent, Limited: model.Maybe})
				out.Findings = append(out.Findings, obs.ObserveDescribe(j, x.Request, res)...)
			}
			for _, v := range res.Instances {
				seen[v.ID] = v
				out.Last[v.ID] = v
			}
		}
		var still []string
		for _, id := range pending {
			v, ok := seen[id]
			if ok && (v.State.Transient() || v.LatestOperationState == model.OpOperating) {
				still = append(still, id)
			}
		}
		pending = still
		if len(pending) == 0 {
			break
		}
		if time.Now().After(deadline) {
			out.Unsettled = pending
			break
		}
		// The last poll is at the deadline, not a backoff step past it.
		if err := sleepCtx(ctx, min(wait, time.Until(deadline)+time.Millisecond)); err != nil {
			return out, err
		}
		wait = min(wait*3/2, 2*time.Second)
	}
	return out, nil
}
