package runner

import (
	"strings"
	"unicode/utf8"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/report"
)

// ActivityOf is the report's compact record of a run's exchanges
// (report.Activity), from its transcript: each exchange's time, lane,
// account, action, the instances it names, its outcome, and the states a
// successful DescribeInstances showed. stopLimit is the StopInstances
// limit the target was expected to enforce (0: the documented one).
func ActivityOf(xs []*Exchange, stopLimit int) report.Activity {
	l := report.NewActivityLog(Limits(stopLimit))
	for _, x := range xs {
		l.Add(x.Event(), x.listed())
	}
	return l.Activity()
}

// Limits are the documented rate limits, per second and account, of the
// actions the suite sends (model.RateLimit), StopInstances' replaced by
// stopLimit when it is positive (--rate-limit).
func Limits(stopLimit int) map[string]int {
	out := map[string]int{}
	for _, a := range []string{model.ActionStop, model.ActionStart, model.ActionDescribe} {
		out[a] = model.RateLimit(a)
	}
	if stopLimit > 0 {
		out[model.ActionStop] = stopLimit
	}
	return out
}

// summaryCap bounds an event's one-line summary: a tooltip, not the
// record (the transcript and the counterexample hold the whole).
const summaryCap = 400

// Event is the exchange as a timeline shows it (report.Event), its
// states shown left for the log to fill.
func (x *Exchange) Event() report.Event {
	e := report.Event{Seq: x.Seq, Sent: x.Sent, Took: x.Duration(), Lane: x.Lane, Account: x.account(), Check: x.Check,
		Action: x.Call.Action, Instances: InstancesNamed(x.Request), Code: x.Outcome.Code}
	if x.Err != nil || x.ParseErr != nil || x.Outcome.Unknown {
		e.Code = report.NoAnswer
	}
	e.Summary = Clip(x.Summary()+" → "+x.Answer(), summaryCap)
	return e
}

// account labels the account whose credentials signed the request: the
// second account's, or else the lane's own. Each lane decodes its
// requests with its account's key as AccountMain (NewTarget), so the
// model's Request.Account says "main" for every lane account; the lane's
// label ("lane-1/2") names which.
func (x *Exchange) account() string {
	lane, _, _ := strings.Cut(x.Lane, "/")
	switch {
	case x.Request.Account == AccountSecond:
		return AccountSecond
	case lane != "":
		return lane
	case x.Request.Account != "":
		return x.Request.Account
	}
	return AccountMain
}

// listed are the states a successful DescribeInstances answer showed,
// nil for any other exchange or an answer that does not read.
func (x *Exchange) listed() []report.Shown {
	if x.Call.Action != model.ActionDescribe || x.Err != nil || x.ParseErr != nil || x.Response.Error != nil {
		return nil
	}
	res, err := ParseDescribe(x.Response)
	if err != nil {
		return nil
	}
	return Shown(res.Instances)
}

// Shown is what a listing showed of each instance, for report.Event.
func Shown(vs []model.View) []report.Shown {
	out := make([]report.Shown, 0, len(vs))
	for _, v := range vs {
		out = append(out, report.Shown{Instance: v.ID, State: string(v.State)})
	}
	return out
}

// Clip cuts s to at most n bytes, at a rune boundary, marking the cut
// with "…".
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
