package tcapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/cvmconform/cvmconform/model"
)

// ParseParams reads a JSON object, such as `{"InstanceIds":["ins-r8hr2upy"]}`,
// into action parameters in the object's order, each value with its JSON
// kind (numbers keep their literal text, objects their fields), as
// [NewRequest] encodes them again in any style. It fails for anything but
// exactly one JSON object.
func ParseParams(b []byte) ([]Param, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("want a JSON object, e.g. {\"InstanceIds\":[\"ins-r8hr2upy\"]}")
	}
	var out []Param
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil, err
		}
		var v any
		if err := d.Decode(&v); err != nil {
			return nil, fmt.Errorf("%q: %w", t, err)
		}
		out = append(out, Param{Name: t.(string), Value: ValueOf(v)})
	}
	if _, err := d.Token(); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("want one JSON object, and nothing after it")
	}
	return out, nil
}

// ValueOf converts what encoding/json decoded (with UseNumber) to the
// model's value.
func ValueOf(x any) model.Value {
	switch x := x.(type) {
	case map[string]any:
		m := make(map[string]model.Value, len(x))
		for k, v := range x {
			m[k] = ValueOf(v)
		}
		return model.Obj(m)
	case []any:
		items := make([]model.Value, len(x))
		for i, v := range x {
			items[i] = ValueOf(v)
		}
		return model.Arr(items...)
	case json.Number:
		return model.Value{Kind: model.KindNumber, Text: string(x)}
	case string:
		return model.Str(x)
	case bool:
		return model.Bool(x)
	}
	return model.Null()
}

// ParamsJSON is params as the compact JSON object a TC3 JSON body holds,
// in order: what [ParseParams] reads back, for a value it can hold (a
// deliberately invalid literal it cannot).
func ParamsJSON(params []Param) []byte { return encodeJSONBody(params) }
