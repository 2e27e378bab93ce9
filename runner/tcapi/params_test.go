package tcapi

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
)

func TestParseParams(t *testing.T) {
	t.Parallel()
	got, err := ParseParams([]byte(` {"StopType":"HARD","InstanceIds":["ins-r8hr2upy"],"Limit":1.50,"ForceStop":true,"X":null,"Filters":[{"Name":"zone"}]} `))
	require.NoError(t, err)
	want := []Param{
		{"StopType", model.Str("HARD")},
		{"InstanceIds", model.Strs("ins-r8hr2upy")},
		{"Limit", model.Value{Kind: model.KindNumber, Text: "1.50"}},
		{"ForceStop", model.Bool(true)},
		{"X", model.Null()},
		{"Filters", model.Arr(model.Obj(map[string]model.Value{"Name": model.Str("zone")}))},
	}
	require.Equal(t, want, got, "the object's order, each value's JSON kind, a number's text")
	empty, err := ParseParams([]byte(`{}`))
	require.NoError(t, err)
	require.Empty(t, empty)

	for _, bad := range []struct{ in, reason string }{
		{``, "nothing"},
		{`[]`, "an array is not an object"},
		{`"x"`, "a string is not an object"},
		{`{"a":}`, "malformed"},
		{`{"a":1`, "unterminated"},
		{`{} {}`, "two objects"},
		{`{}x`, "trailing bytes"},
	} {
		_, err := ParseParams([]byte(bad.in))
		require.Error(t, err, "%q: %s", bad.in, bad.reason)
	}
}
