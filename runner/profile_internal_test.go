package runner

import "testing"

// TestKeyOrder: a listed instance's members name the order only where
// the orders differ on them.
func TestKeyOrder(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		keys   []string
		want   string
		reason string
	}{
		{[]string{"Placement", "InstanceId", "InstanceState", "Extra"}, "declared", "the SDK's order, a member it does not know anywhere"},
		{[]string{"Extra", "InstanceId", "InstanceState", "Placement"}, "sorted", "every member by name"},
		{[]string{"InstanceState", "InstanceId", "Placement"}, "reversed", "the SDK's order backwards"},
		{[]string{"InstanceId", "Placement", "InstanceChargeType"}, "other", "a recorder's order: none of the three"},
		{[]string{"InstanceId", "InstanceState"}, "", "declared and sorted read the same: nothing to tell"},
		{nil, "", "no instance"},
	} {
		if got := keyOrder(c.keys); got != c.want {
			t.Errorf("keyOrder(%q) = %q; want %q: %s", c.keys, got, c.want, c.reason)
		}
	}
}
