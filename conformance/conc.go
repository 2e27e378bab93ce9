package conformance

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Concurrency (DESIGN "The model": a batch is atomic; seed §1 only RUNNING
// instances can be stopped). Clients issue stops, starts and describes on
// overlapping instances at once; the recorded history — call and return
// times, answers, observations — must be linearizable against the model:
// some order of the requests, each taking effect between its call and its
// return, explains every answer. Checked with porcupine; a failing
// history is written as porcupine's HTML visualisation.

// ConcurrentClients is how many clients SI-CONC-01 runs at once.
const ConcurrentClients = 4

func concChecks() []*Check {
	return []*Check{
		{ID: "SI-CONC-01", Takes: 4500 * time.Millisecond, Title: fmt.Sprintf("%d clients stopping, starting and describing shared instances see a linearizable history", ConcurrentClients),
			Clause: "DESIGN \"The model\" (atomic batches); seed §1; facts §8", Severity: MUST, Needs: Needs{WholeAccount: true, Running: 4},
			Run: concurrentHistory},
		{ID: "SI-CONC-02", Title: "Of two concurrent stops of one RUNNING instance, exactly one succeeds",
			Clause: "seed §1: only RUNNING instances can be stopped", Severity: MUST, Needs: Needs{WholeAccount: true, Running: 3},
			Run: racingStops},
	}
}

// op is one request of a concurrent history, as porcupine sees it.
type op struct {
	x      *runner.Exchange
	client int
}

// opResult is what came back.
type opResult struct {
	describe *model.DescribeResult
}

// ConcurrentRounds is how many rounds of simultaneous requests SI-CONC-01
// sends; RoundGap spaces the rounds so that no action exceeds its rate
// limit (ConcurrentClients requests a round at most: 8 a second).
const (
	ConcurrentRounds = 5
	RoundGap         = 500 * time.Millisecond
)

func concurrentHistory(c *Ctx) error {
	ids, err := c.Running(4)
	if err != nil {
		return err
	}
	base := c.run.obs.Restrict(ids)
	c.waitQuiet(model.ActionStop)
	c.waitQuiet(model.ActionStart)
	rands := make([]*rand.Rand, ConcurrentClients)
	for i := range rands {
		rands[i] = rand.New(rand.NewPCG(c.Rand.Uint64(), uint64(i)))
	}
	var ops []porcupine.Operation
	for round := range ConcurrentRounds {
		if round > 0 {
			if err := c.Sleep(RoundGap); err != nil {
				return err
			}
		}
		hot := ids[round%len(ids)] // every client of the round names it: the sets overlap
		sends := make([]runner.Send, ConcurrentClients)
		for client := range sends {
			sends[client] = randomOp(rands[client], hot, ids)
		}
		more, err := c.simultaneously(sends)
		ops = append(ops, more...)
		if err != nil {
			return err
		}
	}
	for _, action := range []string{model.ActionStop, model.ActionStart, model.ActionDescribe} {
		c.run.target.Pacer().Rest(action)
	}
	for _, id := range ids {
		c.touched[id] = true
	}
	if err := c.resync(ids); err != nil {
		return err
	}
	return c.linearizable(base, ops)
}

// simultaneously sends every request at once, one client each, unpaced,
// and returns porcupine's operations of those answered.
func (c *Ctx) simultaneously(sends []runner.Send) ([]porcupine.Operation, error) {
	var (
		mu   sync.Mutex
		ops  []porcupine.Operation
		errs []error
		wg   sync.WaitGroup
		gate = make(chan struct{})
	)
	for client, s := range sends {
		s.Check, s.Unpaced = c.check.ID, true
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			x, err := c.do(s)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			ops = append(ops, operation(client, x))
		}()
	}
	close(gate)
	wg.Wait()
	if len(errs) > 0 {
		return ops, errs[0]
	}
	return ops, nil
}

// randomOp draws one request: a stop (half the time) or a start of hot
// and perhaps another of ids, or a describe of all.
func randomOp(r *rand.Rand, hot string, ids []string) runner.Send {
	pick := []string{hot}
	if r.IntN(2) == 0 {
		if other := ids[r.IntN(len(ids))]; other != hot {
			pick = append(pick, other)
		}
	}
	switch r.IntN(4) {
	case 0, 1:
		return stopCall(pick, "StopType", model.Str([]string{"HARD", "SOFT"}[r.IntN(2)]))
	case 2:
		return startCall(pick...)
	}
	return runner.Send{Call: tcapi.Call{Action: model.ActionDescribe,
		Params: []tcapi.Param{{Name: "InstanceIds", Value: model.Strs(ids...)}}}}
}

// operation turns an exchange into porcupine's operation: it took effect
// at some time between its call and its return, or at any time after its
// call when no answer came.
func operation(client int, x *runner.Exchange) porcupine.Operation {
	o := porcupine.Operation{ClientId: client, Input: op{x: x, client: client},
		Call: x.Sent.UnixNano(), Return: x.Received.UnixNano()}
	res := opResult{}
	if x.Call.Action == model.ActionDescribe && x.Outcome.Code == "" && !x.Outcome.Unknown && x.ParseErr == nil {
		if d, err := runner.ParseDescribe(x.Response); err == nil {
			res.describe = &d
		}
	}
	if x.Outcome.Unknown {
		o.Return = math.MaxInt64
	}
	o.Output = res
	return o
}

// linearizabilityModel is the model as porcupine's sequential
// specification: the state is an observer of the instances; a step is the
// observer judging one exchange (and its observations); a step it finds
// unacceptable is impossible.
func linearizabilityModel(base *model.Observer) porcupine.Model {
	return porcupine.Model{
		Init: func() interface{} { return base.Clone() },
		Step: func(state, input, output interface{}) (bool, interface{}) {
			obs := state.(*model.Observer).Clone()
			x := input.(op).x
			if x.ParseErr != nil {
				return false, state
			}
			j, f := obs.Exchange(x.Request, model.Env{Now: x.Sent, Limited: model.Maybe}, x.Outcome)
			if f != nil {
				return false, state
			}
			if d := output.(opResult).describe; d != nil && len(obs.ObserveDescribe(j, x.Request, *d)) > 0 {
				return false, state
			}
			return true, obs
		},
		Equal: func(a, b interface{}) bool { return a.(*model.Observer).Equal(b.(*model.Observer)) },
		Hash: func(s interface{}) uint64 {
			h := fnv.New64a()
			h.Write([]byte(s.(*model.Observer).Summary()))
			return h.Sum64()
		},
		DescribeOperation: func(input, output interface{}) string {
			x := input.(op).x
			return x.Summary() + " → " + x.Outcome.String()
		},
		DescribeState: func(s interface{}) string { return s.(*model.Observer).Summary() },
	}
}

// linearizable checks a history and fails the check with porcupine's
// visualisation when no order of the requests explains it.
func (c *Ctx) linearizable(base *model.Observer, ops []porcupine.Operation) error {
	sort.Slice(ops, func(i, j int) bool { return ops[i].Call < ops[j].Call })
	for _, o := range ops {
		x := o.Input.(op).x
		c.steps = append(c.steps, step{text: fmt.Sprintf("%s [client %d, %s → %s]", renderStep(len(c.steps)+1, x, "", nil, nil),
			o.ClientId, x.Sent.Format("15:04:05.000"), x.Received.Format("15:04:05.000")), x: x})
	}
	m := linearizabilityModel(base)
	result, info := porcupine.CheckOperationsVerbose(m, ops, 30*time.Second)
	switch result {
	case porcupine.Ok:
		return nil
	case porcupine.Unknown:
		return fmt.Errorf("porcupine could not decide the history of %d requests within 30 s", len(ops))
	}
	path, err := c.artifact("linearizability.html")
	if err == nil {
		err = porcupine.VisualizePath(m, info, path)
	}
	where := "(the visualisation could not be written: " + fmt.Sprint(err) + ")"
	if err == nil {
		where = "see " + path
		c.artifacts = append(c.artifacts, path)
	}
	return c.Failf("the %d concurrent requests are not linearizable: no order of them, each taking effect between its call and its return, explains every answer; %s",
		len(ops), where)
}

// artifact returns a path for a file the check refers to, in the run's
// artifacts directory (Config.Artifacts: the command's is beside its
// reports), or the temp directory when none was given (go test).
func (c *Ctx) artifact(name string) (string, error) {
	dir := c.run.cfg.artifacts
	if dir == "" {
		dir = os.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return filepath.Join(dir, fmt.Sprintf("%s-%d-%s", c.check.ID, c.run.cfg.seed, name)), nil
}

// resync waits for instances moved outside the observer's sight (by
// concurrent clients) to settle, and records them as seen.
func (c *Ctx) resync(ids []string) error {
	fresh := model.NewObserver(runner.AccountMain, c.run.cfg.target.Region, c.run.cfg.strict)
	res, err := c.settleWith(fresh, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if v, ok := res.Last[id]; ok {
			c.run.obs.Discover(v)
		}
	}
	return nil
}

// racingStops sends, for three RUNNING instances, two HARD stops of each
// at the same moment: for each instance exactly one may succeed, the other
// is refused for the instance's new state.
func racingStops(c *Ctx) error {
	ids, err := c.Running(3)
	if err != nil {
		return err
	}
	base := c.run.obs.Restrict(ids)
	c.waitQuiet(model.ActionStop)
	var sends []runner.Send
	for _, id := range append(append([]string(nil), ids...), ids...) {
		sends = append(sends, stopCall([]string{id}, "StopType", model.Str("HARD")))
	}
	ops, err := c.simultaneously(sends)
	c.run.target.Pacer().Rest(model.ActionStop)
	for _, id := range ids {
		c.touched[id] = true
	}
	if err != nil {
		return err
	}
	wins := map[string]int{}
	for _, o := range ops {
		x := o.Input.(op).x
		if x.Outcome.Code == "" && !x.Outcome.Unknown {
			wins[x.Call.Params[0].Value.Items[0].Text]++
		}
	}
	if err := c.resync(ids); err != nil {
		return err
	}
	if err := c.linearizable(base, ops); err != nil {
		for _, id := range ids {
			if wins[id] == 2 {
				return c.Failf("both concurrent stops of %s succeeded: after the first the instance is no longer RUNNING, so the second must be refused [seed §1]", id)
			}
		}
		return err
	}
	return nil
}

// waitQuiet waits until a second has passed since the last request of
// action, so that the target's limiter starts empty.
func (c *Ctx) waitQuiet(action string) {
	last := time.Time{}
	for _, x := range c.run.log.Since(0) {
		if accountOf(x.Lane) == c.run.account && x.Call.Action == action && x.Received.After(last) {
			last = x.Received
		}
	}
	c.Sleep(time.Until(last.Add(1200 * time.Millisecond)))
}

// Sleep waits d, or until the run ends, whose cause it then returns: a
// check that paces its requests stops when the run does.
func (c *Ctx) Sleep(d time.Duration) error {
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-c.Done():
		}
	}
	if c.Err() != nil {
		return context.Cause(c)
	}
	return nil
}
