package conformance

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
)

// prepare resolves a Config once: every default filled in, and what
// follows from the target being on this machine or not decided there.
func TestPrepareResolves(t *testing.T) {
	t.Parallel()
	const local, cloud = "http://127.0.0.1:1", "https://cvm.tencentcloudapi.com"
	type resolved struct {
		settle, restore, transition               time.Duration
		sequences, steps, maxShards, lanesPerAcct int
		strict                                    model.Strictness
	}
	for _, tc := range []struct {
		name   string
		cfg    Config
		want   resolved
		reason string
	}{
		{name: "on this machine", cfg: Config{Target: runner.TargetConfig{Endpoint: local}},
			want:   resolved{settle: runner.SettleTimeout(local), restore: 2 * runner.SettleTimeout(local), transition: 100 * time.Millisecond, sequences: 100, steps: 4, maxShards: 50, lanesPerAcct: MaxLanesPerAccount},
			reason: "a loopback target: its settle bound, operations assumed short"},
		{name: "a cloud", cfg: Config{Target: runner.TargetConfig{Endpoint: cloud}},
			want:   resolved{settle: runner.SettleTimeout(cloud), restore: 2 * runner.SettleTimeout(cloud), transition: 20 * time.Second, sequences: 100, steps: 4, maxShards: 50, lanesPerAcct: MaxLanesPerAccount},
			reason: "a remote target: a longer settle bound, operations of tens of seconds (facts §16)"},
		{name: "given", cfg: Config{Target: runner.TargetConfig{Endpoint: cloud}, SettleTimeout: 5 * time.Second, Sequences: 37, Steps: 6, LanesPerAccount: 1, Strict: true},
			want:   resolved{settle: 5 * time.Second, restore: 10 * time.Second, transition: 20 * time.Second, sequences: 37, steps: 6, maxShards: 18, lanesPerAcct: 1, strict: model.Strict},
			reason: "what is given is kept; the restore bound follows the settle bound given; 37 sequences make 18 shards at most"},
		{name: "restore given", cfg: Config{Target: runner.TargetConfig{Endpoint: local}, RestoreTimeout: time.Minute, Sequences: 3},
			want:   resolved{settle: runner.SettleTimeout(local), restore: time.Minute, transition: 100 * time.Millisecond, sequences: 3, steps: 4, maxShards: 1, lanesPerAcct: MaxLanesPerAccount},
			reason: "too few sequences to split: one shard"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rc, checks, err := prepare(tc.cfg)
			require.NoError(t, err)
			require.Len(t, checks, len(Catalog()))
			got := resolved{settle: rc.settle, restore: rc.restore, transition: rc.transition, sequences: rc.sequences, steps: rc.steps,
				maxShards: rc.maxShards, lanesPerAcct: rc.lanesPerAccount, strict: rc.strict}
			require.Equal(t, tc.want, got, tc.reason)
			require.NotZero(t, rc.seed, "a seed is drawn")
			require.NotNil(t, rc.progress)
			require.NotNil(t, rc.replay)
			require.NotNil(t, rc.halt)
			require.NotNil(t, rc.target.Transcript, "the lanes' one transcript")
		})
	}
}
