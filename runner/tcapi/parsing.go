package tcapi

import (
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cvmconform/cvmconform/model"
)

// Parsing is what a server's parser decides where the sources leave it
// room (DESIGN "Verdicts one can trust": parsing is a choice too). What a
// mainstream server's standard library does with odd input — Go's
// encoding/json reading invalid UTF-8 as U+FFFD, net/http's Header.Get
// taking the first of two lines, encoding/json keeping the last of two
// names — is a defensible reading unless a source forbids it (ledger
// L-27). The zero Parsing refuses at every choice: the strict reference.
type Parsing struct {
	// UTF8 is how parameters that are not valid UTF-8 are read.
	UTF8 UTF8Reading
	// RepeatedHeader is how a header sent on several lines is read.
	RepeatedHeader Pick
	// DuplicateKey is how a JSON object or a form that holds a name twice
	// is read.
	DuplicateKey Pick
	// TrailingData is how bytes after a JSON body's first value are read.
	TrailingData Trailing
	// NameCase is how a JSON body's parameter names are matched.
	NameCase NameCase
	// SignatureForm is how a TC3 signature that is not 64 hex digits is
	// judged.
	SignatureForm SignatureForm
}

// SignatureForm is how a parser judges a TC3 signature that is not 64
// hex digits (facts §2 step 5).
type SignatureForm uint8

// The signature forms. Both refuse; they differ in the code (facts §4:
// InvalidAuthorization is a malformed header, SignatureFailure a wrong
// signature).
const (
	// SignatureCompared: the signature is compared as it stands, and
	// differs (AuthBadSignature).
	SignatureCompared SignatureForm = iota
	// SignatureChecked: the header is malformed (AuthMalformed).
	SignatureChecked
)

// NameCase is how a parser matches a JSON name to a parameter.
type NameCase uint8

// The name matchings.
const (
	// NameExact: a name is the parameter only as the seed spells it;
	// "instanceIds" is another (unknown) parameter.
	NameExact NameCase = iota
	// NameFold: a name that is no parameter's is the parameter it spells
	// in another case, as encoding/json fills a struct field; top-level
	// names only.
	NameFold
)

// Trailing is how a parser reads bytes after a JSON body's first value.
type Trailing uint8

// The readings of trailing data.
const (
	// TrailingRefuse: the body is malformed (RFC 8259 §2: a JSON text is
	// one value).
	TrailingRefuse Trailing = iota
	// TrailingIgnore: the first value is the body, as Go's
	// json.Decoder.Decode and Jackson's ObjectMapper read a stream (RFC
	// 8259 §9: a parser MAY accept non-JSON forms).
	TrailingIgnore
)

// UTF8Reading is how a parser reads bytes that are not UTF-8.
type UTF8Reading uint8

// The UTF-8 readings.
const (
	// UTF8Refuse: the request is unreadable (model.DecodeNotUTF8).
	UTF8Refuse UTF8Reading = iota
	// UTF8Replace: each invalid byte is read as U+FFFD, as encoding/json
	// reads a string; outside a string the replacement is still no JSON.
	UTF8Replace
	// UTF8Drop: each invalid byte is dropped. No defensible parser reads
	// so (it turns "ins-r8hr2upy\xff" into a well-formed ID, facts §11);
	// Decode never reads with it, and the emulator's fault utf8-dropped
	// does.
	UTF8Drop
)

// Pick is which of several values for one name a parser reads.
type Pick uint8

// The picks.
const (
	// PickRefuse: none. Header lines are joined by ", " as RFC 9110 §5.3
	// combines a repeated field, which no singleton field the API reads
	// (Authorization, X-TC-*, Content-Type) parses as; a JSON object or
	// a form with a name twice is malformed (RFC 8259 §4: names SHOULD
	// be unique).
	PickRefuse Pick = iota
	// PickFirst: the first, as net/http's Header.Get and FormValue.
	PickFirst
	// PickLast: the last, as encoding/json's Unmarshal.
	PickLast
)

// parsings lists every Parsing, the zero one first and each choice's
// refusal before its other picks, so that Decode, walking them in order,
// learns what is in play (a name twice, in a body read as UTF-8) before
// it needs to know.
var parsings = func() []Parsing {
	var out []Parsing
	for _, u := range []UTF8Reading{UTF8Refuse, UTF8Replace} {
		for _, h := range []Pick{PickRefuse, PickFirst, PickLast} {
			for _, k := range []Pick{PickRefuse, PickFirst, PickLast} {
				for _, t := range []Trailing{TrailingRefuse, TrailingIgnore} {
					for _, n := range []NameCase{NameExact, NameFold} {
						for _, f := range []SignatureForm{SignatureCompared, SignatureChecked} {
							out = append(out, Parsing{UTF8: u, RepeatedHeader: h, DuplicateKey: k, TrailingData: t, NameCase: n, SignatureForm: f})
						}
					}
				}
			}
		}
	}
	return out
}()

// inPlay is which of a request's parsing choices change what it says:
// a choice that meets no odd input reads the request as any other.
type inPlay struct{ utf8, header, key, trailing, nameCase, signature bool }

// matters reports whether p differs from the zero Parsing only in
// choices that are in play.
func (c inPlay) matters(p Parsing) bool {
	return (c.utf8 || p.UTF8 == UTF8Refuse) && (c.header || p.RepeatedHeader == PickRefuse) &&
		(c.key || p.DuplicateKey == PickRefuse) && (c.trailing || p.TrailingData == TrailingRefuse) &&
		(c.nameCase || p.NameCase == NameExact) && (c.signature || p.SignatureForm == SignatureCompared)
}

func (c inPlay) or(d inPlay) inPlay {
	return inPlay{c.utf8 || d.utf8, c.header || d.header, c.key || d.key, c.trailing || d.trailing, c.nameCase || d.nameCase,
		c.signature || d.signature}
}

// wellFormedSignature reports whether sig is 64 hex digits, as facts §2
// step 5 writes a TC3 signature.
func wellFormedSignature(sig string) bool {
	if len(sig) != 64 {
		return false
	}
	for i := 0; i < len(sig); i++ {
		if c := sig[i] | 0x20; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// foldNames renames, in params, each name that is no parameter of action
// but spells one in another case, where that parameter is not there
// itself, when fold; it reports whether some name would be renamed.
func foldNames(params map[string]model.Value, action string, fold bool) bool {
	met := false
	for _, name := range model.ParamNames(action) {
		if _, ok := params[name]; ok {
			continue
		}
		for k, v := range params {
			if k != name && strings.EqualFold(k, name) && !slices.Contains(model.ParamNames(action), k) {
				met = true
				if fold {
					delete(params, k)
					params[name] = v
				}
				break
			}
		}
	}
	return met
}

// withHeaders returns r as a server reads its headers under pick: r
// itself when no header has several lines, else a copy in which every
// header has one value.
func withHeaders(r *http.Request, pick Pick) (*http.Request, bool) {
	repeated := false
	for _, vs := range r.Header {
		if len(vs) > 1 {
			repeated = true
			break
		}
	}
	if !repeated {
		return r, false
	}
	c := *r
	c.Header = make(http.Header, len(r.Header))
	for name, vs := range r.Header {
		switch {
		case len(vs) <= 1:
			c.Header[name] = vs
		case pick == PickFirst:
			c.Header[name] = vs[:1]
		case pick == PickLast:
			c.Header[name] = vs[len(vs)-1:]
		default:
			c.Header[name] = []string{strings.Join(vs, ", ")}
		}
	}
	return &c, true
}

// replaceInvalid returns b with each byte that is not part of valid UTF-8
// replaced by U+FFFD, as encoding/json reads a string (UTF8Replace), or
// dropped (UTF8Drop).
func replaceInvalid(b []byte, u UTF8Reading) []byte {
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n == 1 && u == UTF8Drop:
		case r == utf8.RuneError && n == 1:
			out = utf8.AppendRune(out, utf8.RuneError)
		default:
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return out
}
