package runner

import (
	"context"
	"encoding/json"
	"errors"
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

// ErrStillRefused is what [Target.Resend] returns when the target refused
// a paced request for the rate limit RateRetries+1 times in a row.
var ErrStillRefused = fmt.Errorf("the target rate-limited this paced request %d times in a row", RateRetries+1)

// Resend is the one mechanism by which a paced request the target refused
// for the rate limit is sent again: send sends the request once and says
// whether the answer was such a refusal (and no other finding); while it
// was, Resend calls again (to note it, or nil), lets the limiter's window
// for action pass (Pacer.Rest) and sends once more, RateRetries times at
// most, then returns ErrStillRefused. An error from send ends it at once.
func (t *Target) Resend(action string, send func() (refused bool, err error), again func()) error {
	for attempt := 0; ; attempt++ {
		refused, err := send()
		switch {
		case err != nil:
			return err
		case !refused:
			return nil
		case attempt == RateRetries:
			return ErrStillRefused
		}
		if again != nil {
			again()
		}
		t.pacer.Rest(action)
	}
}

// Describe sends a DescribeInstances and parses a successful answer. A
// refusal for the rate limit is sent again ([Target.Resend]).
func (t *Target) Describe(ctx context.Context, check string, params ...tcapi.Param) (*Exchange, model.DescribeResult, error) {
	s := Send{Check: check, Call: tcapi.Call{Action: model.ActionDescribe, Params: params}}
	var x *Exchange
	err := t.Resend(model.ActionDescribe, func() (bool, error) {
		var err error
		x, err = t.Do(ctx, s)
		return err == nil && model.IsRateLimited(x.Outcome.Code), err
	}, nil)
	switch {
	case errors.Is(err, ErrStillRefused):
		return x, model.DescribeResult{}, fmt.Errorf("DescribeInstances: %s (%w)", x.Answer(), err)
	case err != nil:
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
