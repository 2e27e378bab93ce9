package emulator

import (
	"container/heap"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/cvmconform/cvmconform/model"
)

// store holds every account's instances, guarded by one mutex: a request
// is judged and applied under the lock, so a batch is atomic and
// concurrent requests serialise (DESIGN "The emulator").
//
// Asynchronous transitions are lazy: an instance that starts an operation
// gets a due time; whenever the store is used, it first moves every
// instance whose due time has passed (model.Moves, canonical choice).
// Transient states loaded from a fixture have no due time: they are pinned
// until a request moves them.
type store struct {
	mu       sync.Mutex
	byID     map[string]*record
	accounts map[string][]*record // each account's instances, in fixture order
	due      dueHeap
	timing   *timing
}

// record is one instance: the model's state, the fields only
// DescribeInstances reports, and its cached JSON rendering.
type record struct {
	inst    model.Instance
	region  string // inst.Region(), which never changes
	extra   FixtureInstance
	due     time.Time
	end     time.Time // when the operation in flight ends (see timing)
	heapIdx int       // index in the due heap, -1 when not scheduled
	json    []byte    // rendering for DescribeInstances; nil when stale
}

func newStore(f *FleetFile, t *timing) *store {
	s := &store{byID: map[string]*record{}, accounts: map[string][]*record{}, timing: t}
	for _, a := range f.Accounts {
		recs := make([]*record, 0, len(a.Instances))
		for _, fi := range a.Instances {
			p, _ := fi.instance(a.Name) // validated by ParseFleet
			r := &record{inst: p, region: p.Region(), extra: fi, heapIdx: -1}
			s.byID[p.ID] = r
			recs = append(recs, r)
		}
		s.accounts[a.Name] = recs
	}
	return s
}

// Possible implements model.Fleet over the store's definite state. The
// caller holds the lock.
func (s *store) Possible(id string) []model.Instance {
	if r, ok := s.byID[id]; ok {
		return []model.Instance{r.inst}
	}
	return nil
}

// set replaces an instance's state and, if it is now in flight, schedules
// its next move. The caller holds the lock.
func (s *store) set(r *record, p model.Instance, now time.Time) {
	r.inst, r.json = p, nil
	if r.heapIdx >= 0 {
		heap.Remove(&s.due, r.heapIdx)
	}
	if len(model.Moves(p)) > 0 && !(s.timing.stuckStopping && p.State == model.Stopping) {
		r.due = s.timing.schedule(r, now)
		heap.Push(&s.due, r)
	}
}

// advance moves every instance whose due time is not after now. The
// caller holds the lock.
func (s *store) advance(now time.Time) {
	for s.due.Len() > 0 && !s.due[0].due.After(now) {
		r := heap.Pop(&s.due).(*record)
		s.set(r, s.timing.next(r.inst), r.due)
	}
}

// operations is how the emulator's operations unfold: how long each
// takes and which of the model's possible next states it takes (see
// behaviour).
type operations struct {
	// minLatency and maxLatency bound an operation's duration, drawn
	// anew for each (variant latency, or Config.Latency: see
	// resolveOperations).
	minLatency, maxLatency time.Duration
	opState                opState // variant op-state (ledger L-16)
	// startMayFail: a start after a STOP_CHARGING stop fails half of
	// the time (variant start-after-stop-charging=fails-sometimes,
	// ledger L-24).
	startMayFail bool
	// stuckStopping: a STOPPING instance never moves on
	// (FaultStuckStopping).
	stuckStopping bool
}

// opState is when an operation's LatestOperationState changes against its
// InstanceState (variant op-state, ledger L-16).
type opState int

const (
	opTogether opState = iota // together: both change at once
	opLag                     // lag: STOPPED while the operation is still OPERATING
	opAhead                   // ahead: STOPPING while the operation is already SUCCESS, as the real cloud
	opMixed                   // mixed: one of the three, drawn per operation
)

// timing is the emulator's operations as they unfold, with the random
// source their draws take. Its methods are called with the store's lock
// held.
type timing struct {
	operations
	rng *rand.Rand
}

// schedule returns when an instance just set in flight moves next. An
// operation draws its duration when it starts; where the operation state
// may lag or run ahead, the in-between view shows at half time and the
// operation ends at the full duration.
func (t *timing) schedule(r *record, now time.Time) time.Time {
	if r.end.After(now) {
		return r.end
	}
	d := t.minLatency
	if t.maxLatency > t.minLatency {
		d += time.Duration(t.rng.Int64N(int64(t.maxLatency - t.minLatency)))
	}
	r.end = now.Add(d)
	if t.opState == opTogether {
		return r.end
	}
	return now.Add(d / 2)
}

// next picks p's next state among the model's spontaneous moves: the
// canonical one, or the one with its operation state lagging or ahead.
func (t *timing) next(p model.Instance) model.Instance {
	moves := model.Moves(p)
	if t.startMayFail && p.State == model.Starting && p.StopChargingMode == model.StopCharging && t.rng.IntN(2) == 0 {
		for _, m := range moves {
			if m.State == model.Stopped && m.LatestOperationState == model.OpFailed {
				return m
			}
		}
	}
	mode := t.opState
	if mode == opMixed {
		mode = []opState{opTogether, opLag, opAhead}[t.rng.IntN(3)]
	}
	for _, m := range moves {
		switch {
		case mode == opLag && m.LagTo != "":
			return m
		case mode == opAhead && m.State == p.State && m.LatestOperationState == model.OpSuccess:
			return m
		}
	}
	return moves[0]
}

// dueHeap orders scheduled records by due time.
type dueHeap []*record

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h dueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx, h[j].heapIdx = i, j
}
func (h *dueHeap) Push(x any) {
	r := x.(*record)
	r.heapIdx = len(*h)
	*h = append(*h, r)
}
func (h *dueHeap) Pop() any {
	old := *h
	r := old[len(old)-1]
	old[len(old)-1] = nil
	r.heapIdx = -1
	*h = old[:len(old)-1]
	return r
}
