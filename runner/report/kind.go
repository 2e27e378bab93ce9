package report

import "fmt"

// Kind says what a report is the result of: a conformance run, which sent
// its own requests, or traffic the suite did not send, judged by
// `cvmconform judge` or `cvmconform proxy`. The reporters consult it, and
// only it, for how they name the report and its parts, and to leave out
// what only a run has: a seed, lanes, a request rate. The zero Kind is
// [KindRun].
type Kind string

// The kinds, with the JSON report's spelling.
const (
	// KindRun is a conformance run (`cvmconform run`, selftest): each
	// check sent its own requests.
	KindRun Kind = "run"
	// KindRecorded is recorded traffic judged (`cvmconform judge`): one
	// check per recording, Target names the recordings, Fleet the
	// instances they named or listed, and Requests counts exchanges.
	KindRecorded Kind = "recorded"
	// KindProxy is the traffic through the proxy judged (`cvmconform
	// proxy`): one check, Target is the upstream, Fleet the instances
	// named or listed, and Requests counts exchanges.
	KindProxy Kind = "proxy"
	// KindSnapshot is a target's answers compared with a record
	// (`cvmconform snapshot verify`): one check per scenario, named as
	// the scenario, which fails when any of its steps drifted; Target is
	// the target played and Requests counts the requests the scenarios
	// sent. It is a kind of its own because a drift is a change, not a
	// departure from the specification: the reports say "scenario", not
	// "check".
	KindSnapshot Kind = "snapshot"
)

// kindText is everything in a report that depends on its kind: one
// table, which the reporters read and do not branch around.
type kindText struct {
	kind Kind
	// title is the console's first line after "cvmconform: "; a judged
	// report's adds what was judged: the checks (items) when countItems,
	// then the requests.
	title      string
	countItems bool
	item       string // what a check is, in counts: "check", "file"
	request    string // what Requests counts: "request", "exchange"
	none       string // the verdict's reason when there are no checks
	target     string // the name of Target, in the header and JUnit
	fleet      string // the name of Fleet, likewise
	suite      string // the JUnit suite's name
	// run: the report has what only a run has — a seed (the header, the
	// JSON's seed and seed_text, JUnit's seed property), lanes and a
	// request rate. Without it they are left out, or zero in the JSON.
	run bool
}

var kinds = map[Kind]kindText{
	KindRun: {kind: KindRun, title: "StopInstances conformance run", item: "check", request: "request",
		none: "no checks were run", target: "target", fleet: "fleet", suite: "cvmconform", run: true},
	KindRecorded: {kind: KindRecorded, title: "StopInstances recorded traffic judged", countItems: true, item: "file", request: "exchange",
		none: "no recordings were judged", target: "files", fleet: "instances", suite: "cvmconform judge"},
	KindProxy: {kind: KindProxy, title: "StopInstances traffic through the proxy judged", item: "check", request: "exchange",
		none: "no traffic was judged", target: "upstream", fleet: "instances", suite: "cvmconform proxy"},
	KindSnapshot: {kind: KindSnapshot, title: "StopInstances answers compared with a record", countItems: true, item: "scenario", request: "request",
		none: "no scenarios were compared", target: "played", fleet: "record", suite: "cvmconform snapshot"},
}

// text is the wording of r's kind, or an error if its Kind is not one of
// the three.
func (r Run) text() (kindText, error) {
	k := r.Kind
	if k == "" {
		k = KindRun
	}
	t, ok := kinds[k]
	if !ok {
		return kindText{}, fmt.Errorf("report: the run's kind is %q, not one of run, recorded, proxy, snapshot", r.Kind)
	}
	return t, nil
}

// heading is the console's first line, e.g. "cvmconform: StopInstances
// conformance run" or "cvmconform: StopInstances recorded traffic judged:
// 3 files, 212 exchanges".
func (t kindText) heading(r Run) string {
	h := "cvmconform: " + t.title
	if t.run {
		return h
	}
	h += ": "
	if t.countItems {
		h += plural(len(r.Checks), t.item) + ", "
	}
	return h + plural(r.Requests, t.request)
}
