package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/fixtures"
	"github.com/cvmconform/cvmconform/model"
)

// FleetFile is the JSON fixture format of fixtures/fleets/*.json: accounts,
// each owning an isolated fleet of instances (documented in
// fixtures/README.md).
type FleetFile struct {
	Comment  string    `json:"comment,omitempty"`
	Accounts []Account `json:"accounts"`
}

// Account is one account of a fleet fixture. Credentials are not part of
// a fixture: the emulator is given or generates them.
type Account struct {
	Name      string            `json:"name"`
	Instances []FixtureInstance `json:"instances"`

	// RequiresMFA: the account's operation protection requires MFA for
	// StopInstances, which a request cannot carry: every stop the rules
	// would serve is answered UnauthorizedOperation.MFANotFound (SDK cvm
	// client.go; ledger L-29).
	RequiresMFA bool `json:"requiresMfa,omitempty"`
}

// FixtureInstance is one instance as a fixture writes it. Fields the
// model judges become a model.Instance; the others are what
// DescribeInstances reports (facts §9).
type FixtureInstance struct {
	ID                       string   `json:"id"`
	Name                     string   `json:"name,omitempty"`
	Zone                     string   `json:"zone"`
	State                    string   `json:"state"`
	ChargeType               string   `json:"chargeType"`
	SystemDisk               Disk     `json:"systemDisk"`
	DataDisks                []Disk   `json:"dataDisks,omitempty"`
	InstanceType             string   `json:"instanceType,omitempty"`
	CPU                      int      `json:"cpu,omitempty"`
	Memory                   int      `json:"memory,omitempty"`
	StopChargingMode         string   `json:"stopChargingMode,omitempty"`
	LatestOperation          string   `json:"latestOperation,omitempty"`
	LatestOperationState     string   `json:"latestOperationState,omitempty"`
	LatestOperationRequestID string   `json:"latestOperationRequestId,omitempty"`
	CreatedTime              string   `json:"createdTime,omitempty"`
	PrivateIP                string   `json:"privateIp,omitempty"`
	PublicIP                 string   `json:"publicIp,omitempty"`
	Tags                     []Tag    `json:"tags,omitempty"`
	IgnoresSoftStop          bool     `json:"ignoresSoftStop,omitempty"`
	Note                     string   `json:"note,omitempty"`
	_                        struct{} `json:"-"`

	// RestrictState is what DescribeInstances shows in RestrictState
	// (facts §9): NORMAL (the default), EXPIRED or PROTECTIVELY_ISOLATED.
	// A restricted instance refuses stops and starts (ledger L-28).
	RestrictState string `json:"restrictState,omitempty"`
}

// Disk is a system or data disk.
type Disk struct {
	Type string `json:"type"`
	Size int    `json:"size"`
}

// Tag is an instance tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// LoadFleet reads and validates a fleet fixture.
func LoadFleet(path string) (*FleetFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("fleet %q: %w", path, err)
	}
	f, err := ParseFleet(b)
	if err != nil {
		return nil, fmt.Errorf("fleet %q: %w", path, err)
	}
	return f, nil
}

// ParseFleet decodes and validates a fleet fixture: unknown fields, bad
// enum values, malformed or duplicate IDs, and unknown regions are errors
// that name the instance.
func ParseFleet(b []byte) (*FleetFile, error) {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	var f FleetFile
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if len(f.Accounts) == 0 {
		return nil, errors.New("no accounts")
	}
	seen := map[string]bool{}
	names := map[string]bool{}
	for _, a := range f.Accounts {
		if a.Name == "" || names[a.Name] {
			return nil, fmt.Errorf("account name %q is empty or repeated", a.Name)
		}
		names[a.Name] = true
		for i, fi := range a.Instances {
			if seen[fi.ID] {
				return nil, fmt.Errorf("account %s: instance %q appears twice", a.Name, fi.ID)
			}
			seen[fi.ID] = true
			if _, err := fi.instance(a.Name); err != nil {
				return nil, fmt.Errorf("account %s, instance %d (%q): %w", a.Name, i, fi.ID, err)
			}
		}
	}
	return &f, nil
}

// restrictStates are the RestrictState values a fixture may give (facts
// §9), "" for the default NORMAL.
var restrictStates = []string{"", "NORMAL", "EXPIRED", "PROTECTIVELY_ISOLATED"}

// instance converts the fixture to the model's instance.
func (fi FixtureInstance) instance(owner string) (model.Instance, error) {
	p := model.Instance{
		ID: fi.ID, Owner: owner, Zone: fi.Zone,
		State:                    model.InstanceState(fi.State),
		ChargeType:               model.ChargeType(fi.ChargeType),
		SystemDisk:               model.DiskType(fi.SystemDisk.Type),
		StopChargingMode:         model.ChargingMode(fi.StopChargingMode),
		LatestOperation:          fi.LatestOperation,
		LatestOperationState:     model.OperationState(fi.LatestOperationState),
		LatestOperationRequestID: fi.LatestOperationRequestID,
		IgnoresSoftStop:          model.TriOf(fi.IgnoresSoftStop),
		PendingForce:             model.No,
		RestrictState:            fi.RestrictState,
	}
	for _, d := range fi.DataDisks {
		p.LocalDataDisk = p.LocalDataDisk || model.DiskType(d.Type).Local()
		if !contains(model.DiskTypes, model.DiskType(d.Type)) {
			return p, fmt.Errorf("data disk type %q is not one of %v", d.Type, model.DiskTypes)
		}
	}
	if p.StopChargingMode == "" {
		p.StopChargingMode = model.NotApplicable
		if p.State == model.Stopped {
			p.StopChargingMode = model.KeepCharging
		}
	}
	switch {
	case !model.ValidInstanceID(fi.ID):
		return p, fmt.Errorf("id %q is not of the form ins-xxxxxxxx", fi.ID)
	case !p.State.Valid():
		return p, fmt.Errorf("state %q is not one of %v", fi.State, model.InstanceStates)
	case !contains(restrictStates, fi.RestrictState):
		return p, fmt.Errorf("restrictState %q is not one of %v", fi.RestrictState, restrictStates[1:])
	case !contains(model.ChargeTypes, p.ChargeType):
		return p, fmt.Errorf("chargeType %q is not one of %v", fi.ChargeType, model.ChargeTypes)
	case !contains(model.DiskTypes, p.SystemDisk):
		return p, fmt.Errorf("systemDisk.type %q is not one of %v", fi.SystemDisk.Type, model.DiskTypes)
	case !model.KnownRegion(p.Region()):
		return p, fmt.Errorf("zone %q is not in a known region", fi.Zone)
	case !contains([]model.ChargingMode{model.KeepCharging, model.StopCharging, model.NotApplicable}, p.StopChargingMode):
		return p, fmt.Errorf("stopChargingMode %q is not valid", fi.StopChargingMode)
	case !contains([]model.OperationState{model.OpNone, model.OpSuccess, model.OpOperating, model.OpFailed}, p.LatestOperationState):
		return p, fmt.Errorf("latestOperationState %q is not valid", fi.LatestOperationState)
	}
	if fi.CreatedTime != "" {
		if _, err := time.Parse(time.RFC3339, fi.CreatedTime); err != nil {
			return p, fmt.Errorf("createdTime: %w", err)
		}
	}
	return p, nil
}

// GenerateFleet returns a fleet of n instances for one account, in region,
// with states, charge types and disks spread deterministically: the
// benchmark fleet.
func GenerateFleet(account, region string, n int) *FleetFile {
	states := []model.InstanceState{model.Running, model.Running, model.Running, model.Stopped, model.Stopped,
		model.Pending, model.Rebooting, model.LaunchFailed}
	a := Account{Name: account, Instances: make([]FixtureInstance, n)}
	for i := range a.Instances {
		a.Instances[i] = FixtureInstance{
			ID:           fmt.Sprintf("ins-%08x", i),
			Name:         fmt.Sprintf("gen-%d", i),
			Zone:         fmt.Sprintf("%s-%d", region, 1+i%4),
			State:        string(states[i%len(states)]),
			ChargeType:   string([]model.ChargeType{model.PostpaidByHour, model.Prepaid}[i%2]),
			SystemDisk:   Disk{Type: string([]model.DiskType{model.CloudPremium, model.LocalSSD, model.CloudSSD}[i%3]), Size: 50},
			InstanceType: "S5.MEDIUM4", CPU: 2, Memory: 4,
		}
	}
	return &FleetFile{Accounts: []Account{a}}
}

func contains[T comparable](xs []T, x T) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// DefaultFleet returns the embedded default fleet
// (fixtures/fleets/default.json).
func DefaultFleet() *FleetFile {
	b, err := fixtures.Fleet(fixtures.DefaultFleet)
	if err == nil {
		var f *FleetFile
		if f, err = ParseFleet(b); err == nil {
			return f
		}
	}
	panic(fmt.Sprintf("emulator: the embedded default fleet is broken: %v", err)) // caught by TestDefaultFleet
}
