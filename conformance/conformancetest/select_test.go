package conformancetest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSelected: the checks run are those whose subtests `go test` would
// run, so that -run 'TestConformance/SI-BATCH' sends no other check's
// traffic.
func TestSelected(t *testing.T) {
	t.Parallel()
	ids := []string{"SI-BATCH-01", "SI-BATCH-02", "SI-ID-01", "SI-ID-02", "SI-PROP-01"}
	for _, tc := range []struct {
		name, run, skip, parent string
		want                    []string
		reason                  string
	}{
		{name: "no flags", parent: "TestConformance", want: ids,
			reason: "go test alone runs every subtest"},
		{name: "parent only", run: "TestConformance", parent: "TestConformance", want: ids,
			reason: "a pattern with fewer elements than the name selects every subtest"},
		{name: "an area", run: "TestConformance/SI-BATCH", parent: "TestConformance", want: ids[:2],
			reason: "an element is an unanchored regular expression"},
		{name: "one check", run: "TestConformance/^SI-ID-01$", parent: "TestConformance", want: []string{"SI-ID-01"},
			reason: "an anchored element selects one check"},
		{name: "alternatives", run: "TestOther|TestConformance/SI-PROP|TestConformance/ID-02", parent: "TestConformance",
			want: []string{"SI-ID-02", "SI-PROP-01"}, reason: "'|' separates whole patterns"},
		{name: "alternation inside an element", run: "TestConformance/SI-(BATCH-01|ID-02)", parent: "TestConformance",
			want: []string{"SI-BATCH-01", "SI-ID-02"}, reason: "a '|' or '/' inside parentheses is the element's"},
		{name: "nested parent", run: "TestA/target/SI-ID", parent: "TestA/target", want: ids[2:4],
			reason: "Run called inside a subtest: the element after the parent's selects"},
		{name: "skip an area", skip: "TestConformance/SI-BATCH", parent: "TestConformance", want: ids[2:],
			reason: "-skip leaves out the subtests it matches whole"},
		{name: "skip deeper than a check", skip: "TestConformance/SI-ID-01/x", parent: "TestConformance", want: ids,
			reason: "-skip skips only what it matches whole, never a parent of what it names"},
		{name: "skip the parent", skip: "TestConformance", parent: "TestConformance", want: nil,
			reason: "a skipped parent skips its subtests"},
		{name: "nothing matches", run: "TestConformance/SI-NOPE", parent: "TestConformance", want: nil,
			reason: "a pattern no check matches selects none"},
		{name: "a pattern that does not compile", run: "TestConformance/SI-(", parent: "TestConformance", want: ids,
			reason: "run rather than miss a check"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, selected(tc.run, tc.skip, tc.parent, ids), tc.reason)
		})
	}
}

// TestReplayLine: a failure's replay runs that one check again, with the
// same seed, -short when the run was short, and a shard as the flag this
// package reads.
func TestReplayLine(t *testing.T) {
	t.Parallel()
	require.Equal(t, "go test -run '^TestConformance$/^SI-ID-01$' -cvmconform.seed 42",
		replayLine("TestConformance", false)(42, "SI-ID-01"))
	require.Equal(t, `go test -run '^TestA$/^emu\.v2$/^SI-PROP-01$' -cvmconform.seed 7 -short`,
		replayLine("TestA/emu.v2", true)(7, "SI-PROP-01"))
	require.Equal(t, "go test -run '^T$/^SI-PROP-01$' -cvmconform.seed 7 -cvmconform.shard 2",
		goTestShard(replayLine("T", false)(7, "SI-PROP-01")+" --shard 2"))
}
