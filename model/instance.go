package model

// Instance is the model's state of one CVM instance (DESIGN "The model").
// It is a plain comparable value: the model never mutates one, it returns
// new ones, and a set of possibilities is a slice of distinct values.
type Instance struct {
	ID    string
	Owner string // the account that owns it
	Zone  string // Placement.Zone; its region is RegionOfZone(Zone)

	State         InstanceState
	ChargeType    ChargeType
	SystemDisk    DiskType
	LocalDataDisk bool // at least one data disk is local

	StopChargingMode         ChargingMode
	LatestOperation          string // action name, "" = null
	LatestOperationState     OperationState
	LatestOperationRequestID string

	// IgnoresSoftStop is an emulator-only trait: the guest does not
	// honour a soft shutdown, so a SOFT stop fails (DESIGN "The model").
	// On a real target it is unknown: Maybe.
	IgnoresSoftStop Tri

	// PendingForce says, while a stop is in flight, whether a failed
	// soft shutdown is followed by a forced one (StopType HARD or
	// SOFT_FIRST, or ForceStop=TRUE; seed §2). PendingMode is the
	// StoppedMode that stop asked for.
	PendingForce Tri
	PendingMode  ChargingMode

	// LagTo, when set, is the LatestOperationState the instance's
	// operation state will settle to: the InstanceState has already
	// reached its end but LatestOperationState still says OPERATING
	// (ledger L-16).
	LagTo OperationState

	// RestrictState is what DescribeInstances last showed in RestrictState
	// (facts §9: NORMAL, EXPIRED, PROTECTIVELY_ISOLATED; "" when not
	// shown, read as NORMAL). The model does not predict it: an account
	// may be isolated at any time; it learns it from every listing
	// (RuleRestricted, ledger L-28).
	RestrictState string

	// Foreign means the operation the instance last went through was
	// not started by a request the model judged (it was in flight when
	// the instance was discovered, or it was a spontaneous move of such
	// an operation): its LatestOperation* and StopChargingMode fields
	// are not predicted until the model's next operation on it.
	Foreign bool
}

// Region is the region the instance lives in.
func (i Instance) Region() string { return RegionOfZone(i.Zone) }

// Stable reports whether the instance can only change through a request:
// its state is not transient and its operation is not still OPERATING.
func (i Instance) Stable() bool {
	return !i.State.Transient() && i.LatestOperationState != OpOperating
}

// StopChargingEligible says whether STOP_CHARGING applies to the instance:
// "This parameter is only valid for some pay-as-you-go instances using cloud
// disks" (seed §2 StoppedMode). Pay-as-you-go by the hour on cloud disks
// only: yes. Prepaid, or any local disk: no. The other pay-as-you-go kinds
// (spot, CDH, CDC) are not decided by the sources: Maybe (ledger L-07).
func StopChargingEligible(i Instance) Tri {
	if i.SystemDisk.Local() || i.LocalDataDisk || i.ChargeType == Prepaid {
		return No
	}
	if i.ChargeType == PostpaidByHour {
		return Yes
	}
	return Maybe
}

// Fleet is what the model knows of the instances a request may name: for
// each ID, the states it may be in. A definite fleet (the emulator's store)
// returns one possibility per ID; the observer returns every state still
// possible. Possible returns nil for an ID the fleet does not hold.
type Fleet interface {
	Possible(id string) []Instance
}

// Instances is a definite fleet keyed by ID.
type Instances map[string]Instance

// Possible implements Fleet.
func (f Instances) Possible(id string) []Instance {
	if i, ok := f[id]; ok {
		return []Instance{i}
	}
	return nil
}

// Visible reports whether a caller of account in region can see the
// instance at all: instances of other accounts, or of other regions, do not
// exist for it (DESIGN "The emulator": isolated fleets; facts §12: Region
// picks the data).
func (i Instance) Visible(account, region string) bool {
	return i.Owner == account && i.Region() == region
}
