package tcapi

import (
	"encoding/json"
	"strings"
	"testing"
)

// The JSON reader accepts exactly what encoding/json accepts as one
// object.
func TestParseJSONObjectAgreesWithEncodingJSON(t *testing.T) {
	t.Parallel()
	inputs := []struct{ body, reason string }{
		{`{}`, "the empty object"},
		{" \t\r\n{ } \n", "whitespace around and inside"},
		{`{"a":1,"b":[true,false,null],"c":{"d":"e"}}`, "every kind"},
		{`{"a":-0.5e-10,"b":0,"c":1E+2,"d":-1}`, "number forms"},
		{`{"a":01}`, "leading zero"},
		{`{"a":-}`, "a lone minus"},
		{`{"a":1.}`, "no fraction digits"},
		{`{"a":1e}`, "no exponent digits"},
		{`{"a":.5}`, "no integer part"},
		{`{"a":+1}`, "a plus sign"},
		{`{"a":tru}`, "a cut literal"},
		{`{"a":nul`, "a cut literal at the end"},
		{`{"a":True}`, "a capitalised literal"},
		{`{"a":x}`, "not a value"},
		{`{"a"}`, "no colon"},
		{`{"a":1,}`, "a trailing comma in an object"},
		{`{"a":[1,]}`, "a trailing comma in an array"},
		{`{"a":[1 2]}`, "no comma in an array"},
		{`{"a":1 "b":2}`, "no comma in an object"},
		{`{a:1}`, "an unquoted key"},
		{`{"a":1`, "unterminated object"},
		{`{"a":[`, "unterminated array"},
		{`{"a":"x`, "unterminated string"},
		{`{"a":"x\`, "a backslash at the end"},
		{`{"a":"\x"}`, "a bad escape"},
		{`{"a":"\u12"}`, "a short unicode escape"},
		{`{"a":"\u12G4"}`, "a bad hex digit"},
		{`{"a":"\ud800\u12G4"}`, "a bad second escape after a surrogate"},
		{"{\"a\":\"\t\"}", "a raw control character in a string"},
		{"{\"a\\n\":\"\x01\"}", "a raw control character after an escape"},
		{`{"a":"\uD83D\uDE00\uDBFF\uDFFF\ud800\u0041"}`, "surrogate pairs in both cases and a lone one"},
		{`[]`, "an array is not an object"},
		{`"s"`, "a string is not an object"},
		{``, "nothing"},
		{` `, "only whitespace"},
		{`{}{}`, "two values"},
		{`{"a":1}x`, "trailing garbage"},
		{`{"a":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`, "10000 levels: the limit"},
		{`{"a":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`, "10001 levels: too deep"},
		{`{"a":` + strings.Repeat(`{"b":`, 9999) + `1` + strings.Repeat("}", 9999) + `}`, "nested objects to the limit"},
		{`{"a":` + strings.Repeat(`{"b":`, 10000) + `1` + strings.Repeat("}", 10000) + `}`, "nested objects past the limit"},
	}
	for _, in := range inputs {
		_, got, _ := parseJSONObject([]byte(in.body), Parsing{DuplicateKey: PickLast})
		want := json.Valid([]byte(in.body)) && strings.HasPrefix(strings.TrimLeft(in.body, " \t\r\n"), "{")
		if got != want {
			name := in.body
			if len(name) > 60 {
				name = name[:60] + "…"
			}
			t.Errorf("parseJSONObject(%q) ok = %v; want %v (encoding/json)\nreason: %s", name, got, want, in.reason)
		}
	}
}

func TestParseJSONStringsAgreeWithEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, lit := range []string{
		`"plain"`, `"\"\\\/\b\f\n\r\t"`, `"\u672a\u547d\u540d"`, `"\uD83D\uDE00"`,
		`"\ud800"`, `"\udc00\ud800"`, `"\ud800x"`, `"\ud800\u0041"`, `"\ud83d\ud83d\ude00"`, `"é😀"`,
	} {
		var want string
		if err := json.Unmarshal([]byte(lit), &want); err != nil {
			t.Fatalf("json.Unmarshal(%s): %v", lit, err)
		}
		fields, ok, _ := parseJSONObject([]byte(`{"k":`+lit+`}`), Parsing{DuplicateKey: PickLast})
		if got := fields["k"].Text; !ok || got != want {
			t.Errorf("parse %s = %q (ok %v); want %q as encoding/json reads it", lit, got, ok, want)
		}
	}
}
