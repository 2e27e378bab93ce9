package tcapi

import (
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cvmconform/cvmconform/model"
)

// Encoding action parameters for the wire: a compact JSON object (style A)
// or flattened name=value pairs (styles B, C, D; facts §1).

// encodeJSONBody returns the compact JSON object of params, in order. A
// repeated name is written twice.
func encodeJSONBody(params []Param) []byte {
	b := make([]byte, 0, 64)
	b = append(b, '{')
	for i, p := range params {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, p.Name, true)
		b = append(b, ':')
		b = appendValueJSON(b, p.Value)
	}
	return append(b, '}')
}

// appendValueJSON appends v as JSON: strings quoted (see appendJSONString,
// verbatim), numbers and bools as their Text verbatim (so a deliberately
// invalid literal yields an invalid body), null, arrays in order, objects
// with their fields sorted by name. An unknown Kind is written as null.
func appendValueJSON(b []byte, v model.Value) []byte {
	switch v.Kind {
	case model.KindString:
		return appendJSONString(b, v.Text, true)
	case model.KindNumber, model.KindBool:
		return append(b, v.Text...)
	case model.KindArray:
		b = append(b, '[')
		for i, it := range v.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValueJSON(b, it)
		}
		return append(b, ']')
	case model.KindObject:
		b = append(b, '{')
		for i, k := range slices.Sorted(maps.Keys(v.Fields)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k, true)
			b = append(b, ':')
			b = appendValueJSON(b, v.Fields[k])
		}
		return append(b, '}')
	}
	return append(b, "null"...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. It escapes '"', '\\' and
// control characters. With verbatim, bytes that are not valid UTF-8 are
// copied as they are (a test may want a non-UTF-8 body); otherwise each is
// replaced by \ufffd so the output is always valid JSON.
func appendJSONString(b []byte, s string, verbatim bool) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 || verbatim {
				i += size
				continue
			}
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// pair is one flattened name=value parameter.
type pair struct{ name, value string }

// flattenParams flattens params in order (facts §1): arrays 0-based as
// Name.0, Name.1; object fields as Name.Field (sorted by field name);
// scalars as their Text; null, empty arrays and empty objects produce
// nothing. Values nested more than maxDepth levels below a parameter
// produce nothing either (maxDepth < 0: no limit), which keeps flattening
// a hostile deeply nested body linear.
func flattenParams(params []Param, maxDepth int) []pair {
	var out []pair
	for _, p := range params {
		out = appendFlat(out, p.Name, p.Value, maxDepth)
	}
	return out
}

func appendFlat(out []pair, name string, v model.Value, depth int) []pair {
	switch v.Kind {
	case model.KindString, model.KindNumber, model.KindBool:
		return append(out, pair{name, v.Text})
	case model.KindArray:
		if depth == 0 {
			return out
		}
		for i, it := range v.Items {
			out = appendFlat(out, name+"."+strconv.Itoa(i), it, depth-1)
		}
	case model.KindObject:
		if depth == 0 {
			return out
		}
		for _, k := range slices.Sorted(maps.Keys(v.Fields)) {
			out = appendFlat(out, name+"."+k, v.Fields[k], depth-1)
		}
	}
	return out
}

// encodePairs URL-encodes pairs in order as the query or form body
// (url.QueryEscape: space as '+', upper-case hex, like the SDK's
// url.Values.Encode).
func encodePairs(pairs []pair) string {
	var sb strings.Builder
	for i, p := range pairs {
		if i > 0 {
			sb.WriteByte('&')
		}
		sb.WriteString(url.QueryEscape(p.name))
		sb.WriteByte('=')
		sb.WriteString(url.QueryEscape(p.value))
	}
	return sb.String()
}

// pairsValues returns pairs as url.Values, keeping the order of repeated
// names.
func pairsValues(pairs []pair) url.Values {
	vs := make(url.Values, len(pairs))
	for _, p := range pairs {
		vs[p.name] = append(vs[p.name], p.value)
	}
	return vs
}
