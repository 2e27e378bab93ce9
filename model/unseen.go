package model

import "slices"

// Unseen returns every state an instance may be in when a history names it
// in a StopInstances or StartInstances request before any
// DescribeInstances has shown it: a recording that starts part-way
// through a history, judged by cvmconform judge or proxy (issue 11,
// "Judging with partial knowledge"). Nothing is known of such an
// instance, not even that it exists, so the model must accept whatever a
// conforming target could answer and change nothing it cannot justify
// (DESIGN "Principles": observations are sound before they are complete):
//
//   - every InstanceState, with its operation in flight or not, and
//     Terminated, which stands for an ID that names no instance (RuleTerminated
//     allows InvalidInstanceId.NotFound);
//   - each class of StopChargingEligible: pay-as-you-go by the hour on a
//     cloud disk (yes), prepaid (no), spot (undecided, ledger L-07); the
//     charge type and disks are placeholders for these classes, to be
//     replaced by the real ones once an observation shows them;
//   - Foreign: its LatestOperation fields and StopChargingMode are not
//     predicted until the model's next operation on it; a guest of unknown
//     behaviour (IgnoresSoftStop Maybe), and an unknown forced stop pending
//     (PendingForce Maybe), as Know assumes of an instance met in flight.
//
// The instance belongs to owner and lives in region, in the placeholder
// zone region+"-0": a request of another account or region does not see
// it. The result is closed under spontaneous moves (Closure); give it to
// Observer.Suppose.
func Unseen(id, owner, region string) []Instance {
	classes := []struct {
		charge ChargeType
		disk   DiskType
	}{{PostpaidByHour, CloudPremium}, {Prepaid, CloudPremium}, {SpotPaid, CloudPremium}}
	var out []Instance
	for _, s := range append(slices.Clone(InstanceStates), Terminated) {
		for _, op := range []OperationState{OpSuccess, OpOperating} {
			for _, c := range classes {
				out = append(out, Instance{ID: id, Owner: owner, Zone: region + "-0", State: s,
					ChargeType: c.charge, SystemDisk: c.disk, StopChargingMode: NotApplicable,
					LatestOperationState: op, IgnoresSoftStop: Maybe, PendingForce: Maybe, Foreign: true})
			}
		}
	}
	return Closure(out)
}

// Suppose adds (or replaces) an instance that may be in any of the states
// ps, which must all have one ID: the set form of Know, for an instance
// the observer has not seen (Unseen), or one whose possible states the
// caller has narrowed or completed since (such as with the zone, charge
// type and disks an observation showed). Unlike Know it marks nothing
// foreign: ps say what they say. The possible states become ps closed
// under spontaneous moves; the clause a later finding on the instance
// cites stays the one it had, if any. An empty ps does nothing.
func (o *Observer) Suppose(ps []Instance) {
	if len(ps) == 0 {
		return
	}
	id := ps[0].ID
	o.possible[id] = Closure(ps)
	if _, ok := o.cause[id]; !ok {
		o.cause[id] = "first named by a request; its earlier state is unknown"
	}
}
