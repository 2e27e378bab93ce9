package runner_test

import (
	"context"
	"testing"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
)

// BenchmarkPacerSustainsTheDocumentedRate sends paced StopInstances
// against the embedded emulator at its documented limit (10 a second) and
// reports the rate achieved as a fraction of that limit
// (fraction-of-limit, ≈ PaceFraction = 0.9 by design) and how many were
// rate limited (rate-limited, which must be 0: the pacer exists so that a
// target never limits ordinary traffic). The instance ID is well formed
// but names no instance, so every request is a harmless NotFound.
//
// One iteration is 30 requests, about 3.2 s.
func BenchmarkPacerSustainsTheDocumentedRate(b *testing.B) {
	const perIteration = 30
	e := embedded(b, emulator.EmbeddedOptions{})
	tg := target(b, e)
	limit := model.RateLimit(model.ActionStop)
	var sends, limited int
	var busy time.Duration
	for b.Loop() {
		var first, last time.Time
		for i := range perIteration {
			x, err := tg.Do(context.Background(), runner.Send{Check: "bench", Call: stop("ins-zzzzzzzz")})
			if err != nil {
				b.Fatal(err)
			}
			// if/else, not a tagless switch: go1.26.8's compiler crashes
			// on a switch whose case calls a function inside b.Loop.
			if model.IsRateLimited(x.Outcome.Code) {
				limited++
			} else if x.Outcome.Code != model.CodeNotFound {
				b.Fatalf("request %d: %s; want %s", i, x.Answer(), model.CodeNotFound)
			}
			if i == 0 {
				first = x.Sent
			}
			last = x.Sent
		}
		// The rate is intervals over the time they span: the first
		// request of an iteration may leave at once.
		sends += perIteration - 1
		busy += last.Sub(first)
	}
	rate := float64(sends) / busy.Seconds()
	b.ReportMetric(rate/float64(limit), "fraction-of-limit")
	b.ReportMetric(float64(limited), "rate-limited")
	if limited > 0 {
		b.Fatalf("%d of %d paced requests were rate limited by a target enforcing the documented %d/s", limited, sends, limit)
	}
}
