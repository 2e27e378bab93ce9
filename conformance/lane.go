package conformance

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
)

// This file holds a lane (runState): one worker, an account and a share
// of its instances, with the observer that judges that share, and what
// every lane of a run shares (runShared). A lane knows what its share
// offers a check (fleet, lacks) and puts back what a check moved before
// its next (reset).

// runShared is what every lane of a run shares.
type runShared struct {
	cfg     runConfig
	started time.Time
	log     *runner.Transcript // every lane's exchanges

	mu     sync.Mutex
	stuck  *stuckOp // the first operation seen in flight past the settle bound
	ended  int      // instances seen settling within the bound (stuck.go)
	failed string   // the first check that failed, with FailFast
	// secondRefused says why the second account's credentials cannot be
	// used (the target refused them at discovery); its checks skip with
	// it. "" when they were proven, or none were given.
	secondRefused string
	// shardProgress is, for a check split into shards, what Progress has
	// been told: it starts with its first shard and is done, merged, with
	// its last (one line a check, not one a shard).
	shardProgress map[string]*shardProgress
	// shardFailed names, for a check split into shards, the shard that
	// failed first: it shrinks its counterexample, which is the check's,
	// and the others stop rather than find (and shrink) another.
	shardFailed map[string]failedShard
}

// runState is one lane of a run: one account of the target, or a share of
// its instances when the account holds several lanes (see discover.go),
// with the observer that judges that share. A lane runs one check at a
// time; its observer is never shared between goroutines.
type runState struct {
	*runShared
	account       string        // the account's label: "main", "lane-1", …; its exchanges carry it
	share, shares int           // this lane is share `share` of the account's `shares`
	whole         *sync.RWMutex // the account's: a WholeAccount check holds it alone
	target        *runner.Target
	obs           *model.Observer       // judges this lane's share of the instances
	judging       *runner.Judging       // the judging pipeline over obs (see Ctx.judge)
	views         map[string]model.View // the account's fleet as discovered (its lanes share it; read only)
}

// name is the lane's label in plans and transcripts: its account's, with
// the share when the account holds several lanes ("main/2"; accountOf
// reads it back).
func (s *runState) name() string {
	if s.shares <= 1 {
		return s.account
	}
	return fmt.Sprintf("%s/%d", s.account, s.share+1)
}

// accountOf is the account of a lane's label (runState.name).
func accountOf(lane string) string {
	account, _, _ := strings.Cut(lane, "/")
	return account
}

// summaries are what the plan knows of the lanes (laneSummary).
func summaries(lanes []*runState) []laneSummary {
	var out []laneSummary
	for _, s := range lanes {
		out = append(out, laneSummary{name: s.name(), account: s.account, shares: s.shares, fleet: s.fleet(),
			judged: len(s.obs.IDs()), ofAccount: len(s.views)})
	}
	return out
}

// fleet is what the lane's share of the fleet offers a check, as the
// model knows it now.
func (s *runState) fleet() fleetSummary {
	f := fleetSummary{stopped: len(s.allowedIn(model.Stopped)), states: map[model.InstanceState]bool{}}
	for _, id := range s.allowedIn(model.Running) {
		f.running = append(f.running, s.obs.Possible(id)[0])
	}
	for _, id := range s.obs.IDs() {
		if ps := s.obs.Possible(id); s.mine(ps) {
			for _, p := range ps {
				f.states[p.State] = true
			}
		}
	}
	switch {
	case !s.target.HasSecondAccount():
		f.noSecond = "needs a second account: set TENCENTCLOUD_SECRET_ID_2 and TENCENTCLOUD_SECRET_KEY_2"
	case s.secondRefused != "":
		f.noSecond = s.secondRefused
	}
	return f
}

// lacks says what of its needs the lane's share does not offer, or "".
func (s *runState) lacks(n Needs) string { return s.fleet().lacks(n) }

// mine reports whether ps, what the model knows of an instance, is an
// instance of the caller's in the run's region.
func (s *runState) mine(ps []model.Instance) bool {
	return len(ps) > 0 && ps[0].Owner == runner.AccountMain && ps[0].Region() == s.cfg.target.Region
}

// discoveredIn lists the caller's instances that may be in state st as far
// as the model knows, sorted: for a state the suite cannot create, it is
// enough that the instance may still be in it.
func (s *runState) discoveredIn(st model.InstanceState) []string {
	var ids []string
	for _, id := range s.obs.IDs() {
		if ps := s.obs.Possible(id); s.mine(ps) && anyIn(ps, st) {
			ids = append(ids, id)
		}
	}
	return ids
}

// allowedIn lists the allow-listed instances settled in state st.
func (s *runState) allowedIn(st model.InstanceState) []string {
	var ids []string
	for _, id := range s.discoveredIn(st) {
		// A restricted instance may refuse every stop and start (ledger
		// L-28): the suite never picks one to change state.
		if s.target.Allowed(id) && s.obs.Settled(id) && allIn(s.obs.Possible(id), st) && !slices.ContainsFunc(s.obs.Possible(id), model.Restricted) {
			ids = append(ids, id)
		}
	}
	return ids
}

func anyIn(ps []model.Instance, st model.InstanceState) bool {
	for _, p := range ps {
		if p.State == st {
			return true
		}
	}
	return false
}

func allIn(ps []model.Instance, st model.InstanceState) bool {
	for _, p := range ps {
		if p.State != st {
			return false
		}
	}
	return true
}

// requestsOf counts the exchanges check id sent on this lane from
// position before of the run's transcript on (other lanes send meanwhile,
// the state machine's other shards among them).
func (s *runState) requestsOf(id string, before int) int {
	n := 0
	for _, x := range s.log.Since(before) {
		if x.Check == id && x.Lane == s.name() {
			n++
		}
	}
	return n
}

// reset puts the instances the check moved back in the states they were
// discovered in (runner.ReturnTo, the end-of-run restore's mechanism), so
// that every check, and every sequence of the state machine, starts from
// the fleet as it was found (DESIGN: each sequence starts from a reset
// fleet). Its requests go through the check, judged and in its
// transcript; an instance it cannot bring back is left as it is, and
// later checks find one fewer.
func (s *runState) reset(x *Ctx) error {
	if len(x.touched) == 0 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(x.touched))
	want := make(map[string]model.InstanceState, len(ids))
	for _, id := range ids {
		want[id] = s.views[id].State
	}
	defer clear(x.touched)
	return runner.ReturnTo(want, ids, runner.Returner{
		Settle: func(ids []string) (func(string, model.InstanceState) bool, error) {
			if err := x.Settle(ids...); err != nil {
				return nil, err
			}
			return func(id string, st model.InstanceState) bool { return allIn(s.obs.Possible(id), st) }, nil
		},
		Send: func(action string, batch []string) error {
			if action == model.ActionStart {
				return x.Expect(startCall(batch...))
			}
			return x.Expect(stopCall(batch, "StopType", model.Str("HARD")))
		},
	})
}
