package report

import (
	"strings"
	"time"
)

// This file holds the report's record of activity: what was sent when,
// what came back, and what the listings showed, compact and structured,
// so that the HTML report can draw per-instance timelines and request
// rates. The engine fills it from a run's transcript, the judging
// pipeline from judged traffic; it is bounded (MaxEvents), so that a
// report stays small whatever the run sent.

// MaxEvents bounds [Activity.Events]: a full `make run` sends about 2,000
// requests, a proxy left running may forward millions. Past it, events
// are dropped (counted in [Activity.Dropped]); the ones kept are the
// first.
const MaxEvents = 20000

// maxEventInstances bounds the instances an event names: a batch of 101
// is the longest a check sends, and a marker for each on a timeline is
// what a reader wants; a hostile request may name thousands.
const maxEventInstances = 120

// Activity is a compact record of the exchanges of a run or of judged
// traffic. It is not in the JSON report (whose keys stay the results):
// it is the HTML report's, and --transcript keeps every exchange whole.
type Activity struct {
	// Events are the exchanges in the order they were sent, at most
	// MaxEvents.
	Events []Event
	// Dropped counts the exchanges left out past MaxEvents.
	Dropped int
	// Limits are the documented rate limits per second and account, by
	// action, that the target was expected to enforce (model.RateLimit,
	// and --rate-limit for StopInstances).
	Limits map[string]int

	_ struct{}
}

// Event is one exchange, as a timeline shows it.
type Event struct {
	Seq     int
	Sent    time.Time
	Took    time.Duration
	Lane    string // the lane that sent it; "" for judged traffic
	Account string // the account whose credentials signed it ("main", "second", "lane-1", or a masked SecretId)
	Check   string // the check that sent it; the recording, for judged traffic
	Action  string
	// Instances are the instance IDs the request names, at most 120.
	Instances []string
	// Code is the answer: "" for a success, the error code, or
	// [NoAnswer].
	Code string
	// Shown are the states a successful DescribeInstances listed, of the
	// instances whose state it showed changed since the last listing
	// that showed them (or that it showed first): a timeline needs only
	// the changes, and a listing of a whole account every few hundred
	// milliseconds would otherwise dwarf the rest.
	Shown []Shown
	// Summary is the request and its answer in one line, secrets
	// redacted, for a timeline mark's tooltip.
	Summary string
}

// NoAnswer is [Event.Code] for an exchange that got no answer (its
// outcome is unknown) or one that is not a TencentCloud envelope.
const NoAnswer = "(no answer)"

// Shown is an instance's state as a listing showed it.
type Shown struct {
	Instance string
	State    string
}

// Refused reports whether the event was refused for the rate limit.
func (e Event) Refused() bool {
	return strings.HasPrefix(e.Code, "RequestLimitExceeded")
}

// ActivityLog builds an [Activity] one exchange at a time, keeping only
// the state changes of listings (see [Event.Shown]). It is not safe for
// concurrent use.
type ActivityLog struct {
	a    Activity
	last map[string]string // instance → state last recorded
}

// NewActivityLog returns an empty log expecting the given rate limits
// (see [Activity.Limits]).
func NewActivityLog(limits map[string]int) *ActivityLog {
	return &ActivityLog{a: Activity{Limits: limits}, last: map[string]string{}}
}

// Add records one exchange; listed are the states a successful listing
// showed, in its order (nil for any other exchange).
func (l *ActivityLog) Add(e Event, listed []Shown) {
	if len(l.a.Events) >= MaxEvents {
		l.a.Dropped++
		return
	}
	if len(e.Instances) > maxEventInstances {
		e.Instances = e.Instances[:maxEventInstances]
	}
	for _, s := range listed {
		if l.last[s.Instance] != s.State {
			l.last[s.Instance] = s.State
			e.Shown = append(e.Shown, s)
		}
	}
	l.a.Events = append(l.a.Events, e)
}

// Activity returns what was recorded.
func (l *ActivityLog) Activity() Activity { return l.a }

// Len is the number of events kept.
func (a Activity) Len() int { return len(a.Events) }
