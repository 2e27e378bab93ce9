package model

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The actions the model knows, their parameters, and the checks on those
// parameters that need no fleet: presence, types, batch size, ID format,
// enum values and combinations (seed §2; facts §7, §8, §9).

// The API version and the modelled actions (seed §2; facts §7–§9).
const (
	APIVersion     = "2017-03-12"
	ActionStop     = "StopInstances"
	ActionStart    = "StartInstances"
	ActionDescribe = "DescribeInstances"
)

// unmodeledActions are real CVM 2017-03-12 actions the model does not
// model: a target must not answer them with InvalidAction, and the model
// abstains on them (ledger L-22).
var unmodeledActions = []string{
	"RunInstances", "RebootInstances", "TerminateInstances", "ResetInstance",
	"ResizeInstanceDisks", "ModifyInstancesAttribute", "ResetInstancesType",
	"ResetInstancesPassword", "DescribeInstancesStatus", "DescribeZones",
	"DescribeRegions", "DescribeInstanceTypeConfigs", "DescribeInstanceFamilyConfigs",
	"DescribeZoneInstanceConfigInfos", "InquiryPriceRunInstances", "DescribeImages",
	"DescribeKeyPairs", "RenewInstances", "ModifyInstancesChargeType",
	"DescribeInstanceVncUrl", "DescribeInstancesOperationLimit",
}

// instanceIDPattern is the documented instance ID format (facts §11).
var instanceIDPattern = regexp.MustCompile(`^ins-[a-z0-9]{8}$`)

// ValidInstanceID reports whether id has the documented form
// ins-xxxxxxxx, x a lower-case letter or digit (facts §11).
func ValidInstanceID(id string) bool { return instanceIDPattern.MatchString(id) }

// DescribeFilters are the filter names DescribeInstances defines (facts §9),
// besides the tag:<key> family.
var DescribeFilters = []string{
	"zone", "project-id", "host-id", "dedicated-cluster-id", "vpc-id", "subnet-id",
	"instance-id", "uuid", "security-group-id", "instance-name", "instance-charge-type",
	"instance-state", "private-ip-address", "public-ip-address", "ipv6-address",
	"tag-key", "tag-value", "creation-start-time", "creation-end-time",
}

// Documented limits (seed §1; facts §9).
const (
	MaxBatch             = 100
	DescribeDefaultLimit = 20
	DescribeMaxLimit     = 100
	MaxFilters           = 10
	MaxFilterValues      = 5
)

type paramKind uint8

const (
	kindString paramKind = iota
	kindBool
	kindInt
	kindIDList
	kindFilters
)

type paramSpec struct {
	name     string
	kind     paramKind
	required bool
	enum     []string // allowed values of a string parameter
	enumRule *Rule
}

type actionSpec struct {
	name   string
	params []paramSpec
}

var actionSpecs = map[string]*actionSpec{
	ActionStop: {ActionStop, []paramSpec{
		{name: "InstanceIds", kind: kindIDList, required: true},
		{name: "ForceStop", kind: kindBool},
		{name: "StopType", kind: kindString, enum: []string{string(SoftFirst), string(Hard), string(Soft)}, enumRule: RuleStopTypeValue},
		{name: "StoppedMode", kind: kindString, enum: []string{string(KeepCharging), string(StopCharging)}, enumRule: RuleStoppedModeValue},
	}},
	ActionStart: {ActionStart, []paramSpec{
		{name: "InstanceIds", kind: kindIDList, required: true},
	}},
	ActionDescribe: {ActionDescribe, []paramSpec{
		{name: "InstanceIds", kind: kindIDList},
		{name: "Filters", kind: kindFilters},
		{name: "Offset", kind: kindInt},
		{name: "Limit", kind: kindInt},
	}},
}

// ParamNames returns the names of action's parameters (seed §2), nil for
// an action the model does not judge.
func ParamNames(action string) []string {
	spec := actionSpecs[action]
	if spec == nil {
		return nil
	}
	names := make([]string, len(spec.params))
	for i, p := range spec.params {
		names[i] = p.name
	}
	return names
}

// Modeled reports whether the model judges action in full.
func Modeled(action string) bool { return actionSpecs[action] != nil }

// Intent is what a successful StopInstances will do, read from its
// parameters (seed §2): whether a failed soft shutdown is forced, and the
// StoppedMode asked for.
type Intent struct {
	Force Tri
	Mode  ChargingMode
}

// Filter is one DescribeInstances filter as parsed.
type Filter struct {
	Name   string
	Values []string
}

// parsed is what the request-level checks read from the parameters.
type parsed struct {
	violations []Violation
	ids        []string // distinct, well-formed instance IDs, in request order
	intent     Intent
	filters    []Filter
	offset     int
	limit      int
	hasIDs     bool
	hasFilters bool
}

// parseParams applies the presence, type, batch, ID-format, enum and
// combination rules of spec to r's parameters.
func parseParams(spec *actionSpec, r Request) parsed {
	p := parsed{limit: DescribeDefaultLimit}
	known := map[string]*paramSpec{}
	for i := range spec.params {
		known[spec.params[i].name] = &spec.params[i]
	}
	// Presence: unknown parameters (facts §6 UnknownParameter).
	for _, name := range slices.Sorted(maps.Keys(r.Params)) {
		if known[name] == nil {
			p.add(violate(RuleParamUnknown, fmt.Sprintf("%s is not a parameter of %s", name, spec.name)))
		}
	}
	var force, stopType, stoppedMode *string
	for i := range spec.params {
		ps := &spec.params[i]
		v, ok := r.Params[ps.name]
		if ok && v.Kind == KindNull {
			if !ps.required {
				p.add(violate(RuleParamNull, ps.name+" is null"))
			}
			ok = false
		}
		if !ok {
			if ps.required {
				p.add(violate(RuleParamMissing, ps.name+" is missing"))
			}
			continue
		}
		switch ps.kind {
		case kindIDList:
			p.hasIDs = p.checkIDList(ps, v, r.Encoding) || p.hasIDs
		case kindFilters:
			p.hasFilters = p.checkFilters(v)
		case kindBool:
			if b, ok := p.checkBool(ps.name, v, r.Encoding); ok {
				force = &b
			}
		case kindInt:
			if n, ok := p.checkInt(ps.name, v, r.Encoding); ok {
				p.checkRange(ps.name, n)
			}
		case kindString:
			if s, ok := p.checkString(ps, v); ok {
				switch ps.name {
				case "StopType":
					stopType = &s
				case "StoppedMode":
					stoppedMode = &s
				}
			}
		}
	}
	p.intent = stopIntent(force, stopType, stoppedMode)
	if force != nil && stopType != nil {
		p.add(violate(RuleForceAndStopType, fmt.Sprintf("ForceStop=%s with StopType=%s", *force, *stopType)))
	}
	if p.hasIDs && p.hasFilters {
		p.add(violate(RuleIDsAndFilters, "both InstanceIds and Filters are given"))
	}
	return p
}

func (p *parsed) add(v Violation) { p.violations = append(p.violations, v) }

// checkIDList applies the type, emptiness, batch and format rules to an
// InstanceIds value and records the well-formed IDs. It reports whether
// the list names any ID.
func (p *parsed) checkIDList(ps *paramSpec, v Value, enc Encoding) bool {
	if v.Kind != KindArray {
		p.add(violate(RuleType, fmt.Sprintf("%s is a %s, not an array of strings", ps.name, v.Kind)))
		return false
	}
	if len(v.Items) == 0 {
		if ps.required {
			p.add(violate(RuleParamEmpty, ps.name+" is an empty list"))
		} else {
			p.add(violate(RuleParamEmptyString, ps.name+" is an empty list"))
		}
		return false
	}
	var ids []string
	for i, it := range v.Items {
		if it.Kind != KindString {
			p.add(violate(RuleType, fmt.Sprintf("%s[%d] is a %s, not a string", ps.name, i, it.Kind)))
			continue
		}
		ids = append(ids, it.Text)
	}
	distinct := Distinct(ids)
	switch {
	case len(distinct) > MaxBatch:
		p.add(violate(RuleBatchLimit, fmt.Sprintf("%s names %d instances; the maximum is %d", ps.name, len(distinct), MaxBatch)))
	case len(ids) > MaxBatch:
		p.add(violate(RuleBatchLimitDuplicates, fmt.Sprintf("%s has %d entries but only %d distinct IDs", ps.name, len(ids), len(distinct))))
	}
	if len(distinct) < len(ids) {
		p.add(violate(RuleDuplicates, fmt.Sprintf("%s names %s more than once", ps.name, firstDuplicate(ids))))
	}
	var malformed, upper []string
	for _, id := range distinct {
		switch {
		case ValidInstanceID(id):
			p.ids = append(p.ids, id)
		case ValidInstanceID(strings.ToLower(id)):
			upper = append(upper, id)
		default:
			malformed = append(malformed, id)
		}
	}
	if len(malformed) > 0 {
		p.add(violate(RuleIDMalformed, "malformed "+quoteSome(malformed)))
	}
	if len(upper) > 0 {
		p.add(violate(RuleIDCase, "upper-case "+quoteSome(upper)))
	}
	return len(ids) > 0
}

// checkFilters applies the type, limit and name rules to Filters.
func (p *parsed) checkFilters(v Value) bool {
	if v.Kind != KindArray {
		p.add(violate(RuleType, "Filters is a "+v.Kind.String()+", not an array of filters"))
		return false
	}
	if len(v.Items) == 0 {
		p.add(violate(RuleParamEmptyString, "Filters is an empty list"))
		return false
	}
	if len(v.Items) > MaxFilters {
		p.add(violate(RuleFilterLimit, fmt.Sprintf("%d filters; the maximum is %d", len(v.Items), MaxFilters)))
	}
	for i, f := range v.Items {
		name, hasName := f.Fields["Name"]
		values, hasValues := f.Fields["Values"]
		if f.Kind != KindObject || !hasName || name.Kind != KindString || !hasValues || values.Kind != KindArray {
			p.add(violate(RuleType, fmt.Sprintf("Filters[%d] is not {Name: string, Values: [string]}", i)))
			continue
		}
		flt := Filter{Name: name.Text}
		for _, it := range values.Items {
			if it.Kind != KindString {
				p.add(violate(RuleType, fmt.Sprintf("Filters[%d].Values has a %s", i, it.Kind)))
				continue
			}
			flt.Values = append(flt.Values, it.Text)
		}
		if len(values.Items) > MaxFilterValues {
			p.add(violate(RuleFilterLimit, fmt.Sprintf("Filters[%d] has %d values; the maximum is %d", i, len(values.Items), MaxFilterValues)))
		}
		if !contains(DescribeFilters, flt.Name) && !strings.HasPrefix(flt.Name, "tag:") {
			p.add(violate(RuleFilterName, fmt.Sprintf("Filters[%d].Name %q is not a DescribeInstances filter", i, flt.Name)))
		}
		p.filters = append(p.filters, flt)
	}
	return true
}

// checkBool reads a Boolean parameter. JSON must carry true/false; a form
// carries "true"/"false". Other spellings of the two words are coercible
// (ledger L-17): the seed itself writes TRUE/FALSE. So is, in a form,
// every spelling Go's strconv.ParseBool reads (1, 0, t, F, True…): the
// seed's Type column says Boolean, not how a form spells one, and a
// server that reads a form with ParseBool breaks no source.
func (p *parsed) checkBool(name string, v Value, enc Encoding) (string, bool) {
	word := strings.ToLower(v.Text)
	formBool, formErr := strconv.ParseBool(v.Text)
	switch {
	case enc == EncJSON && v.Kind == KindBool, enc == EncForm && v.Kind == KindString && (v.Text == "true" || v.Text == "false"):
		return v.Text, true
	case v.Kind == KindString && (word == "true" || word == "false"):
		p.add(violate(RuleTypeCoercible, fmt.Sprintf("%s is the string %q, not a boolean", name, v.Text)))
		return word, true
	case enc == EncForm && v.Kind == KindString && formErr == nil:
		p.add(violate(RuleTypeCoercible, fmt.Sprintf("%s is %q, a boolean only as strconv.ParseBool reads it", name, v.Text)))
		return strconv.FormatBool(formBool), true
	}
	p.add(violate(RuleType, fmt.Sprintf("%s is %s, not a boolean", name, v)))
	return "", false
}

// checkInt reads an Integer parameter: a JSON integer, or digits in a form;
// digits in a JSON string are coercible (ledger L-17).
func (p *parsed) checkInt(name string, v Value, enc Encoding) (int, bool) {
	n, err := strconv.Atoi(v.Text)
	switch {
	case err == nil && (v.Kind == KindNumber || enc == EncForm && v.Kind == KindString):
		return n, true
	case err == nil && v.Kind == KindString:
		p.add(violate(RuleTypeCoercible, fmt.Sprintf("%s is the string %q, not an integer", name, v.Text)))
		return n, true
	}
	p.add(violate(RuleType, fmt.Sprintf("%s is %s, not an integer", name, v)))
	return 0, false
}

func (p *parsed) checkRange(name string, n int) {
	switch {
	case n < 0:
		p.add(violate(RuleDescribeRange, fmt.Sprintf("%s=%d is negative", name, n)))
	case name == "Offset":
		p.offset = n
	case n > DescribeMaxLimit || n == 0:
		p.add(violate(RuleDescribeLimitMax, fmt.Sprintf("Limit=%d is outside 1..%d", n, DescribeMaxLimit)))
		p.limit = min(max(n, 1), DescribeMaxLimit)
	default:
		p.limit = n
	}
}

// checkString reads a String parameter and, for an enum, its value. A
// value equal to a valid one but for letter case is coercible (ledger
// L-04); an empty string may be taken as absent (ledger L-17).
func (p *parsed) checkString(ps *paramSpec, v Value) (string, bool) {
	if v.Kind != KindString {
		p.add(violate(RuleType, fmt.Sprintf("%s is %s, not a string", ps.name, v)))
		return "", false
	}
	if v.Text == "" {
		p.add(violate(RuleParamEmptyString, ps.name+" is an empty string"))
		return "", false
	}
	if ps.enum == nil || contains(ps.enum, v.Text) {
		return v.Text, true
	}
	for _, e := range ps.enum {
		if strings.EqualFold(e, v.Text) {
			p.add(violate(RuleEnumCase, fmt.Sprintf("%s=%q differs from %s in letter case", ps.name, v.Text, e)))
			return e, true
		}
	}
	p.add(violate(ps.enumRule, fmt.Sprintf("%s=%q is not one of %s", ps.name, v.Text, strings.Join(ps.enum, ", "))))
	return "", false
}

// stopIntent reads the stop's force and mode from its parameters (seed §2):
// StopType SOFT_FIRST and HARD force a failed soft shutdown, SOFT (the
// default) does not; ForceStop=TRUE forces, FALSE (the default) does not.
// When both are given and disagree, the sources do not say which wins
// (ledger L-01): Maybe.
func stopIntent(force, stopType, stoppedMode *string) Intent {
	in := Intent{Force: No, Mode: KeepCharging}
	if stoppedMode != nil && *stoppedMode == string(StopCharging) {
		in.Mode = StopCharging
	}
	var byForce, byType Tri = No, No
	if force != nil {
		byForce = TriOf(*force == "true")
	}
	if stopType != nil {
		byType = TriOf(*stopType != string(Soft))
	}
	switch {
	case force != nil && stopType != nil && byForce != byType:
		in.Force = Maybe
	case force != nil:
		in.Force = byForce
	default:
		in.Force = byType
	}
	return in
}

// Distinct is ss without repeats, each kept where it first appears.
func Distinct(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func firstDuplicate(ss []string) string {
	seen := map[string]bool{}
	for _, s := range ss {
		if seen[s] {
			return s
		}
		seen[s] = true
	}
	return ""
}

func quoteSome(ss []string) string {
	var parts []string
	for i, s := range ss {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(ss)-3))
			break
		}
		parts = append(parts, strconv.Quote(s))
	}
	return strings.Join(parts, ", ")
}
