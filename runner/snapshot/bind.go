package snapshot

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// ErrUnbound is wrapped by the error of a scenario whose roles cannot all
// be bound: the fleet, or the allow-list, lacks an instance it needs.
var ErrUnbound = errors.New("a role cannot be bound")

// binding is the instances a scenario's roles stand for.
type binding struct {
	ids    map[string][]string            // role → instance IDs
	labels map[string]string              // instance ID → role label
	want   map[string]model.InstanceState // bound instance → its state at binding, for the reset
}

// bind binds every role of sc, deterministically: roles with a charge
// type first, then by name, each to the allow-listed instances in its
// state with the smallest IDs that no other role took. A NONEXISTENT role
// gets well-formed IDs (ins-00000000, ins-00000001, …) that the fleet
// does not have.
func bind(sc *Scenario, fleet []model.View, allowed func(string) bool) (binding, error) {
	b := binding{ids: map[string][]string{}, labels: map[string]string{}, want: map[string]model.InstanceState{}}
	known := map[string]bool{}
	for _, v := range fleet {
		known[v.ID] = true
	}
	names := make([]string, 0, len(sc.Roles))
	for n := range sc.Roles {
		names = append(names, n)
	}
	slices.SortFunc(names, func(x, y string) int {
		cx, cy := sc.Roles[x].ChargeType == "", sc.Roles[y].ChargeType == ""
		if cx != cy {
			if cy {
				return -1
			}
			return 1
		}
		return strings.Compare(x, y)
	})
	sorted := slices.Clone(fleet)
	slices.SortFunc(sorted, func(x, y model.View) int { return strings.Compare(x.ID, y.ID) })
	next := 0
	for _, name := range names {
		r := sc.Roles[name]
		if r.State == Nonexistent {
			for i := 0; i < max(r.Count, 1); i++ {
				id := fmt.Sprintf("ins-%08d", next)
				for known[id] {
					next++
					id = fmt.Sprintf("ins-%08d", next)
				}
				next++
				b.ids[name] = append(b.ids[name], id)
				b.labels[id] = name
				if r.Count > 1 {
					b.labels[id] = fmt.Sprintf("%s[%d]", name, i+1)
				}
			}
			continue
		}
		i := slices.IndexFunc(sorted, func(v model.View) bool {
			return b.labels[v.ID] == "" && v.State == r.State && allowed(v.ID) &&
				v.LatestOperationState != model.OpOperating && (r.ChargeType == "" || v.ChargeType == r.ChargeType)
		})
		if i < 0 {
			have := 0
			for _, v := range fleet {
				if v.State == r.State && allowed(v.ID) {
					have++
				}
			}
			return b, fmt.Errorf("%w: %s needs an allow-listed %s instance that no other role took; the fleet offers %d allow-listed %s (see --instances)",
				ErrUnbound, name, r, have, r.State)
		}
		id := sorted[i].ID
		b.ids[name] = []string{id}
		b.labels[id] = name
		b.want[id] = r.State
	}
	return b, nil
}

// call builds the request of a step, with roles replaced by their IDs.
func (b binding) call(st Step) (tcapi.Call, error) {
	sg := styles[st.Style]
	c := tcapi.Call{Action: st.Action, Style: sg.Style, V1Method: sg.V1Method}
	for _, p := range st.Params {
		v, err := decodeJSON(p.Value)
		if err != nil {
			return c, fmt.Errorf("param %s: %w", p.Name, err)
		}
		vals := b.value(v)
		if len(vals) != 1 {
			return c, fmt.Errorf("param %s: a role of several IDs can only stand inside an array", p.Name)
		}
		c.Params = append(c.Params, tcapi.Param{Name: p.Name, Value: vals[0]})
	}
	return c, nil
}

// value converts a decoded scenario value to the model's, a role to its
// IDs: several values for a role of several IDs, to splice into an array.
func (b binding) value(v any) []model.Value {
	switch v := v.(type) {
	case string:
		if ids, ok := b.ids[v]; ok {
			out := make([]model.Value, len(ids))
			for i, id := range ids {
				out[i] = model.Str(id)
			}
			return out
		}
		return []model.Value{model.Str(v)}
	case json.Number:
		return []model.Value{{Kind: model.KindNumber, Text: v.String()}}
	case bool:
		return []model.Value{model.Bool(v)}
	case nil:
		return []model.Value{model.Null()}
	case []any:
		items := []model.Value{}
		for _, it := range v {
			items = append(items, b.value(it)...)
		}
		return []model.Value{model.Arr(items...)}
	case map[string]any:
		fields := map[string]model.Value{}
		for k, it := range v {
			if vs := b.value(it); len(vs) == 1 {
				fields[k] = vs[0]
			} else {
				fields[k] = model.Arr(vs...)
			}
		}
		return []model.Value{model.Obj(fields)}
	}
	return []model.Value{model.Str(fmt.Sprint(v))}
}

// instancesOf lists the bound RUNNING or STOPPED instances a request
// names: those a stop or start may move.
func (b binding) instancesOf(c tcapi.Call) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(v model.Value)
	walk = func(v model.Value) {
		if v.Kind == model.KindString && b.want[v.Text] != "" && !seen[v.Text] {
			seen[v.Text] = true
			out = append(out, v.Text)
		}
		for _, it := range v.Items {
			walk(it)
		}
		for _, it := range v.Fields {
			walk(it)
		}
	}
	for _, p := range c.Params {
		walk(p.Value)
	}
	return out
}

// rolesLine renders the roles for a record's header, sorted by name, e.g.
// "$missing=NONEXISTENT, $running1=RUNNING".
func rolesLine(sc *Scenario) string {
	names := make([]string, 0, len(sc.Roles))
	for n := range sc.Roles {
		names = append(names, n)
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + "=" + sc.Roles[n].String()
	}
	if len(parts) == 0 {
		return "(none)"
	}
	return strings.Join(parts, ", ")
}
