package runner

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Restore is how a run (or a snapshot) brings the instances it moved back
// to the states they were found in.
type Restore struct {
	// Check names the restore's requests in X-TC-RequestClient and the
	// transcript ("restore", "snapshot/<scenario>/reset").
	Check string
	// Want is each instance's state when it was found: RUNNING or
	// STOPPED, the only states the suite can put an instance back in.
	// Instances outside the allow-list are left alone, whatever Want says.
	Want map[string]model.InstanceState
	// Settle bounds how long the restore waits for one operation to end.
	Settle time.Duration
	// Obs, when set, judges the restore's exchanges, so that the caller's
	// model of the fleet keeps in step with it; nil for none.
	Obs *model.Observer
	// Note receives a line of progress for each round that stops or starts
	// instances; nil for none.
	Note func(format string, args ...any)

	_ struct{}
}

// Left is an instance not in the state it was found in.
type Left struct {
	ID    string
	Found model.InstanceState
	// Left is the state it was last seen in, or "" when it is not known:
	// it was never seen after the last stop or start that named it, or it
	// was no longer listed.
	Left model.InstanceState
}

// String reads "ins-… found RUNNING, left STOPPED".
func (l Left) String() string {
	left := string(l.Left)
	if left == "" {
		left = "unknown"
	}
	return fmt.Sprintf("%s found %s, left %s", l.ID, l.Found, left)
}

// ReturnRounds is how many times the suite starts (or stops) an instance
// that did not come back: a start may fail back to STOPPED (ledger L-24).
const ReturnRounds = 3

// Returner is how [ReturnTo] reaches the target: the end-of-run restore
// and a snapshot's reset with the target's own requests ([Target.Restore]),
// a check's reset through the check (conformance), so that its requests
// are judged and shown in its transcript.
type Returner struct {
	// Settle waits for ids' operations to end, and returns whether an
	// instance is now known to be in a state.
	Settle func(ids []string) (is func(id string, st model.InstanceState) bool, err error)
	// Send sends one StartInstances, or one StopInstances with StopType
	// HARD, for a batch of at most model.MaxBatch instances.
	Send func(action string, batch []string) error
	// Note receives a line of progress for each round that stops or
	// starts instances; nil for none.
	Note func(format string, args ...any)
}

// ReturnTo is the one mechanism by which the suite puts instances back in
// the states it found them in: it settles ids, starts again those wanted
// RUNNING that are STOPPED, stops again those wanted STOPPED that are
// RUNNING, in batches of model.MaxBatch, and repeats, ReturnRounds times
// at most. An instance in any other state (one still in flight after the
// settle bound, one gone) is left as it is. The first error ends it.
func ReturnTo(want map[string]model.InstanceState, ids []string, r Returner) error {
	for round := 1; len(ids) > 0; round++ {
		is, err := r.Settle(ids)
		if err != nil {
			return err
		}
		var start, stop []string
		for _, id := range ids {
			switch want[id] {
			case model.Running:
				if is(id, model.Stopped) {
					start = append(start, id)
				}
			case model.Stopped:
				if is(id, model.Running) {
					stop = append(stop, id)
				}
			}
		}
		if len(start)+len(stop) == 0 || round > ReturnRounds {
			return nil
		}
		for _, todo := range []struct {
			action string
			ids    []string
		}{{model.ActionStart, start}, {model.ActionStop, stop}} {
			if len(todo.ids) > 0 && r.Note != nil {
				r.Note("restore: %s %s (round %d)", todo.action, brief(todo.ids), round)
			}
			for rest := todo.ids; len(rest) > 0; rest = rest[min(len(rest), model.MaxBatch):] {
				if err := r.Send(todo.action, rest[:min(len(rest), model.MaxBatch)]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Restore waits for the instances of r.Want to settle and returns them to
// the states they were found in ([ReturnTo]), with requests paced like
// every other. It returns the instances left in another state than they
// were found in, judged from the whole transcript (LeftChanged), so that
// the list holds also when ctx ends part-way, or before the restore sent
// anything; and the error that ended it early, if one did (ctx's, an
// unreachable target, a refused stop or start).
func (t *Target) Restore(ctx context.Context, r Restore) ([]Left, error) {
	var ids []string
	for id := range r.Want {
		if t.Allowed(id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	err := t.restore(ctx, r, ids)
	want := make(map[string]model.InstanceState, len(ids))
	for _, id := range ids {
		want[id] = r.Want[id]
	}
	return LeftChanged(t.log.Since(0), want), err
}

func (t *Target) restore(ctx context.Context, r Restore, ids []string) error {
	if err := t.waitForCutShort(ctx, ids); err != nil {
		return err
	}
	return ReturnTo(r.Want, ids, Returner{
		Settle: func(ids []string) (func(string, model.InstanceState) bool, error) {
			res, err := t.Settle(ctx, r.Check, r.Obs, ids, r.Settle)
			if err != nil {
				return nil, err
			}
			return func(id string, st model.InstanceState) bool {
				v, ok := res.Last[id]
				return ok && v.State == st
			}, nil
		},
		Send: func(action string, batch []string) error {
			call := tcapi.Call{Action: action, Params: []tcapi.Param{{Name: "InstanceIds", Value: model.Strs(batch...)}}}
			if action == model.ActionStop {
				call.Params = append(call.Params, tcapi.Param{Name: "StopType", Value: model.Str("HARD")})
			}
			x, err := t.Do(ctx, Send{Check: r.Check, Call: call, ExactStyle: true})
			if err != nil {
				return err
			}
			if r.Obs != nil {
				r.Obs.Exchange(x.Request, model.Env{Now: x.Sent, Limited: model.Maybe}, x.Outcome)
			}
			if x.Outcome.Code != "" && !model.IsRateLimited(x.Outcome.Code) {
				return fmt.Errorf("%s: %s", x.Summary(), x.Answer())
			}
			return nil
		},
		Note: r.Note,
	})
}

// brief names a few instances and counts the rest, for a progress line.
func brief(ids []string) string {
	const shown = 4
	if len(ids) <= shown {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ids[:shown], ", "), len(ids)-shown)
}

// Moved lists the instances that a StopInstances or StartInstances of xs
// named, whatever its answer: a request cut short may have taken effect.
func Moved(xs []*Exchange) map[string]bool {
	moved := map[string]bool{}
	for _, x := range xs {
		if x.Call.Action != model.ActionStop && x.Call.Action != model.ActionStart {
			continue
		}
		for _, p := range x.Call.Params {
			for _, id := range stringsIn(p.Value) {
				moved[id] = true
			}
		}
	}
	return moved
}

// LeftChanged lists, sorted by ID, the instances of want whose last
// known state in xs is not the one wanted. An instance's last known state
// is the one the latest successful DescribeInstances listed it in, unless
// a StopInstances or StartInstances that named it may have taken effect
// after that listing began (it was answered, or given up on, after the
// listing was sent): then, like an instance never listed, its state is
// unknown.
func LeftChanged(xs []*Exchange, want map[string]model.InstanceState) []Left {
	type seen struct {
		view model.View
		at   time.Time // when the listing was sent
	}
	last := map[string]seen{}
	moved := map[string]time.Time{} // the latest answer to a stop or start that named it; far future when none came
	for _, x := range xs {
		switch x.Call.Action {
		case model.ActionStop, model.ActionStart:
			at := effectBy(x)
			for id := range Moved([]*Exchange{x}) {
				if _, ok := want[id]; ok && at.After(moved[id]) {
					moved[id] = at
				}
			}
		case model.ActionDescribe:
			if x.Err != nil || x.Outcome.Unknown || x.Outcome.Code != "" || x.ParseErr != nil {
				continue
			}
			res, err := ParseDescribe(x.Response)
			if err != nil {
				continue
			}
			for _, v := range res.Instances {
				if _, ok := want[v.ID]; ok && !x.Sent.Before(last[v.ID].at) {
					last[v.ID] = seen{view: v, at: x.Sent}
				}
			}
		}
	}
	var out []Left
	for id, found := range want {
		s, ok := last[id]
		var state model.InstanceState
		if ok && !moved[id].After(s.at) {
			state = s.view.State
		}
		if state != found {
			out = append(out, Left{ID: id, Found: found, Left: state})
		}
	}
	slices.SortFunc(out, func(a, b Left) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// effectBy is when a stop or start may last have taken effect: when it
// was answered, or, for a request cut short or timed out, cutShortGrace
// after the suite gave up on it.
func effectBy(x *Exchange) time.Time {
	switch {
	case x.Received.IsZero():
		return farFuture
	case x.Err != nil || x.Outcome.Unknown:
		return x.Received.Add(cutShortGrace)
	}
	return x.Received
}

// cutShortGrace is how long after the suite gave up on a stop or start
// (a run cut short cancels the requests in flight) the target may still
// act on it: a request already sent is handled when it arrives, which may
// be after the client has stopped waiting for the answer. The restore
// looks no sooner (Target.Restore), and a listing sent sooner says
// nothing of it (LeftChanged).
const cutShortGrace = 2 * time.Second

// farFuture stands for a request with no time at all.
var farFuture = time.Unix(1<<40, 0)

// waitForCutShort waits until every stop or start of ids that was cut
// short may have taken effect (effectBy), or ctx ends.
func (t *Target) waitForCutShort(ctx context.Context, ids []string) error {
	var until time.Time
	for _, x := range t.log.Since(0) {
		if x.Call.Action != model.ActionStop && x.Call.Action != model.ActionStart {
			continue
		}
		if at := effectBy(x); at.After(until) && at.Before(farFuture) && namesAny(x, ids) {
			until = at
		}
	}
	return sleepCtx(ctx, time.Until(until))
}

func namesAny(x *Exchange, ids []string) bool {
	moved := Moved([]*Exchange{x})
	for _, id := range ids {
		if moved[id] {
			return true
		}
	}
	return false
}
