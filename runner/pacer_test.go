package runner

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/cvmconform/cvmconform/model"
)

// fakeTime is the pacer's clock and sleep, injected: time moves only when
// the test says, and a sleep records how long the caller would wait
// instead of waiting. It is safe for concurrent use.
type fakeTime struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func (f *fakeTime) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeTime) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func (f *fakeTime) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.slept = append(f.slept, d)
	f.mu.Unlock()
	return ctx.Err()
}

func (f *fakeTime) Slept() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.slept)
}

// fakePacer returns a pacer for a StopInstances limit of stopLimit whose
// clock and sleep are ft's.
func fakePacer(stopLimit int) (*Pacer, *fakeTime) {
	ft := &fakeTime{now: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
	p := NewPacer(stopLimit)
	p.now, p.sleep = ft.Now, ft.Sleep
	return p, ft
}

// interval is 1/(PaceFraction·limit) as the pacer computes it.
func interval(limit int) time.Duration {
	return time.Duration(float64(time.Second) / (PaceFraction * float64(limit)))
}

func TestPacerSpacesOneAction(t *testing.T) {
	t.Parallel()
	p, ft := fakePacer(10)
	gap := p.Interval(model.ActionStop)
	if want := interval(10); gap < want-time.Nanosecond || gap > want+time.Nanosecond {
		t.Fatalf("Interval(StopInstances) = %v; want 1/(0.92·10) s = %v", gap, want)
	}
	for range 5 {
		if err := p.Wait(context.Background(), model.ActionStop); err != nil {
			t.Fatal(err)
		}
	}
	want := []time.Duration{0, gap, 2 * gap, 3 * gap, 4 * gap}
	if got := ft.Slept(); !slices.Equal(got, want) {
		t.Fatalf("five requests at one instant slept %v; want %v (evenly spaced)", got, want)
	}
	// Once the clock has passed every reserved slot, the next request
	// leaves at once: idle time is not banked as a burst either.
	ft.Advance(time.Hour)
	_ = p.Wait(context.Background(), model.ActionStop)
	_ = p.Wait(context.Background(), model.ActionStop)
	if got := ft.Slept()[5:]; !slices.Equal(got, []time.Duration{0, gap}) {
		t.Fatalf("after an idle hour slept %v; want [0 %v]", got, gap)
	}
}

func TestPacerActionsDoNotWaitForEachOther(t *testing.T) {
	t.Parallel()
	p, ft := fakePacer(10)
	for _, a := range []string{model.ActionStop, model.ActionStart, model.ActionDescribe} {
		if err := p.Wait(context.Background(), a); err != nil {
			t.Fatal(err)
		}
	}
	if got := ft.Slept(); !slices.Equal(got, []time.Duration{0, 0, 0}) {
		t.Fatalf("one request of each of three actions slept %v; want none to wait", got)
	}
}

func TestPacerConcurrentCallersGetSuccessiveSlots(t *testing.T) {
	t.Parallel()
	p, ft := fakePacer(10)
	gap := p.Interval(model.ActionStop)
	const n = 64
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if err := p.Wait(context.Background(), model.ActionStop); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got := ft.Slept()
	slices.Sort(got)
	for i, d := range got {
		if d != time.Duration(i)*gap {
			t.Fatalf("slot %d of %d concurrent callers = %v; want %v (each caller its own slot)", i, n, d, time.Duration(i)*gap)
		}
	}
	if len(got) != n {
		t.Fatalf("%d sleeps; want %d", len(got), n)
	}
}

func TestPacerRest(t *testing.T) {
	t.Parallel()
	p, ft := fakePacer(10)
	gap := p.Interval(model.ActionStop)
	_ = p.Wait(context.Background(), model.ActionStop)
	p.Rest(model.ActionStop)
	_ = p.Wait(context.Background(), model.ActionStop)
	if got := ft.Slept()[1]; got < time.Second {
		t.Fatalf("the first request after Rest slept %v; want at least a second", got)
	}
	if got := ft.Slept()[1]; got != time.Second+gap {
		t.Fatalf("the first request after Rest slept %v; want 1 s + one interval = %v", got, time.Second+gap)
	}
	// Rest never pulls an already later slot earlier.
	for range 20 {
		_ = p.Wait(context.Background(), model.ActionStop)
	}
	before := p.next[model.ActionStop]
	p.Rest(model.ActionStop)
	if after := p.next[model.ActionStop]; !after.Equal(before) {
		t.Fatalf("Rest moved a slot %v out to %v; want it left alone", before.Sub(ft.Now()), after.Sub(ft.Now()))
	}
	// Rest of one action leaves the others alone.
	_ = p.Wait(context.Background(), model.ActionDescribe)
	if got := ft.Slept(); got[len(got)-1] != 0 {
		t.Fatalf("DescribeInstances after a StopInstances Rest slept %v; want 0", got[len(got)-1])
	}
}

func TestPacerLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		stop   int
		action string
		want   time.Duration
		reason string
	}{
		{"stop-configured", 10, model.ActionStop, interval(10), "--rate-limit 10, the documented default"},
		{"stop-other", 4, model.ActionStop, interval(4), "StopInstances uses --rate-limit, not the documented 10"},
		{"start", 4, model.ActionStart, interval(model.RateLimit(model.ActionStart)), "StartInstances keeps its documented limit whatever --rate-limit says"},
		{"describe", 4, model.ActionDescribe, interval(model.RateLimit(model.ActionDescribe)), "DescribeInstances keeps its documented 40"},
		{"undocumented", 10, "RunInstances", 0, "an action without a documented limit is not paced"},
		{"empty", 10, "", 0, "nor is a request without Action"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, ft := fakePacer(tc.stop)
			if got := p.Interval(tc.action); got != tc.want {
				t.Fatalf("Interval(%q) = %v; want %v\nreason: %s", tc.action, got, tc.want, tc.reason)
			}
			for range 3 {
				if err := p.Wait(context.Background(), tc.action); err != nil {
					t.Fatal(err)
				}
			}
			wantSlept := []time.Duration{0, tc.want, 2 * tc.want}
			if tc.want == 0 {
				wantSlept = nil // not paced: the pacer does not even sleep
			}
			if got := ft.Slept(); !slices.Equal(got, wantSlept) {
				t.Fatalf("three requests slept %v; want %v\nreason: %s", got, wantSlept, tc.reason)
			}
		})
	}
	if model.RateLimit(model.ActionDescribe) != 40 || model.RateLimit(model.ActionStart) != 10 {
		t.Fatalf("documented limits changed: DescribeInstances %d, StartInstances %d; the cases above assume 40 and 10",
			model.RateLimit(model.ActionDescribe), model.RateLimit(model.ActionStart))
	}
}

func TestPacerCancelled(t *testing.T) {
	t.Parallel()
	p := NewPacer(1) // real clock and sleep: slots 1.1 s apart
	ctx, cancel := context.WithCancel(context.Background())
	if err := p.Wait(ctx, model.ActionStop); err != nil {
		t.Fatalf("the first request waited: %v", err)
	}
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	start := time.Now()
	err := p.Wait(ctx, model.ActionStop)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait after cancel = %v; want context.Canceled", err)
	}
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Fatalf("a cancelled Wait took %v; want it to return at the cancel", d)
	}
	if err := p.Wait(ctx, "RunInstances"); !errors.Is(err, context.Canceled) {
		t.Fatalf("unpaced Wait on a cancelled context = %v; want context.Canceled", err)
	}
	if err := p.Wait(ctx, model.ActionDescribe); !errors.Is(err, context.Canceled) {
		t.Fatalf("a free slot on a cancelled context = %v; want context.Canceled", err)
	}
}

func TestSleepCtx(t *testing.T) {
	t.Parallel()
	if err := sleepCtx(context.Background(), time.Millisecond); err != nil {
		t.Fatalf("sleepCtx(1ms) = %v; want nil", err)
	}
	if err := sleepCtx(context.Background(), -time.Second); err != nil {
		t.Fatalf("sleepCtx(-1s) = %v; want nil", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleepCtx(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("sleepCtx(cancelled, 0) = %v; want context.Canceled", err)
	}
	if err := sleepCtx(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("sleepCtx(cancelled, 1h) = %v; want context.Canceled", err)
	}
}

// TestPacerNeverExceedsTheLimit: whatever the times callers ask at, the
// sends of one action follow each other no closer than the interval, and
// no second (a closed window of 1 s) holds more than the action's limit.
// Callers need not wait for each other: a Wait may come while earlier
// callers are still asleep.
func TestPacerNeverExceedsTheLimit(t *testing.T) {
	t.Parallel()
	actions := []string{model.ActionStop, model.ActionStart, model.ActionDescribe, "RunInstances"}
	rapid.Check(t, func(rt *rapid.T) {
		stop := rapid.IntRange(1, 50).Draw(rt, "stopLimit")
		p, ft := fakePacer(stop)
		sends := map[string][]time.Time{}
		n := rapid.IntRange(1, 120).Draw(rt, "requests")
		for range n {
			ft.Advance(time.Duration(rapid.IntRange(0, 400).Draw(rt, "pauseMs")) * time.Millisecond)
			a := rapid.SampledFrom(actions).Draw(rt, "action")
			if rapid.Map(rapid.IntRange(0, 19), func(n int) bool { return n == 0 }).Draw(rt, "rest") {
				p.Rest(a)
			}
			before := len(ft.Slept())
			if err := p.Wait(context.Background(), a); err != nil {
				rt.Fatal(err)
			}
			var d time.Duration
			if s := ft.Slept(); len(s) > before {
				d = s[len(s)-1]
			}
			if d < 0 {
				rt.Fatalf("%s slept %v", a, d)
			}
			sends[a] = append(sends[a], ft.Now().Add(d))
		}
		for a, ts := range sends {
			limit := model.RateLimit(a)
			if a == model.ActionStop {
				limit = stop
			}
			if limit == 0 {
				continue
			}
			slices.SortFunc(ts, func(x, y time.Time) int { return x.Compare(y) })
			gap := p.Interval(a)
			for i := 1; i < len(ts); i++ {
				if d := ts[i].Sub(ts[i-1]); d < gap {
					rt.Fatalf("%s sends %d and %d are %v apart; want at least the interval %v", a, i-1, i, d, gap)
				}
			}
			for i := range ts {
				in := 0
				for j := i; j < len(ts) && !ts[j].After(ts[i].Add(time.Second)); j++ {
					in++
				}
				if in > limit {
					rt.Fatalf("%s: %d sends within 1 s from send %d; the limit is %d", a, in, i, limit)
				}
			}
		}
	})
}

// A caller whose context has ended takes no slot, and one cut short while
// waiting gives its slot back: however many requests a cancelled run
// tried to send, the next caller (the restore at the run's end) waits no
// longer than one interval.
func TestPacerCancelledWaitsTakeNoSlot(t *testing.T) {
	t.Parallel()
	p, ft := fakePacer(10)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 100 {
		if err := p.Wait(ctx, model.ActionDescribe); !errors.Is(err, context.Canceled) {
			t.Fatalf("Wait(cancelled) = %v; want context.Canceled", err)
		}
	}
	// One caller waiting behind another, cut short while it waits (the
	// fake sleep returns ctx.Err()): its slot is given back.
	live := context.Background()
	if err := p.Wait(live, model.ActionDescribe); err != nil {
		t.Fatal(err)
	}
	p.sleep = func(context.Context, time.Duration) error { return context.Canceled }
	if err := p.Wait(live, model.ActionDescribe); err == nil {
		t.Fatal("Wait = nil; want the sleep's error")
	}
	p.sleep = ft.Sleep
	if err := p.Wait(live, model.ActionDescribe); err != nil {
		t.Fatal(err)
	}
	slept := ft.Slept()
	if got, want := slept[len(slept)-1], interval(model.RateLimit(model.ActionDescribe)); got != want {
		t.Errorf("the next caller waits %s; want one interval, %s", got, want)
	}
}
