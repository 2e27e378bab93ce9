package model

import "strings"

// The enumerations of CVM 2017-03-12, as the SDK defines them
// (facts sheet §10, [SDK-cvm] models.go).

// InstanceState is the CVM InstanceState enum (facts §10).
type InstanceState string

// Every InstanceState value the SDK documents, plus Terminated, which the
// model uses for an instance that has been destroyed and is no longer
// listed by DescribeInstances.
const (
	Pending                 InstanceState = "PENDING"
	LaunchFailed            InstanceState = "LAUNCH_FAILED"
	Running                 InstanceState = "RUNNING"
	Stopped                 InstanceState = "STOPPED"
	Starting                InstanceState = "STARTING"
	Stopping                InstanceState = "STOPPING"
	Rebooting               InstanceState = "REBOOTING"
	Shutdown                InstanceState = "SHUTDOWN"
	Terminating             InstanceState = "TERMINATING"
	EnterRescueMode         InstanceState = "ENTER_RESCUE_MODE"
	RescueMode              InstanceState = "RESCUE_MODE"
	ExitRescueMode          InstanceState = "EXIT_RESCUE_MODE"
	EnterServiceLiveMigrate InstanceState = "ENTER_SERVICE_LIVE_MIGRATE"
	ServiceLiveMigrate      InstanceState = "SERVICE_LIVE_MIGRATE"
	ExitServiceLiveMigrate  InstanceState = "EXIT_SERVICE_LIVE_MIGRATE"

	// Terminated is not part of the wire enum: an instance in this state
	// has been destroyed and DescribeInstances no longer returns it. The
	// SDK's UnsupportedOperation.InstanceStateTerminated error shows the
	// API knows the state for the short while an ID still resolves.
	Terminated InstanceState = "TERMINATED"
)

// InstanceStates lists every wire InstanceState in the SDK's order.
var InstanceStates = []InstanceState{
	Pending, LaunchFailed, Running, Stopped, Starting, Stopping, Rebooting,
	Shutdown, Terminating, EnterRescueMode, RescueMode, ExitRescueMode,
	EnterServiceLiveMigrate, ServiceLiveMigrate, ExitServiceLiveMigrate,
}

// Valid reports whether s is a wire InstanceState.
func (s InstanceState) Valid() bool {
	for _, v := range InstanceStates {
		if v == s {
			return true
		}
	}
	return false
}

// Transient reports whether an instance in state s moves on its own, without
// a further request (DESIGN "The model": the spontaneous moves).
func (s InstanceState) Transient() bool {
	switch s {
	case Pending, Starting, Stopping, Rebooting, Terminating,
		EnterRescueMode, ExitRescueMode,
		EnterServiceLiveMigrate, ServiceLiveMigrate, ExitServiceLiveMigrate,
		Shutdown:
		return true
	}
	return false
}

// stateCodeSuffix maps a state to the suffix of its
// UnsupportedOperation.InstanceState<Suffix> error code (facts §7).
var stateCodeSuffix = map[InstanceState]string{
	Pending:                 "Pending",
	LaunchFailed:            "LaunchFailed",
	Running:                 "Running",
	Stopped:                 "Stopped",
	Starting:                "Starting",
	Stopping:                "Stopping",
	Rebooting:               "Rebooting",
	Shutdown:                "Shutdown",
	Terminating:             "Terminating",
	Terminated:              "Terminated",
	EnterRescueMode:         "EnterRescueMode",
	RescueMode:              "RescueMode",
	ExitRescueMode:          "ExitRescueMode",
	EnterServiceLiveMigrate: "EnterServiceLiveMigrate",
	ServiceLiveMigrate:      "ServiceLiveMigrate",
	ExitServiceLiveMigrate:  "ExitServiceLiveMigrate",
}

// StateCode returns the UnsupportedOperation.InstanceState<X> code the SDK
// defines for an instance in state s (facts §7).
func StateCode(s InstanceState) string {
	return "UnsupportedOperation.InstanceState" + stateCodeSuffix[s]
}

// OperationState is the LatestOperationState enum (facts §10). The empty
// value stands for null: no operation recorded.
type OperationState string

// The LatestOperationState values.
const (
	OpNone      OperationState = ""
	OpSuccess   OperationState = "SUCCESS"
	OpOperating OperationState = "OPERATING"
	OpFailed    OperationState = "FAILED"
)

// ChargeType is the InstanceChargeType enum (facts §10).
type ChargeType string

// The InstanceChargeType values.
const (
	Prepaid        ChargeType = "PREPAID"
	PostpaidByHour ChargeType = "POSTPAID_BY_HOUR"
	CDHPaid        ChargeType = "CDHPAID"
	SpotPaid       ChargeType = "SPOTPAID"
	CDCPaid        ChargeType = "CDCPAID"
)

// ChargeTypes lists every InstanceChargeType.
var ChargeTypes = []ChargeType{Prepaid, PostpaidByHour, CDHPaid, SpotPaid, CDCPaid}

// DiskType is the disk type enum (facts §10).
type DiskType string

// The DiskType values.
const (
	LocalBasic   DiskType = "LOCAL_BASIC"
	LocalSSD     DiskType = "LOCAL_SSD"
	CloudBasic   DiskType = "CLOUD_BASIC"
	CloudSSD     DiskType = "CLOUD_SSD"
	CloudPremium DiskType = "CLOUD_PREMIUM"
	CloudBSSD    DiskType = "CLOUD_BSSD"
	CloudHSSD    DiskType = "CLOUD_HSSD"
	CloudTSSD    DiskType = "CLOUD_TSSD"
)

// DiskTypes lists every DiskType.
var DiskTypes = []DiskType{LocalBasic, LocalSSD, CloudBasic, CloudSSD, CloudPremium, CloudBSSD, CloudHSSD, CloudTSSD}

// Local reports whether d is a local (instance-attached) disk.
func (d DiskType) Local() bool { return d == LocalBasic || d == LocalSSD }

// ChargingMode is the StopChargingMode enum (facts §10); it is also the
// type of the StoppedMode request parameter's two values.
type ChargingMode string

// The StopChargingMode values.
const (
	KeepCharging  ChargingMode = "KEEP_CHARGING"
	StopCharging  ChargingMode = "STOP_CHARGING"
	NotApplicable ChargingMode = "NOT_APPLICABLE"
)

// StopType is the StopInstances StopType parameter (seed §2).
type StopType string

// The StopType values (seed §2).
const (
	SoftFirst StopType = "SOFT_FIRST"
	Hard      StopType = "HARD"
	Soft      StopType = "SOFT"
)

// Tri is a three-valued truth: the model's way of saying "the sources, or
// what the suite can see, do not decide".
type Tri uint8

// The three values of Tri.
const (
	No Tri = iota
	Yes
	Maybe
)

func (t Tri) String() string {
	switch t {
	case No:
		return "no"
	case Yes:
		return "yes"
	}
	return "maybe"
}

// Can reports whether the value may be true.
func (t Tri) Can() bool { return t != No }

// CanNot reports whether the value may be false.
func (t Tri) CanNot() bool { return t != Yes }

// TriOf turns a bool into a decided Tri.
func TriOf(b bool) Tri {
	if b {
		return Yes
	}
	return No
}

// Article is the indefinite article before the state's name as English
// reads it aloud: "an ENTER_RESCUE_MODE instance", "a RUNNING one".
func (s InstanceState) Article() string {
	if s != "" && strings.ContainsRune("AEIOU", rune(s[0])) {
		return "an"
	}
	return "a"
}
