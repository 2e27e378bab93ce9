package model

// Transitions: what a successful request does to an instance, and how
// instances in transient states move on their own. Both return every state
// the instance may reach; the first element is the model's canonical
// choice, the one the reference emulator takes when the instance's traits
// are known.

// Effect returns the states instance p may be in right after a successful
// action on it, with the request's RequestId. p must admit the action
// (AllowsSuccess); DescribeInstances leaves p unchanged.
//
//   - StopInstances: "The instance status will become STOPPING when the API
//     is called successfully" (seed §1); LatestOperation becomes
//     StopInstances, OPERATING, with this RequestId (facts §7, §9).
//   - StartInstances: STOPPED ⇒ STARTING (facts §8), likewise.
func Effect(action string, p Instance, in Intent, requestID string) []Instance {
	q := p
	q.LatestOperation = action
	q.LatestOperationState = OpOperating
	q.LatestOperationRequestID = requestID
	q.PendingForce, q.PendingMode = No, ""
	q.LagTo = ""
	q.Foreign = false
	switch action {
	case ActionStop:
		q.State = Stopping
		q.PendingForce, q.PendingMode = in.Force, in.Mode
	case ActionStart:
		q.State = Starting
	default:
		return []Instance{p}
	}
	return []Instance{q}
}

// Moves returns the states p may move to on its own, without a request; nil
// if p is stable. These are the spontaneous moves of DESIGN "The model":
//
//   - STOPPING → STOPPED, LatestOperationState SUCCESS, with the
//     StopChargingMode the stop earns (seed §1, §2 StoppedMode); or, when
//     the guest ignores a soft shutdown and the stop does not force it,
//     back to RUNNING with LatestOperationState FAILED (seed §1 "forced
//     shutdown … when it cannot be shut down normally"; §2 StopType SOFT).
//   - STARTING → RUNNING, SUCCESS (facts §8); an instance stopped with
//     STOP_CHARGING does not keep its CPU and memory (facts §7), so its
//     start may also fail back to STOPPED, FAILED.
//   - PENDING → RUNNING or LAUNCH_FAILED; REBOOTING → RUNNING;
//     ENTER_RESCUE_MODE → RESCUE_MODE; EXIT_RESCUE_MODE → RUNNING;
//     ENTER_SERVICE_LIVE_MIGRATE → SERVICE_LIVE_MIGRATE →
//     EXIT_SERVICE_LIVE_MIGRATE → RUNNING; SHUTDOWN → TERMINATING →
//     terminated (facts §10 state meanings).
//
// LatestOperationState and InstanceState need not change together (ledger
// L-16). The operation state may lag: the state reaches STOPPED (or
// RUNNING after a start) while LatestOperationState still says OPERATING,
// and settles later. It may also run ahead: STOPPING (or STARTING) while
// LatestOperationState already says SUCCESS, as the real cloud showed 11 s
// after a stop (facts §16); such an operation then ends the successful
// way. Neither happens towards FAILED: RUNNING after a stop must say
// FAILED at once, and a SUCCESS does not turn into a failure.
func Moves(p Instance) []Instance {
	if p.LagTo != "" {
		q := p
		q.LatestOperationState, q.LagTo = p.LagTo, ""
		return []Instance{q}
	}
	switch p.State {
	case Stopping:
		return stopEnds(p)
	case Starting:
		ok := settle(p, Running, OpSuccess)
		ok.StopChargingMode = NotApplicable
		if ranAhead(p) {
			return []Instance{ok}
		}
		out := withLag(ok)
		if p.StopChargingMode == StopCharging || p.Foreign {
			failed := settle(p, Stopped, OpFailed)
			out = append(out, failed)
		}
		return append(out, aheadOf(p)...)
	case Pending:
		return []Instance{settle(p, Running, OpSuccess), settle(p, LaunchFailed, OpFailed)}
	case Rebooting, ExitRescueMode, ExitServiceLiveMigrate:
		return []Instance{settle(p, Running, OpSuccess)}
	case EnterRescueMode:
		return []Instance{settle(p, RescueMode, OpSuccess)}
	case EnterServiceLiveMigrate:
		return []Instance{withState(p, ServiceLiveMigrate)}
	case ServiceLiveMigrate:
		return []Instance{withState(p, ExitServiceLiveMigrate)}
	case Shutdown:
		return []Instance{withState(p, Terminating)}
	case Terminating:
		return []Instance{withState(p, Terminated)}
	}
	if p.LatestOperationState == OpOperating {
		// A stable state whose operation was in flight when the model
		// met it: it ends one way or the other.
		return []Instance{settle(p, p.State, OpSuccess), settle(p, p.State, OpFailed)}
	}
	return nil
}

// stopEnds lists the ends of an in-flight stop, and the stop as seen with
// its operation state run ahead to SUCCESS (ledger L-16).
func stopEnds(p Instance) []Instance {
	ahead := ranAhead(p)
	canStop := p.IgnoresSoftStop.CanNot() || p.PendingForce.Can() || ahead
	canFail := p.IgnoresSoftStop.Can() && p.PendingForce.CanNot() && !ahead
	var stops []Instance
	if canStop {
		for _, m := range stoppedModes(p) {
			q := settle(p, Stopped, OpSuccess)
			q.StopChargingMode = m
			if ahead {
				stops = append(stops, q)
			} else {
				stops = append(stops, withLag(q)...)
			}
		}
		if !ahead {
			stops = append(stops, aheadOf(p)...)
		}
	}
	var fails []Instance
	if canFail {
		q := settle(p, Running, OpFailed)
		q.StopChargingMode = NotApplicable
		fails = append(fails, q)
	}
	if p.IgnoresSoftStop == Yes && p.PendingForce == No && !ahead {
		return fails
	}
	return append(stops, fails...)
}

// stoppedModes is the StopChargingMode a completed stop may leave
// (seed §2 StoppedMode; facts §10): the requested mode where STOP_CHARGING
// applies, KEEP_CHARGING or NOT_APPLICABLE where it does not, and any of
// them where the sources do not decide (ledger L-07).
func stoppedModes(p Instance) []ChargingMode {
	if p.Foreign || p.PendingMode == "" {
		return []ChargingMode{KeepCharging, StopCharging, NotApplicable}
	}
	switch StopChargingEligible(p) {
	case Yes:
		return []ChargingMode{p.PendingMode}
	case No:
		return []ChargingMode{NotApplicable, KeepCharging}
	}
	if p.PendingMode == StopCharging {
		return []ChargingMode{StopCharging, KeepCharging, NotApplicable}
	}
	return []ChargingMode{KeepCharging, NotApplicable}
}

// ranAhead reports whether p is an operation in flight whose
// LatestOperationState already says SUCCESS (ledger L-16).
func ranAhead(p Instance) bool {
	return !p.Foreign && p.LatestOperationState == OpSuccess
}

// aheadOf returns p as seen with its operation state run ahead to SUCCESS
// while the instance is still in flight (ledger L-16); nothing for an
// operation the model did not start, whose fields it does not predict.
func aheadOf(p Instance) []Instance {
	if p.Foreign || p.LatestOperationState != OpOperating {
		return nil
	}
	q := p
	q.LatestOperationState = OpSuccess
	return []Instance{q}
}

// settle ends p's operation in state s with operation state op.
func settle(p Instance, s InstanceState, op OperationState) Instance {
	q := withState(p, s)
	q.LatestOperationState = op
	return q
}

func withState(p Instance, s InstanceState) Instance {
	q := p
	q.State = s
	q.PendingForce, q.PendingMode, q.LagTo = No, "", ""
	return q
}

// withLag returns q and q as seen while its LatestOperationState still lags
// (ledger L-16). A foreign operation's fields are not predicted, so it
// needs no lagging twin.
func withLag(q Instance) []Instance {
	if q.Foreign {
		return []Instance{q}
	}
	l := q
	l.LagTo, l.LatestOperationState = q.LatestOperationState, OpOperating
	return []Instance{q, l}
}

// Closure returns ps with every state reachable from them by spontaneous
// moves, without duplicates, in first-seen order.
func Closure(ps []Instance) []Instance {
	out := make([]Instance, 0, len(ps))
	seen := make(map[Instance]bool, len(ps))
	queue := append([]Instance(nil), ps...)
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, p)
		queue = append(queue, Moves(p)...)
	}
	return out
}

// Transition is one change of InstanceState the model allows: made by a
// successful request (By names its action) or spontaneous (By ""), as
// Effect and Moves say.
type Transition struct {
	From, To InstanceState
	By       string
	// Ledger is the entry the transition rests on, where the sources
	// leave it open ("" where they state it).
	Ledger string
}

// String reads "RUNNING → STOPPING".
func (t Transition) String() string { return string(t.From) + " → " + string(t.To) }

// Transitions lists every change of InstanceState that Effect and Moves
// allow, requests first (TestTransitionsTable keeps the two in step).
// The destruction of an instance (TERMINATING → terminated) is not
// listed: nothing lists a destroyed instance, so no observer sees it.
var Transitions = []Transition{
	{From: Running, To: Stopping, By: ActionStop},
	{From: Stopped, To: Starting, By: ActionStart},
	{From: Stopping, To: Stopped},
	{From: Stopping, To: Running, Ledger: "L-25"},
	{From: Starting, To: Running},
	{From: Starting, To: Stopped, Ledger: "L-24"},
	{From: Pending, To: Running},
	{From: Pending, To: LaunchFailed},
	{From: Rebooting, To: Running},
	{From: EnterRescueMode, To: RescueMode},
	{From: ExitRescueMode, To: Running},
	{From: EnterServiceLiveMigrate, To: ServiceLiveMigrate},
	{From: ServiceLiveMigrate, To: ExitServiceLiveMigrate},
	{From: ExitServiceLiveMigrate, To: Running},
	{From: Shutdown, To: Terminating},
}

// TransitionOf returns the listed transition from one state to another,
// and whether there is one.
func TransitionOf(from, to InstanceState) (Transition, bool) {
	for _, t := range Transitions {
		if t.From == from && t.To == to {
			return t, true
		}
	}
	return Transition{}, false
}
