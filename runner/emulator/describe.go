package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// DescribeInstances: the page of the caller's instances in the request's
// region that match its InstanceIds or Filters (facts §9). The scan is
// O(fleet) in time but allocates only for the page: each instance's JSON is
// rendered once and cached until the instance changes.

// describe renders DescribeInstances' answer fields,
// {"TotalCount":n,"InstanceSet":[…]}, from the cached instance renderings.
// The caller holds the store lock.
func (s *store) describe(account, region string, j model.Judgement, ids []string) tcapi.RawObject {
	buf := make([]byte, 0, 1024*min(j.Limit, 20))
	buf = append(buf, `{"InstanceSet":[`...)
	buf, total := s.describePage(buf, account, region, j, ids)
	buf = append(buf, `],"TotalCount":`...)
	buf = strconv.AppendInt(buf, int64(total), 10)
	return append(buf, '}')
}

// describePage appends the page's rendered instances to buf and returns
// it with the total number of matches. The caller holds the store lock.
func (s *store) describePage(buf []byte, account, region string, j model.Judgement, ids []string) ([]byte, int) {
	want := idSet(ids)
	total, listed := 0, 0
	for _, r := range s.accounts[account] {
		if !r.matches(region, want, j.Filters) {
			continue
		}
		total++
		if total <= j.Offset || listed >= j.Limit {
			continue
		}
		if listed > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, r.render()...)
		listed++
	}
	return buf, total
}

// describeAs renders DescribeInstances' answer fields like describe, in
// form f: the matches in fixture order or newest first (Offset and Limit
// page over that order), each instance as instanceAs makes it. Nothing is
// cached: it is the slow path of the response-form variants. The caller
// holds the store lock.
func (s *store) describeAs(f form, account, region string, j model.Judgement, ids []string) tcapi.RawObject {
	want := idSet(ids)
	var matched []*record
	for _, r := range s.accounts[account] {
		if r.matches(region, want, j.Filters) {
			matched = append(matched, r)
		}
	}
	if f.newest {
		slices.Reverse(matched)
	}
	from := min(max(j.Offset, 0), len(matched))
	page := matched[from : from+max(0, min(j.Limit, len(matched)-from))]
	buf := append([]byte(nil), `{"InstanceSet":[`...)
	for i, r := range page {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, instanceAs(f, r.render())...)
	}
	buf = append(buf, `],"TotalCount":`...)
	buf = strconv.AppendInt(buf, int64(len(matched)), 10)
	return append(buf, '}')
}

// idSet is the set of the requested InstanceIds; nil when none are.
func idSet(ids []string) map[string]bool {
	if len(ids) == 0 {
		return nil
	}
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	return want
}

// matches reports whether DescribeInstances lists the instance: not
// terminated, in region (any if ""), among want (any if nil), and
// matching the filters.
func (r *record) matches(region string, want map[string]bool, filters []model.Filter) bool {
	p := &r.inst
	return p.State != model.Terminated && (region == "" || r.region == region) &&
		(want == nil || want[p.ID]) && matchesFilters(p, filters)
}

// matchesFilters evaluates the filters the emulator supports (facts §9):
// every filter must match; a filter matches if any of its values does.
// Filters on fields the emulator does not keep match nothing, except tag
// filters, which use the fixture's tags.
func matchesFilters(p *model.Instance, filters []model.Filter) bool {
	for _, f := range filters {
		if !matchesFilter(p, f) {
			return false
		}
	}
	return true
}

func matchesFilter(p *model.Instance, f model.Filter) bool {
	for _, v := range f.Values {
		switch f.Name {
		case "instance-id":
			if v == p.ID {
				return true
			}
		case "instance-state":
			if v == string(p.State) {
				return true
			}
		case "zone":
			if v == p.Zone {
				return true
			}
		case "instance-charge-type":
			if v == string(p.ChargeType) {
				return true
			}
		}
	}
	return false
}

// wireInstance is the Instance structure of DescribeInstances, with the
// SDK's field names and types ([SDK-cvm] models.go Instance; facts §9).
type wireInstance struct {
	Placement                placement  `json:"Placement"`
	InstanceID               string     `json:"InstanceId"`
	InstanceType             string     `json:"InstanceType"`
	CPU                      int        `json:"CPU"`
	Memory                   int        `json:"Memory"`
	RestrictState            string     `json:"RestrictState"`
	InstanceName             string     `json:"InstanceName"`
	InstanceChargeType       string     `json:"InstanceChargeType"`
	SystemDisk               wireDisk   `json:"SystemDisk"`
	DataDisks                []wireDisk `json:"DataDisks"`
	PrivateIPAddresses       []string   `json:"PrivateIpAddresses"`
	PublicIPAddresses        []string   `json:"PublicIpAddresses"`
	CreatedTime              string     `json:"CreatedTime"`
	ExpiredTime              *string    `json:"ExpiredTime"`
	InstanceState            string     `json:"InstanceState"`
	StopChargingMode         string     `json:"StopChargingMode"`
	UUID                     string     `json:"Uuid"`
	LatestOperation          *string    `json:"LatestOperation"`
	LatestOperationState     *string    `json:"LatestOperationState"`
	LatestOperationRequestID *string    `json:"LatestOperationRequestId"`
	LatestOperationErrorMsg  *string    `json:"LatestOperationErrorMsg"`
	IsolatedSource           string     `json:"IsolatedSource"`
	Tags                     []wireTag  `json:"Tags"`
}

type placement struct {
	Zone      string `json:"Zone"`
	ProjectID int    `json:"ProjectId"`
}

type wireDisk struct {
	DiskType string `json:"DiskType"`
	DiskID   string `json:"DiskId"`
	DiskSize int    `json:"DiskSize"`
}

type wireTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// render returns the instance's DescribeInstances JSON, cached.
func (r *record) render() []byte {
	if r.json == nil {
		b, err := json.Marshal(r.wire())
		if err != nil {
			panic(err) // a plain struct of strings and ints always marshals
		}
		r.json = b
	}
	return r.json
}

func (r *record) wire() wireInstance {
	p, x := r.inst, r.extra
	w := wireInstance{
		Placement:          placement{Zone: p.Zone},
		InstanceID:         p.ID,
		InstanceType:       orDefault(x.InstanceType, "S5.MEDIUM4"),
		CPU:                max(x.CPU, 1),
		Memory:             max(x.Memory, 1),
		RestrictState:      "NORMAL",
		InstanceName:       orDefault(x.Name, p.ID),
		InstanceChargeType: string(p.ChargeType),
		SystemDisk:         wireDisk{DiskType: string(p.SystemDisk), DiskID: "disk-" + p.ID[4:], DiskSize: max(x.SystemDisk.Size, 50)},
		DataDisks:          []wireDisk{},
		PrivateIPAddresses: []string{orDefault(x.PrivateIP, privateIP(p.ID))},
		CreatedTime:        orDefault(x.CreatedTime, "2024-01-01T00:00:00Z"),
		InstanceState:      string(p.State),
		StopChargingMode:   string(p.StopChargingMode),
		UUID:               uuidOf(p.ID),
		IsolatedSource:     "NOTISOLATED",
		Tags:               []wireTag{},
	}
	for i, d := range x.DataDisks {
		w.DataDisks = append(w.DataDisks, wireDisk{DiskType: d.Type, DiskID: fmt.Sprintf("disk-%s%d", p.ID[4:], i), DiskSize: d.Size})
	}
	if x.PublicIP != "" {
		w.PublicIPAddresses = []string{x.PublicIP}
	}
	for _, t := range x.Tags {
		w.Tags = append(w.Tags, wireTag{Key: t.Key, Value: t.Value})
	}
	if p.ChargeType == model.Prepaid {
		exp := "2027-01-01T00:00:00Z"
		w.ExpiredTime = &exp
	}
	switch {
	case p.RestrictState == "EXPIRED", p.RestrictState == "" && p.State == model.Shutdown:
		w.RestrictState, w.IsolatedSource = "EXPIRED", "EXPIRE"
	case p.RestrictState != "":
		w.RestrictState = p.RestrictState
		if model.Restricted(p) {
			w.IsolatedSource = "MANMADE"
		}
	}
	w.LatestOperation = nullable(p.LatestOperation)
	w.LatestOperationState = nullable(string(p.LatestOperationState))
	w.LatestOperationRequestID = nullable(p.LatestOperationRequestID)
	if p.LatestOperationState == model.OpFailed && p.LatestOperation == model.ActionStop {
		msg := "the guest did not shut down within the soft-shutdown timeout; use StopType SOFT_FIRST or HARD to force it"
		w.LatestOperationErrorMsg = &msg
	}
	return w
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// uuidOf derives a stable UUID-shaped identifier from an instance ID.
func uuidOf(id string) string {
	h := sha256.Sum256([]byte(id))
	x := hex.EncodeToString(h[:16])
	return strings.Join([]string{x[:8], x[8:12], x[12:16], x[16:20], x[20:32]}, "-")
}

func privateIP(id string) string {
	h := sha256.Sum256([]byte(id))
	return fmt.Sprintf("10.%d.%d.%d", h[0], h[1], 1+h[2]%250)
}
