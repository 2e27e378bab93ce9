package conformance

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// This file holds discovery: open connects to every account of the
// target, lists its fleet (DescribeInstances only), proves the second
// account's credentials, and shares each account's instances out among
// its lanes (shareOut), one observer a lane.
//
// Accounts: a run that holds several accounts of one target (the embedded
// emulator's, or TENCENTCLOUD_SECRET_ID_3… for another target) has lanes
// on each, each account with its own fleet and its own pacer.
//
// Shares: an account with enough allow-listed instances holds several
// lanes, each with a share of them and its own observer, which cedes the
// other shares' instances (model.Observer.Cede). The account's lanes send
// through its one target, so its one pacer keeps the run as a whole under
// the documented limits; while a lane waits for its stop to end, the
// others go on. The first share also holds every instance the suite does
// not move (the odd states, those outside the allow-list), so checks
// needing them run there.

// open connects to every account of the target, discovers its fleet, and
// shares its instances out among the account's lanes. When discovery
// fails it still returns the run's shared state, whose transcript holds
// what discovery sent.
func open(ctx context.Context, rc runConfig, checks []*Check) ([]*runState, *runShared, error) {
	shared := &runShared{cfg: rc, started: time.Now(), log: rc.target.Transcript}
	// The main account, then the further ones (TargetConfig.Lanes),
	// labelled as the embedded emulator names them: "lane-1", ….
	accounts := []runner.TargetConfig{rc.target}
	labels := []string{runner.AccountMain}
	for i, cred := range rc.target.Lanes {
		tc := rc.target
		tc.Cred, tc.Cred2, tc.Lanes = cred, tcapi.Credential{}, nil
		accounts = append(accounts, tc)
		labels = append(labels, fmt.Sprintf("lane-%d", i+1))
	}
	var lanes []*runState
	discovered := map[string]bool{}
	for i, tc := range accounts {
		tc.Lane = labels[i]
		t, err := runner.NewTarget(tc)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrCannotRun, err)
		}
		views, err := discover(ctx, t, labels[i], credVars(i))
		if err != nil {
			return nil, shared, err
		}
		if i == 0 && t.HasSecondAccount() {
			if shared.secondRefused, err = proveSecond(ctx, t); err != nil {
				return nil, shared, err
			}
		}
		for _, v := range views {
			discovered[v.ID] = true
		}
		shares := shareOut(movable(views, t, model.Running), movable(views, t, model.Stopped), needsOf(checks), rc.lanesPerAccount)
		byID := map[string]model.View{}
		for _, v := range views {
			byID[v.ID] = v
		}
		// Each instance is one share's; the first's also those no lane
		// moves, which are in no share.
		shareOf := map[string]int{}
		for k, ids := range shares {
			for _, id := range ids {
				shareOf[id] = k
			}
		}
		whole := &sync.RWMutex{}
		for k := range shares {
			s := &runState{runShared: shared, account: labels[i], share: k, shares: len(shares), whole: whole, views: byID}
			s.target = t.ForLane(s.name())
			s.obs = model.NewObserver(runner.AccountMain, rc.target.Region, rc.strict)
			s.judging = runner.NewJudging(runner.JudgingConfig{Strictness: rc.strict, Clock: runner.SendTime,
				StopRateLimit: rc.target.StopRateLimit}, s.obs)
			for _, v := range views {
				if shareOf[v.ID] == k {
					s.obs.Discover(v)
				} else {
					s.obs.Cede(v.ID)
				}
			}
			lanes = append(lanes, s)
		}
	}
	var missing []string
	for _, id := range rc.instances {
		if !discovered[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("%w: --instances names %s, which no account of the target lists in %s: nothing was judged",
			ErrCannotRun, strings.Join(missing, ", "), rc.target.Region)
	}
	return lanes, shared, nil
}

// secondVars names the second account's variables.
func secondVars() [2]string {
	id, key := CredentialVars(1)
	return [2]string{id, key}
}

// CredentialVars names the environment variables that hold the
// credentials of the account at position i, as the official SDKs and
// 'cvmconform emulate' name them: 0 the main account, 1 the second (the
// isolation checks'), 2 and on the further accounts (_3, _4, …). Errors
// that say what to fix name them; cmd reads them.
func CredentialVars(i int) (id, key string) {
	if i == 0 {
		return "TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"
	}
	return fmt.Sprintf("TENCENTCLOUD_SECRET_ID_%d", i+1), fmt.Sprintf("TENCENTCLOUD_SECRET_KEY_%d", i+1)
}

// credVars names the variables of the i-th account of a run: 0 the main,
// then the further accounts, which skip the second's position.
func credVars(i int) [2]string {
	pos := i
	if i > 0 {
		pos = i + 1
	}
	id, key := CredentialVars(pos)
	return [2]string{id, key}
}

// refusedCredentials words a target's refusal of an account's credentials
// as our configuration error, naming the variable to fix: the SecretId
// when the target does not know it, the key when the signature does not
// verify, both otherwise.
func refusedCredentials(account string, vars [2]string, code, message string) string {
	name := vars[0] + " / " + vars[1]
	switch code {
	case "AuthFailure.SecretIdNotFound":
		name = vars[0]
	case "AuthFailure.SignatureFailure":
		name = vars[1]
	}
	return fmt.Sprintf("the target refused the credentials of %s (%s: %s): check %s", account, code, message, name)
}

// proveSecond proves the second account's credentials with one signed
// DescribeInstances. A refusal is the configuration's fault, not the
// target's: it returns the reason the second account's checks skip with,
// and the run goes on. An error means the target could not be asked.
func proveSecond(ctx context.Context, t *runner.Target) (string, error) {
	s := describeWith(func(*tcapi.Call) {})
	s.Check, s.Second = "discovery", true
	x, err := t.Do(ctx, s)
	if err != nil {
		return "", fmt.Errorf("%w: cannot prove the second account's credentials with DescribeInstances: %v", ErrCannotRun, err)
	}
	if code := x.Outcome.Code; strings.HasPrefix(code, "AuthFailure") {
		msg := ""
		if x.Response.Error != nil {
			msg = x.Response.Error.Message
		}
		return "not run: " + refusedCredentials(runner.AccountSecond, secondVars(), code, msg), nil
	}
	return "", nil
}

// discover lists an account's fleet, and refuses to go on when the target
// cannot be reached or refuses the credentials.
func discover(ctx context.Context, t *runner.Target, account string, vars [2]string) ([]model.View, error) {
	views, err := t.Discover(ctx, "discovery")
	if err != nil {
		if xs := t.Transcript().Since(0); len(xs) > 0 && xs[len(xs)-1].Outcome.Code != "" {
			x := xs[len(xs)-1]
			if strings.HasPrefix(x.Outcome.Code, "AuthFailure") {
				return nil, fmt.Errorf("%w: %s", ErrCannotRun, refusedCredentials(account, vars, x.Outcome.Code, x.Response.Error.Message))
			}
		}
		return nil, fmt.Errorf("%w: cannot list the fleet of %s with DescribeInstances: %v", ErrCannotRun, account, err)
	}
	return views, nil
}

// movable lists, sorted, the discovered instances in state st (RUNNING or
// STOPPED, settled) that the allow-list lets the suite stop and start:
// the instances the account's lanes share out.
func movable(views []model.View, t *runner.Target, st model.InstanceState) []string {
	var ids []string
	for _, v := range views {
		if v.State == st && v.LatestOperationState != model.OpOperating && t.Allowed(v.ID) {
			ids = append(ids, v.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

// needsOf lists how many instances each check acts on.
func needsOf(checks []*Check) []int {
	var out []int
	for _, c := range checks {
		if !c.Final {
			out = append(out, c.Needs.Running+c.Needs.Stopped)
		}
	}
	return out
}

// shareOut splits an account's movable instances among its lanes and
// returns each lane's share; the first share is the rest, which the caller
// also gives every instance the suite does not move. The first share keeps
// enough for the most demanding check the account can serve at all; each
// other share holds as many as the most demanding check that fits a
// most-th of them, so a share is never too small to be of use. most is
// the most shares to make (1 or more); fewer are made when the instances
// do not allow them.
func shareOut(running, stopped []string, needs []int, most int) [][]string {
	all := append(slices.Clone(running), stopped...)
	big, small := 0, 0
	for _, n := range needs {
		if n <= len(running)+len(stopped) {
			big = max(big, n)
		}
		if n*most <= len(running)+len(stopped) {
			small = max(small, n)
		}
	}
	if most == 1 || small == 0 {
		return [][]string{all}
	}
	extra := min(most-1, (len(running)-min(big, len(running)))/small)
	if extra <= 0 {
		return [][]string{all}
	}
	shares := make([][]string, extra+1)
	for k := 1; k <= extra; k++ {
		n := len(running)
		shares[k] = slices.Clone(running[n-small:])
		running = running[:n-small]
		if len(stopped) > 1 {
			// One STOPPED each while the first share keeps one, so that a
			// check needing one need not make it, and the state machine's
			// shards can stop a STOPPED instance from their first step.
			shares[k] = append(shares[k], stopped[len(stopped)-1])
			stopped = stopped[:len(stopped)-1]
		}
	}
	shares[0] = append(running, stopped...)
	return shares
}
