package conformance

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/runner/report"
)

// TestJudgeSequences: "reproduced" rests on what the target did — a
// sequence after the first failing one failed again — not on rapid's
// word: rapid calls a replay that fails another way "flaky".
func TestJudgeSequences(t *testing.T) {
	t.Parallel()
	failing := func(lines ...string) *sequenceRun {
		r := &sequenceRun{failed: true}
		for _, l := range lines {
			r.steps = append(r.steps, step{text: l})
		}
		return r
	}
	first := failing("1. > StopInstances", "✗ STATE-STOP ins-1", "2. > DescribeInstances")
	replayed := failing("✗ EXIST-TERMINATED ins-2")
	passed := &sequenceRun{steps: []step{{text: "1. > StopInstances"}}}
	const flaky = "[rapid] flaky test, can not reproduce a failure\nTo try to reproduce, specify -run=\"SI-PROP-01\" -rapid.seed=42"
	for _, tc := range []struct {
		name           string
		msg            string
		failures       int
		last, shortest *sequenceRun
		wantReproduced bool
		wantChosen     *sequenceRun
		wantReason     string
		reason         string
	}{
		{name: "failed another way", msg: flaky, failures: 2, last: replayed, shortest: replayed,
			wantReproduced: true, wantChosen: replayed, wantReason: "EXIST-TERMINATED ins-2",
			reason: "rapid says flaky, but the replay failed: reproduced, with the sequence it found"},
		{name: "replay passed", msg: flaky, failures: 1, last: passed, shortest: first,
			wantChosen: first, wantReason: "(not reproduced): STATE-STOP ins-1",
			reason: "only the first sequence failed: not reproduced, with the original sequence"},
		{name: "shrunk", msg: "[rapid] failed after 3 tests: STATE-STOP ins-1 -rapid.seed=42", failures: 9, last: replayed, shortest: first,
			wantReproduced: true, wantChosen: replayed, wantReason: "EXIST-TERMINATED ins-2",
			reason: "the sequence rapid ended on, its shrunk one"},
		{name: "time to shrink spent", msg: flaky, failures: 3, last: passed, shortest: first,
			wantReproduced: true, wantChosen: first, wantReason: "STATE-STOP ins-1",
			reason: "rapid's last replay was refused unsent: the shortest failing sequence"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := judgeSequences(tc.msg, 12, tc.failures, first, tc.last, tc.shortest)
			require.Same(t, tc.wantChosen, v.chosen, tc.reason)
			require.Contains(t, v.failure.reason, tc.wantReason, tc.reason)
			require.Equal(t, uint64(42), v.failure.rapidSd)
			if tc.wantReproduced {
				require.True(t, strings.HasPrefix(v.note, "reproduced: "), "%s: %s", tc.reason, v.note)
				require.NotContains(t, v.failure.reason, "not reproduced", tc.reason)
			} else {
				require.True(t, strings.HasPrefix(v.note, "not reproduced: "), "%s: %s", tc.reason, v.note)
			}
		})
	}
}

// progressLog records what a run tells Progress.
type progressLog struct {
	mu            sync.Mutex
	starts, dones map[string]int
}

func (p *progressLog) Start(id, _ string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.starts[id]++
}

func (p *progressLog) Done(c report.Check) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dones[c.ID]++
}

func (p *progressLog) Note(string, ...any) {}

var shardFlag = regexp.MustCompile(` --shard (\d+)$`)

// TestPropertyShardReplay: the state machine split into shards is one
// line of progress, not one a shard; its failure's replay names the
// failing shard, and --shard runs that shard alone, on its lane, whose
// failure names it again.
func TestPropertyShardReplay(t *testing.T) {
	t.Parallel()
	target := withFaults(t, "stop-any-state")
	// Enough sequences that each shard has several: the search is random
	// and timed by the emulator, and one sequence a shard (20 over 21
	// lanes) once missed the fault when its shard ran alone under -race.
	run := func(shard int) (report.Run, *progressLog) {
		p := &progressLog{starts: map[string]int{}, dones: map[string]int{}}
		res, err := Run(context.Background(), Config{Target: target, Seed: 5, Sequences: 60, Only: []string{propertyID}, Progress: p, Shard: shard})
		require.NoError(t, err)
		require.Len(t, res.Checks, 1)
		return res, p
	}
	all, p := run(0)
	require.Greater(t, all.Lanes, 1, "the state machine is split into shards")
	c := all.Checks[0]
	require.Equal(t, report.Fail, c.Status, c.Reason)
	require.Regexp(t, `^STATE-STOP: .*expected .*; got success \[seed`, c.Reason, "the reason is the finding in full, with its clause")
	require.Equal(t, map[string]int{propertyID: 1}, p.starts, "one progress line a check")
	require.Equal(t, map[string]int{propertyID: 1}, p.dones, "one progress line a check")
	m := shardFlag.FindStringSubmatch(c.Replay)
	require.NotNil(t, m, "the replay names the failing shard: %s", c.Replay)
	require.Contains(t, c.Replay, "--seed 5 ", "a shard replays from the run's seed")
	shard, _ := strconv.Atoi(m[1])

	one, p := run(shard)
	require.Equal(t, 1, one.Lanes, "one shard, on one lane")
	again := one.Checks[0]
	require.Equal(t, map[string]int{propertyID: 1}, p.dones)
	require.Equal(t, report.Fail, again.Status, "stop-any-state fails every shard: %s", again.Reason)
	require.True(t, strings.HasSuffix(again.Replay, " --shard "+m[1]), again.Replay)
	require.Less(t, again.Requests, c.Requests, "one shard, not all of them")

	res, _ := run(99)
	none := res.Checks[0]
	require.Equal(t, report.Error, none.Status)
	require.Contains(t, none.Reason, "--shard 99")
}
