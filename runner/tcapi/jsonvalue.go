package tcapi

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/cvmconform/cvmconform/model"
)

// Reading a JSON body into model values, keeping each value's JSON kind
// and each number's literal text. The grammar is RFC 8259's, exactly as
// strict as encoding/json (FuzzDecode checks the two agree), including its
// nesting limit.

// maxJSONDepth is encoding/json's nesting limit: deeper input is
// malformed.
const maxJSONDepth = 10000

// parseJSONObject parses b, which must be valid UTF-8, as one JSON object
// surrounded by optional whitespace, read as ps says: a repeated key in
// any object as ps.DuplicateKey picks (PickRefuse: not ok), bytes after
// the object as ps.TrailingData says. ok is false when b is not
// well-formed JSON or not an object; met says which of the choices b
// meets.
func parseJSONObject(b []byte, ps Parsing) (fields map[string]model.Value, ok bool, met inPlay) {
	p := jsonParser{b: b, dup: ps.DuplicateKey}
	p.skipSpace()
	if p.i >= len(b) || b[p.i] != '{' {
		return nil, false, met
	}
	v, ok := p.value()
	met.key = p.repeated
	if !ok {
		return nil, false, met
	}
	p.skipSpace()
	if p.i != len(b) {
		met.trailing = true
		if ps.TrailingData == TrailingRefuse {
			return nil, false, met
		}
	}
	return v.Fields, true, met
}

type jsonParser struct {
	b        []byte
	i        int
	depth    int
	dup      Pick
	repeated bool
}

func (p *jsonParser) skipSpace() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value() (model.Value, bool) {
	p.skipSpace()
	if p.i >= len(p.b) {
		return model.Value{}, false
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, ok := p.str()
		return model.Value{Kind: model.KindString, Text: s}, ok
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return p.literal("true", model.KindBool)
	case c == 'f':
		return p.literal("false", model.KindBool)
	case c == 'n':
		return p.literal("null", model.KindNull)
	}
	return model.Value{}, false
}

func (p *jsonParser) literal(word string, kind model.Kind) (model.Value, bool) {
	if !strings.HasPrefix(string(p.b[p.i:min(len(p.b), p.i+len(word))]), word) {
		return model.Value{}, false
	}
	p.i += len(word)
	v := model.Value{Kind: kind}
	if kind == model.KindBool {
		v.Text = word
	}
	return v, true
}

func (p *jsonParser) enter() bool {
	p.depth++
	p.i++ // the opening bracket
	return p.depth <= maxJSONDepth
}

func (p *jsonParser) object() (model.Value, bool) {
	v := model.Value{Kind: model.KindObject, Fields: map[string]model.Value{}}
	if !p.enter() {
		return v, false
	}
	p.skipSpace()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		p.depth--
		return v, true
	}
	for {
		p.skipSpace()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return v, false
		}
		k, ok := p.str()
		if !ok {
			return v, false
		}
		p.skipSpace()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return v, false
		}
		p.i++
		item, ok := p.value()
		if !ok {
			return v, false
		}
		if _, twice := v.Fields[k]; twice {
			p.repeated = true
			switch p.dup {
			case PickRefuse:
				return v, false
			case PickFirst:
				item = v.Fields[k]
			}
		}
		v.Fields[k] = item
		if done, ok := p.separator('}'); !ok || done {
			return v, ok
		}
	}
}

func (p *jsonParser) array() (model.Value, bool) {
	v := model.Value{Kind: model.KindArray}
	if !p.enter() {
		return v, false
	}
	p.skipSpace()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		p.depth--
		return v, true
	}
	for {
		item, ok := p.value()
		if !ok {
			return v, false
		}
		v.Items = append(v.Items, item)
		if done, ok := p.separator(']'); !ok || done {
			return v, ok
		}
	}
}

// separator reads what follows a member of an object or array: a comma
// (more to come), or the closing byte (done, one level up); anything else
// is not JSON.
func (p *jsonParser) separator(closing byte) (done, ok bool) {
	p.skipSpace()
	if p.i >= len(p.b) {
		return false, false
	}
	switch p.b[p.i] {
	case ',':
		p.i++
		return false, true
	case closing:
		p.i++
		p.depth--
		return true, true
	}
	return false, false
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and keeps
// its text.
func (p *jsonParser) number() (model.Value, bool) {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.b) && p.b[p.i] == '0':
		p.i++
	case p.digits() == 0:
		return model.Value{}, false
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if p.digits() == 0 {
			return model.Value{}, false
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			return model.Value{}, false
		}
	}
	return model.Value{Kind: model.KindNumber, Text: string(p.b[start:p.i])}, true
}

func (p *jsonParser) digits() int {
	n := 0
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
		n++
	}
	return n
}

// str reads a string starting at its opening quote and returns it
// unescaped. A lone UTF-16 surrogate escape becomes U+FFFD, as in
// encoding/json.
func (p *jsonParser) str() (string, bool) {
	p.i++ // opening quote
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := string(p.b[start:p.i])
			p.i++
			return s, true
		case c == '\\':
			return p.strEscaped(start)
		case c < 0x20:
			return "", false
		}
		p.i++
	}
	return "", false
}

// strEscaped continues str from the first backslash.
func (p *jsonParser) strEscaped(start int) (string, bool) {
	buf := append([]byte(nil), p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return string(buf), true
		case c < 0x20:
			return "", false
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		p.i++ // backslash
		if p.i >= len(p.b) {
			return "", false
		}
		e := p.b[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", false
			}
			if utf16.IsSurrogate(r) {
				r1 := r
				r = utf8.RuneError
				if p.i+1 < len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
					save := p.i
					p.i += 2
					r2, ok := p.hex4()
					if !ok {
						return "", false
					}
					if dec := utf16.DecodeRune(r1, r2); dec != utf8.RuneError {
						r = dec
					} else {
						p.i = save // the second escape is read again on its own
					}
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", false
		}
	}
	return "", false
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.i+4 > len(p.b) {
		return 0, false
	}
	r, ok := hexRune(p.b[p.i : p.i+4])
	p.i += 4
	return r, ok
}

func hexRune(h []byte) (rune, bool) {
	var r rune
	for _, c := range h {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
