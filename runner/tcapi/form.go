package tcapi

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cvmconform/cvmconform/model"
)

// Un-flattening a query or form body into model values (facts sheet §1):
// InstanceIds.0=a&InstanceIds.1=b is the array ["a","b"];
// Filters.0.Name=zone&Filters.0.Values.0=z is [{"Name":"zone","Values":["z"]}].
//
// The rules, in order of precedence:
//   - A name is split at its dots. The first part names the parameter; a
//     later part made of 1 to 9 ASCII digits is an array index, any other
//     part (even empty) an object field. Past maxFormDepth parts the rest
//     of the name is one field name, so hostile names cannot recurse
//     deeply.
//   - Array items are ordered by index, numerically: 0- and 1-based lists
//     and lists with gaps all become dense arrays in index order. Indices
//     that parse to the same number ("1" and "01") are the same item.
//   - A node with indexed children is an array; its named children and its
//     own scalar value, if any, are dropped (InstanceIds=x&InstanceIds.0=y
//     is ["y"]), as a server that looks up Name.0, Name.1… would see it.
//     Otherwise a node with named children is an object, its scalar
//     dropped. Otherwise it is a string.
//   - Every scalar is a string (model.EncForm). A repeated name, or two
//     names for the same place ("C.01" and "C.1"): as the Parsing's
//     DuplicateKey picks — the first in wire order (net/http's
//     Request.FormValue), the last, or none (the form is malformed).

// maxFormDepth bounds how many dot-separated parts after the first are
// interpreted.
const maxFormDepth = 32

type formNode struct {
	scalar  string
	set     bool // scalar was given
	indexed map[int]*formNode
	fields  map[string]*formNode
}

// unflatten returns the parameters pairs encode, skipping the names in
// skip, a place given twice read as dup picks; repeated reports whether
// one was, and the form is then refused under PickRefuse (ok false).
func unflatten(pairs []pair, skip func(name string) bool, dup Pick) (params map[string]model.Value, repeated, ok bool) {
	roots := make(map[string]*formNode, len(pairs))
	for _, p := range pairs {
		if skip != nil && skip(p.name) {
			continue
		}
		top, rest, nested := strings.Cut(p.name, ".")
		n := roots[top]
		if n == nil {
			n = &formNode{}
			roots[top] = n
		}
		if nested {
			for _, seg := range strings.SplitN(rest, ".", maxFormDepth) {
				n = n.child(seg)
			}
		}
		if n.set {
			repeated = true
			if dup == PickFirst {
				continue
			}
		}
		n.scalar, n.set = p.value, true
	}
	params = make(map[string]model.Value, len(roots))
	for name, n := range roots {
		params[name] = n.value()
	}
	return params, repeated, !repeated || dup != PickRefuse
}

func (n *formNode) child(seg string) *formNode {
	if i, ok := formIndex(seg); ok {
		if n.indexed == nil {
			n.indexed = map[int]*formNode{}
		}
		c := n.indexed[i]
		if c == nil {
			c = &formNode{}
			n.indexed[i] = c
		}
		return c
	}
	if n.fields == nil {
		n.fields = map[string]*formNode{}
	}
	c := n.fields[seg]
	if c == nil {
		c = &formNode{}
		n.fields[seg] = c
	}
	return c
}

func (n *formNode) value() model.Value {
	switch {
	case len(n.indexed) > 0:
		idx := make([]int, 0, len(n.indexed))
		for i := range n.indexed {
			idx = append(idx, i)
		}
		sort.Ints(idx)
		v := model.Value{Kind: model.KindArray, Items: make([]model.Value, len(idx))}
		for j, i := range idx {
			v.Items[j] = n.indexed[i].value()
		}
		return v
	case len(n.fields) > 0:
		v := model.Value{Kind: model.KindObject, Fields: make(map[string]model.Value, len(n.fields))}
		for k, c := range n.fields {
			v.Fields[k] = c.value()
		}
		return v
	}
	return model.Str(n.scalar)
}

// parseForm parses a raw query or form body into pairs in wire order,
// with url.ParseQuery's rules: pairs separated by "&", empty ones skipped,
// a name without "=" has the value "", names and values unescaped with
// url.QueryUnescape ('+' is a space). A pair with a bad escape or a ';' is
// skipped and makes the fault DecodeMalformed, unless some name or value
// is not UTF-8, which makes it DecodeNotUTF8 under UTF8Refuse; under
// UTF8Replace each invalid byte reads as U+FFFD. notUTF8 reports whether
// some name or value was not UTF-8.
func parseForm(raw string, u UTF8Reading) (pairs []pair, fault model.DecodeFault, notUTF8 bool) {
	malformed := false
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		if kv == "" {
			continue
		}
		if strings.Contains(kv, ";") {
			malformed = true
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			malformed = true
			continue
		}
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			notUTF8 = true
			if u == UTF8Refuse {
				return pairs, model.DecodeNotUTF8, true
			}
			k, v = string(replaceInvalid([]byte(k), u)), string(replaceInvalid([]byte(v), u))
		}
		pairs = append(pairs, pair{k, v})
	}
	if malformed {
		return pairs, model.DecodeMalformed, notUTF8
	}
	return pairs, model.DecodeOK, notUTF8
}

// formIndex reports whether seg is an array index: 1 to 9 ASCII digits.
func formIndex(seg string) (int, bool) {
	if len(seg) == 0 || len(seg) > 9 {
		return 0, false
	}
	for i := 0; i < len(seg); i++ {
		if seg[i] < '0' || seg[i] > '9' {
			return 0, false
		}
	}
	i, err := strconv.Atoi(seg)
	return i, err == nil
}
