package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/cvmconform/cvmconform/fixtures"
	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Scenario is a short deterministic request script over named instance
// roles, as fixtures/scenarios/<name>.json writes it (the format is in
// fixtures/README.md). Requests name roles ("$running1"), never real
// IDs: the Player binds each role to an instance of the target.
type Scenario struct {
	// Name is the file name without ".json"; it names the record.
	Name string `json:"-"`
	// Title says in one line what the scenario shows.
	Title string `json:"title"`
	// Source cites the clause the scenario comes from (seed §N, facts §N).
	Source string `json:"source"`
	// Comment is free text for the reader of the scenario file.
	Comment string `json:"comment,omitempty"`
	// Roles declares every role the steps name.
	Roles map[string]Role `json:"roles,omitempty"`
	// Normalise tunes the normalisation of every response.
	Normalise Normalisation `json:"normalise"`
	// Steps are played in order.
	Steps []Step `json:"steps"`
}

// Role is what a role must be bound to. In a scenario file it is either a
// state ("RUNNING") or an object ({"state": "RUNNING", "chargeType":
// "PREPAID"}).
type Role struct {
	// State is RUNNING or STOPPED (an allow-listed instance settled in that
	// state), or NONEXISTENT (well-formed IDs that no instance of the
	// fleet has).
	State model.InstanceState `json:"state"`
	// ChargeType, if set, restricts a RUNNING or STOPPED role to instances
	// of that charge type.
	ChargeType model.ChargeType `json:"chargeType,omitempty"`
	// Count is how many IDs a NONEXISTENT role stands for (1 if zero); a
	// role of several IDs is spliced into the array that names it.
	Count int `json:"count,omitempty"`
}

// Nonexistent is the pseudo-state of a role bound to IDs no instance has.
const Nonexistent model.InstanceState = "NONEXISTENT"

// UnmarshalJSON reads a role written as a state or as an object.
func (r *Role) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*r = Role{State: model.InstanceState(s)}
		return nil
	}
	type plain Role
	var p plain
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return err
	}
	*r = Role(p)
	return nil
}

// String renders the role as the record's header shows it, e.g.
// "RUNNING", "RUNNING/PREPAID", "101×NONEXISTENT".
func (r Role) String() string {
	s := string(r.State)
	if r.ChargeType != "" {
		s += "/" + string(r.ChargeType)
	}
	if r.Count > 1 {
		s = fmt.Sprintf("%d×%s", r.Count, s)
	}
	return s
}

// Normalisation tunes how a scenario's responses are normalised; the
// defaults are in Normalise's doc.
type Normalisation struct {
	// Exclude lists paths dropped from every response, e.g.
	// "Response.Error.Message"; "#" stands for any array index.
	Exclude []string `json:"exclude,omitempty"`
	// Keep lists instance inventory paths whose values are kept as they
	// are instead of being reduced to their shape, e.g.
	// "Response.InstanceSet.#.SystemDisk.DiskType".
	Keep []string `json:"keep,omitempty"`
	// TotalCount keeps DescribeInstances' TotalCount, which otherwise
	// depends on the whole fleet and is dropped.
	TotalCount bool `json:"totalCount,omitempty"`
}

// Step is one request of a scenario (or, with Burst, one burst of
// identical requests).
type Step struct {
	// Name says what the step does, for the record and for drift reports.
	Name string `json:"name"`
	// Action is StopInstances, StartInstances or DescribeInstances.
	Action string `json:"action"`
	// Params are the action parameters in order; a string "$role" is
	// replaced by the role's instance ID.
	Params Params `json:"params,omitempty"`
	// Style is the request style: "tc3" (the default: POST JSON,
	// TC3-HMAC-SHA256), "tc3get", or a v1 style "v1get-hmacsha1",
	// "v1get-hmacsha256", "v1post-hmacsha1", "v1post-hmacsha256"
	// ("hmacsha256" and "hmacsha1" are the styles of run --signature).
	Style string `json:"style,omitempty"`
	// Settle lists roles to wait for, after the step, until they are in a
	// stable state; the polls are not recorded.
	Settle []string `json:"settle,omitempty"`
	// Accept maps a path to values that all read the same, for a
	// response whose exact value is a race (a describe while an operation
	// is in flight): a value in the list becomes "<A|B>", any other value
	// is recorded as it is.
	Accept map[string][]string `json:"accept,omitempty"`
	// Burst, when above 1, sends the request that many times at once,
	// without the pacer, and records only the shape of the answers: how
	// many ended in each outcome, not their order.
	Burst int `json:"burst,omitempty"`
}

// Params are action parameters in the order a scenario writes them.
type Params []Param

// Param is one action parameter: a name and its JSON value.
type Param struct {
	Name  string
	Value json.RawMessage
}

// UnmarshalJSON reads a JSON object, keeping its keys' order.
func (ps *Params) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return errors.New("params: want a JSON object")
	}
	*ps = nil
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		*ps = append(*ps, Param{Name: t.(string), Value: v})
	}
	_, err := dec.Token()
	return err
}

// MarshalJSON writes the parameters compactly, in order.
func (ps Params) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(p.Name)
		b.Write(k)
		b.WriteByte(':')
		if err := json.Compact(&b, p.Value); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// styles maps a scenario's style names to request styles.
var styles = map[string]runner.Signing{
	"":                  runner.SignTC3,
	"tc3":               runner.SignTC3,
	"tc3get":            {Style: tcapi.StyleTC3Get},
	"hmacsha256":        runner.SignHmacSHA256,
	"hmacsha1":          runner.SignHmacSHA1,
	"v1get-hmacsha1":    {Style: tcapi.StyleV1Get, V1Method: tcapi.HmacSHA1},
	"v1get-hmacsha256":  {Style: tcapi.StyleV1Get, V1Method: tcapi.HmacSHA256},
	"v1post-hmacsha1":   {Style: tcapi.StyleV1PostForm, V1Method: tcapi.HmacSHA1},
	"v1post-hmacsha256": {Style: tcapi.StyleV1PostForm, V1Method: tcapi.HmacSHA256},
}

// Summary renders the step's request in one line as the scenario writes
// it, with roles rather than IDs, e.g.
//
//	StopInstances {"InstanceIds":["$running1"]} (tc3); then settle $running1
func (s Step) Summary() string {
	params, err := json.Marshal(s.Params)
	if err != nil {
		params = []byte("(unprintable)")
	}
	out := fmt.Sprintf("%s %s (%s)", s.Action, params, orDefault(s.Style, "tc3"))
	if s.Burst > 1 {
		out += fmt.Sprintf(" ×%d at once, unpaced", s.Burst)
	}
	if len(s.Settle) > 0 {
		out += "; then settle " + strings.Join(s.Settle, ", ")
	}
	return out
}

var (
	scenarioName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	roleName     = regexp.MustCompile(`^\$[a-z][a-z0-9]*$`)
)

// ParseScenario decodes and validates a scenario file's JSON. Unknown
// fields, undeclared roles, unknown actions or styles and malformed paths
// are errors that name the step.
func ParseScenario(name string, b []byte) (*Scenario, error) {
	if !scenarioName.MatchString(name) {
		return nil, fmt.Errorf("scenario %q: a name is lower-case letters, digits and dashes", name)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	sc := &Scenario{}
	if err := dec.Decode(sc); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", name, err)
	}
	sc.Name = name
	if err := sc.validate(); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", name, err)
	}
	return sc, nil
}

func (sc *Scenario) validate() error {
	if sc.Title == "" || sc.Source == "" || len(sc.Steps) == 0 {
		return errors.New("a scenario needs a title, a source and at least one step")
	}
	for name, r := range sc.Roles {
		if !roleName.MatchString(name) {
			return fmt.Errorf("role %q: a role is $ and lower-case letters and digits", name)
		}
		switch r.State {
		case model.Running, model.Stopped:
			if r.Count > 1 {
				return fmt.Errorf("role %s: only a NONEXISTENT role stands for several IDs", name)
			}
			if r.ChargeType != "" && !slices.Contains(model.ChargeTypes, r.ChargeType) {
				return fmt.Errorf("role %s: chargeType %q is not one of %v", name, r.ChargeType, model.ChargeTypes)
			}
		case Nonexistent:
			if r.ChargeType != "" {
				return fmt.Errorf("role %s: a NONEXISTENT role has no charge type", name)
			}
		default:
			return fmt.Errorf("role %s: state %q is not RUNNING, STOPPED or NONEXISTENT (the states a snapshot can count on)", name, r.State)
		}
	}
	for _, p := range append(append([]string(nil), sc.Normalise.Exclude...), sc.Normalise.Keep...) {
		if err := checkPath(p); err != nil {
			return err
		}
	}
	for i, st := range sc.Steps {
		if err := sc.validateStep(st); err != nil {
			return fmt.Errorf("step %d (%s): %w", i+1, st.Name, err)
		}
	}
	return nil
}

func (sc *Scenario) validateStep(st Step) error {
	if st.Name == "" {
		return errors.New("a step needs a name")
	}
	if !model.Modeled(st.Action) {
		return fmt.Errorf("action %q is not StopInstances, StartInstances or DescribeInstances", st.Action)
	}
	if _, ok := styles[st.Style]; !ok {
		return fmt.Errorf("style %q is not tc3, tc3get, v1get-hmacsha1, v1get-hmacsha256, v1post-hmacsha1 or v1post-hmacsha256", st.Style)
	}
	if st.Burst < 0 || (st.Burst > 1 && len(st.Settle) > 0) {
		return errors.New("a burst is a positive count, and settles nothing")
	}
	for _, p := range st.Params {
		var v any
		if err := json.Unmarshal(p.Value, &v); err != nil {
			return fmt.Errorf("param %s: %w", p.Name, err)
		}
		for _, ref := range roleRefs(v) {
			if _, ok := sc.Roles[ref]; !ok {
				return fmt.Errorf("param %s names the undeclared role %s", p.Name, ref)
			}
		}
	}
	for _, ref := range st.Settle {
		if r, ok := sc.Roles[ref]; !ok || r.State == Nonexistent {
			return fmt.Errorf("settle names %s, which is not a declared RUNNING or STOPPED role", ref)
		}
	}
	for p := range st.Accept {
		if err := checkPath(p); err != nil {
			return err
		}
	}
	return nil
}

// roleRefs lists the strings of v that look like roles.
func roleRefs(v any) []string {
	switch v := v.(type) {
	case string:
		if strings.HasPrefix(v, "$") {
			return []string{v}
		}
	case []any:
		var out []string
		for _, it := range v {
			out = append(out, roleRefs(it)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, it := range v {
			out = append(out, roleRefs(it)...)
		}
		return out
	}
	return nil
}

// Scenarios returns the scenarios of fixtures/scenarios, sorted by name.
// An error names the file that does not parse.
func Scenarios() ([]*Scenario, error) {
	var out []*Scenario
	for _, name := range fixtures.ScenarioNames() {
		b, err := fixtures.Scenario(name)
		if err != nil {
			return nil, err
		}
		sc, err := ParseScenario(name, b)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, nil
}

// Select returns the scenarios whose names are in names, in their order;
// all of them when names is empty. An unknown name is an error that lists
// the known ones.
func Select(all []*Scenario, names []string) ([]*Scenario, error) {
	if len(names) == 0 {
		return all, nil
	}
	var out []*Scenario
	for _, n := range names {
		i := slices.IndexFunc(all, func(sc *Scenario) bool { return sc.Name == n })
		if i < 0 {
			known := make([]string, len(all))
			for j, sc := range all {
				known[j] = sc.Name
			}
			return nil, fmt.Errorf("no scenario %q (known: %s)", n, strings.Join(known, ", "))
		}
		out = append(out, all[i])
	}
	return out, nil
}

// PlayOrder returns the scenarios in the order to play them: those with
// a burst last, each group in its given order. A burst leaves the target's
// rate-limit window full, so whatever follows it waits a second; played
// last, nothing does.
func PlayOrder(all []*Scenario) []*Scenario {
	out := slices.Clone(all)
	slices.SortStableFunc(out, func(a, b *Scenario) int { return cmpBool(a.bursts(), b.bursts()) })
	return out
}

func (sc *Scenario) bursts() bool {
	return slices.ContainsFunc(sc.Steps, func(st Step) bool { return st.Burst > 1 })
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
