package emulator

import (
	"container/heap"
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
	latency  time.Duration
	stuck    bool // FaultStuckStopping: a STOPPING instance never moves on
}

// record is one instance: the model's state, the fields only
// DescribeInstances reports, and its cached JSON rendering.
type record struct {
	inst    model.Instance
	region  string // inst.Region(), which never changes
	extra   FixtureInstance
	due     time.Time
	heapIdx int    // index in the due heap, -1 when not scheduled
	json    []byte // rendering for DescribeInstances; nil when stale
}

func newStore(f *FleetFile, latency time.Duration) *store {
	s := &store{byID: map[string]*record{}, accounts: map[string][]*record{}, latency: latency}
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
	if len(model.Moves(p)) > 0 && !(s.stuck && p.State == model.Stopping) {
		r.due = now.Add(s.latency)
		heap.Push(&s.due, r)
	}
}

// advance moves every instance whose due time is not after now. The
// caller holds the lock.
func (s *store) advance(now time.Time) {
	for s.due.Len() > 0 && !s.due[0].due.After(now) {
		r := heap.Pop(&s.due).(*record)
		s.set(r, model.Moves(r.inst)[0], r.due)
	}
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
