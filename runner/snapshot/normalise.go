package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/cvmconform/cvmconform/model"
)

// Normaliser turns one scenario's responses into values that depend only
// on the target's behaviour, not on its fleet, its clock or its random
// RequestIds. It keeps state across the responses of a scenario: the
// RequestId placeholders. It is not safe for concurrent use.
//
// A response is normalised in this order:
//
//  1. Paths in Normalisation.Exclude are dropped.
//  2. DescribeInstances: InstanceSet keeps only the instances bound to
//     the scenario's roles, sorted by role, so that a record does not
//     depend on the rest of the fleet; TotalCount is dropped unless
//     Normalisation.TotalCount.
//  3. RequestIds are numbered in order of first appearance — the envelope's
//     RequestId first, then every other field named RequestId or
//     LatestOperationRequestId in sorted key order — and become
//     <request-1>, <request-2>…, the same RequestId keeping the same
//     placeholder across the scenario.
//  4. An instance's inventory — every field of an InstanceSet item except
//     InstanceId, InstanceState, InstanceChargeType, LatestOperation,
//     LatestOperationState, LatestOperationRequestId,
//     LatestOperationErrorMsg, StopChargingMode, RestrictState and
//     IsolatedSource — is reduced to its shape: a string becomes
//     "<string>", a number "<number>", a bool "<bool>", an array
//     "<array>"; objects keep their keys; null stays null. Paths in
//     Normalisation.Keep are kept as they are. The shape says which fields
//     a target returns and of which type, without depending on which
//     instance was bound (CreatedTime, Uuid, IPs and disk IDs included).
//  5. In every string: a known RequestId becomes its placeholder and any
//     other UUID "<uuid>"; a bound instance ID becomes its role; a
//     timestamp becomes
//     "<timestamp>" and a duration such as "1.5s" "<duration>". Error
//     messages are kept otherwise.
//  6. A value the step accepts as one of several (Step.Accept) becomes
//     "<A|B>".
//
// Key order never matters: values are maps, and records and snapshots
// encode them with sorted keys.
type Normaliser struct {
	cfg      Normalisation
	roles    map[string]string // instance ID → role label
	requests map[string]string // RequestId → placeholder
	exclude  []path
	keep     []path
}

// NewNormaliser returns a normaliser for one scenario: cfg is its
// Normalisation, roles maps each bound instance ID to its role label
// ("$running1", or "$many[3]" for the third ID of a role of several).
func NewNormaliser(cfg Normalisation, roles map[string]string) *Normaliser {
	n := &Normaliser{cfg: cfg, roles: roles, requests: map[string]string{}}
	for _, p := range cfg.Exclude {
		n.exclude = append(n.exclude, parsePath(p))
	}
	for _, p := range cfg.Keep {
		n.keep = append(n.keep, parsePath(p))
	}
	return n
}

// ErrNotEnvelope is returned for an answer that is not a JSON object with
// a "Response" member.
var ErrNotEnvelope = errors.New("not a TencentCloud {\"Response\": …} envelope")

// Response normalises one answer to a request of action. accept is the
// step's Accept (nil for none).
func (n *Normaliser) Response(action string, raw []byte, accept map[string][]string) (any, error) {
	v, err := decodeJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotEnvelope, err)
	}
	top, ok := v.(map[string]any)
	if !ok {
		return nil, ErrNotEnvelope
	}
	if _, ok := top["Response"].(map[string]any); !ok {
		return nil, ErrNotEnvelope
	}
	return n.normalise(action, v, accept, true), nil
}

func (n *Normaliser) normalise(action string, v any, accept map[string][]string, register bool) any {
	v = n.drop(v, nil)
	if action == model.ActionDescribe {
		n.onlyRoles(v)
	}
	if register {
		if rid, ok := at(v, "Response", "RequestId").(string); ok {
			n.register(rid)
		}
		n.registerAll(v, "")
	}
	var acc []acceptRule
	for p, vals := range accept {
		acc = append(acc, acceptRule{parsePath(p), vals})
	}
	return n.transform(v, nil, acc)
}

// path is a parsed path: member names and array indices, "#" standing
// for any index in a pattern.
type path []string

func parsePath(s string) path { return strings.Split(s, ".") }

func checkPath(s string) error {
	for _, seg := range parsePath(s) {
		if seg == "" {
			return fmt.Errorf("path %q has an empty segment", s)
		}
	}
	return nil
}

// matches reports whether pattern p matches the concrete path q.
func (p path) matches(q path) bool {
	if len(p) != len(q) {
		return false
	}
	for i := range p {
		if p[i] != q[i] && !(p[i] == "#" && isIndex(q[i])) {
			return false
		}
	}
	return true
}

func isIndex(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

func anyMatches(ps []path, q path) bool {
	for _, p := range ps {
		if p.matches(q) {
			return true
		}
	}
	return false
}

func child(p path, seg string) path {
	return append(slices.Clip(p), seg)
}

// drop returns v without the excluded paths.
func (n *Normaliser) drop(v any, p path) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			q := child(p, k)
			if !anyMatches(n.exclude, q) {
				out[k] = n.drop(x, q)
			}
		}
		return out
	case []any:
		out := make([]any, 0, len(v))
		for i, x := range v {
			q := child(p, strconv.Itoa(i))
			if !anyMatches(n.exclude, q) {
				out = append(out, n.drop(x, q))
			}
		}
		return out
	}
	return v
}

// onlyRoles keeps, in a DescribeInstances answer, the instances bound to
// roles, sorted by role, and drops TotalCount unless asked to keep it.
func (n *Normaliser) onlyRoles(v any) {
	r, ok := at(v, "Response").(map[string]any)
	if !ok {
		return
	}
	if !n.cfg.TotalCount {
		delete(r, "TotalCount")
	}
	set, ok := r["InstanceSet"].([]any)
	if !ok {
		return
	}
	var kept []any
	for _, it := range set {
		if id, _ := at(it, "InstanceId").(string); n.roles[id] != "" {
			kept = append(kept, it)
		}
	}
	slices.SortStableFunc(kept, func(a, b any) int {
		ra, rb := n.roles[at(a, "InstanceId").(string)], n.roles[at(b, "InstanceId").(string)]
		return strings.Compare(ra, rb)
	})
	if kept == nil {
		kept = []any{}
	}
	r["InstanceSet"] = kept
}

func (n *Normaliser) register(rid string) {
	if _, ok := n.requests[rid]; !ok && rid != "" {
		n.requests[rid] = fmt.Sprintf("<request-%d>", len(n.requests)+1)
	}
}

// registerAll numbers every RequestId-named field of v in sorted key
// order.
func (n *Normaliser) registerAll(v any, key string) {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			n.registerAll(v[k], k)
		}
	case []any:
		for _, x := range v {
			n.registerAll(x, key)
		}
	case string:
		if key == "RequestId" || key == "LatestOperationRequestId" {
			n.register(v)
		}
	}
}

type acceptRule struct {
	p    path
	vals []string
}

// instanceFields are the InstanceSet fields kept as they are: the ones
// that tell the instance's behaviour (facts §9), as opposed to its
// inventory.
var instanceFields = map[string]bool{
	"InstanceId": true, "InstanceState": true, "InstanceChargeType": true,
	"LatestOperation": true, "LatestOperationState": true, "LatestOperationRequestId": true,
	"LatestOperationErrorMsg": true, "StopChargingMode": true, "RestrictState": true, "IsolatedSource": true,
}

// inventory reports whether p is a field of an InstanceSet item that is
// reduced to its shape.
func inventory(p path) bool {
	return len(p) == 4 && p[0] == "Response" && p[1] == "InstanceSet" && isIndex(p[2]) && !instanceFields[p[3]]
}

func (n *Normaliser) transform(v any, p path, acc []acceptRule) any {
	if inventory(p) && !anyMatches(n.keep, p) {
		return n.shape(v, p, acc)
	}
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = n.transform(x, child(p, k), acc)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = n.transform(x, child(p, strconv.Itoa(i)), acc)
		}
		return out
	case string:
		s := n.text(v)
		for _, a := range acc {
			if a.p.matches(p) && slices.Contains(a.vals, v) {
				s = "<" + strings.Join(a.vals, "|") + ">"
			}
		}
		return s
	}
	return v
}

// shape reduces an inventory value to its shape, keeping the paths the
// scenario keeps.
func (n *Normaliser) shape(v any, p path, acc []acceptRule) any {
	if anyMatches(n.keep, p) {
		return n.transform(v, p, acc)
	}
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = n.shape(x, child(p, k), acc)
		}
		return out
	case []any:
		return "<array>"
	case string:
		return "<string>"
	case json.Number, float64:
		return "<number>"
	case bool:
		return "<bool>"
	}
	return v
}

var (
	uuidText      = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	instanceText  = regexp.MustCompile(`\bins-[a-z0-9]{8}\b`)
	timestampText = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?`)
	durationText  = regexp.MustCompile(`\b(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+\b`)
)

// text normalises the volatile parts of one string.
func (n *Normaliser) text(s string) string {
	if ph, ok := n.requests[s]; ok {
		return ph
	}
	s = uuidText.ReplaceAllStringFunc(s, func(u string) string {
		if ph, ok := n.requests[u]; ok {
			return ph
		}
		return "<uuid>"
	})
	s = instanceText.ReplaceAllStringFunc(s, func(id string) string {
		if r, ok := n.roles[id]; ok {
			return r
		}
		return id
	})
	s = timestampText.ReplaceAllString(s, "<timestamp>")
	return durationText.ReplaceAllString(s, "<duration>")
}

// outcome normalises one answer of a burst: its error code ("" for
// success) and its normalised message, without numbering its RequestId.
// hasMessage is false when the scenario excludes messages.
func (n *Normaliser) outcome(raw []byte) (code, message string, hasMessage bool, err error) {
	v, err := decodeJSON(raw)
	if err != nil {
		return "", "", false, fmt.Errorf("%w: %v", ErrNotEnvelope, err)
	}
	if _, ok := at(v, "Response").(map[string]any); !ok {
		return "", "", false, ErrNotEnvelope
	}
	v = n.normalise("", v, nil, false)
	code, _ = at(v, "Response", "Error", "Code").(string)
	message, hasMessage = at(v, "Response", "Error", "Message").(string)
	return code, message, hasMessage, nil
}

// at returns the member of v at the given keys, or nil.
func at(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// decodeJSON decodes one JSON value, numbers as json.Number so that they
// keep their literal text.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}
