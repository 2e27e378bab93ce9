package report

import "time"

// Status is a check's verdict. Fail means the target departs from the
// specification; Error means the check itself could not be carried out
// (the harness broke, the target vanished): never one disguised as the
// other (DESIGN "Command line").
type Status string

// The statuses, with the JSON report's spelling. Known is a run's only
// when it was judged with a baseline.
const (
	Pass  Status = "pass"
	Fail  Status = "fail"
	Skip  Status = "skip"
	Error Status = "error"
	// Known is a failure the run's baseline lists, whole (runner/baseline):
	// the target still departs from the specification, but the user knows
	// and said why, so it does not fail the gate. Its Reason is the
	// failure's; [Run.KnownReason] is the baseline's.
	Known Status = "known"
)

// Run is the result of one conformance run, or of traffic judged (see
// [Kind]): what was checked, and how each check went. Reporters render
// it; nothing in it is rendered text except Counterexample.
type Run struct {
	// Kind is what the report is of; the zero value is a run. Seed,
	// Lanes and LongestLane are a run's only: the reporters leave them
	// out of the others.
	Kind     Kind
	Target   string // what was checked, e.g. "http://127.0.0.1:8080 (embedded emulator)"
	Region   string
	Seed     uint64
	Strict   bool
	Fleet    string // one line describing the fleet the checks used
	Started  time.Time
	Duration time.Duration
	Requests int // requests sent in the whole run
	// Replay is the command that makes the run again (its seed and
	// selection), for the HTML report's header; "" for judged traffic.
	Replay string
	// Lanes is how many lanes (accounts, or shares of one account's
	// instances) ran its checks, and LongestLane the busiest one's time:
	// the run's critical path.
	Lanes       int
	LongestLane time.Duration
	Checks      []Check
	// Incomplete says why the run did not reach its end (a signal, the
	// --timeout, --fail-fast), or why judged traffic could not all be
	// judged (an upstream that never answered); "" when it did. A run
	// with a reason here is never [Conformant] (DESIGN "A verdict is
	// never greener than what ran").
	Incomplete string
	// RequireAll makes any skipped check leave the verdict [Incomplete]
	// (run --require-all): the gate passes only on every check judged.
	RequireAll bool
	// LeftChanged lists each instance the run left in another state than
	// it found it in, the restore at its end notwithstanding: empty after
	// a clean run.
	LeftChanged []LeftInstance
	// Coverage is, for every rule, error code, transition and ledger
	// entry of the model, whether the run exercised it (evidence.go);
	// empty when it was not measured.
	Coverage []CoverageItem
	// Profile is the defensible choices the target was seen to make
	// (evidence.go); empty when it was not measured.
	Profile []Dimension
	// MinCoverage is the --min-coverage gate: the share of the model's
	// rules, in percent, the run must exercise ([Run.RuleCoverage]); below
	// it the verdict is [Incomplete]. 0: no gate.
	MinCoverage float64
	// Baseline is the baseline the run was judged with and how each of
	// its entries fared; nil when none was given (and then the reports
	// read as they did before baselines existed).
	Baseline *Baseline
	// Activity is a compact record of every exchange (activity.go), for
	// the HTML report's timelines and rates; empty when none was kept.
	// It is not in the JSON report.
	Activity Activity

	_ struct{}
}

// LeftInstance is an instance a run left in another state than it found
// it in.
type LeftInstance struct {
	Account  string // the account's label: "main", "lane-1", …
	Region   string
	Instance string
	Found    string // its state when the run discovered it
	Left     string // its state when last seen, or "unknown" (see runner.LeftChanged)
}

// String reads "main ap-guangzhou ins-… found RUNNING, left STOPPED".
func (l LeftInstance) String() string {
	return l.Account + " " + l.Region + " " + l.Instance + " found " + l.Found + ", left " + l.Left
}

// Check is the result of one check.
type Check struct {
	ID       string // SI-<AREA>-<NN>
	Title    string
	Spec     string // the clause it enforces
	Severity string // MUST or SHOULD
	Status   Status
	// Reason is one line: why the check failed, was skipped, or errored;
	// for a pass, empty or what the pass rests on (a timing argument's
	// numbers).
	Reason string
	// Counterexample is the minimal failing exchange as a readable
	// transcript (requests, responses, the model's expectation), for a
	// failure; may be empty otherwise.
	Counterexample string
	// Replay is the exact command that replays this check's failure.
	Replay string
	// Exchanges are a failure's exchanges, structured: the steps its
	// Counterexample shows, for reproductions in another client and the
	// HTML report. Empty for a check that did not fail.
	Exchanges []Exchange
	// Artifacts are files a failure refers to, written beside the
	// report (porcupine's visualisation of a history no order
	// explains): their paths as written.
	Artifacts []string
	Duration  time.Duration
	Requests  int

	_ struct{}
}

// Summary counts checks by status.
type Summary struct {
	Pass, Fail, Skip, Error int
	Known                   int // failures the baseline lists
}

// Summary counts the run's checks by status.
func (r Run) Summary() Summary {
	var s Summary
	for _, c := range r.Checks {
		switch c.Status {
		case Pass:
			s.Pass++
		case Fail:
			s.Fail++
		case Skip:
			s.Skip++
		case Error:
			s.Error++
		case Known:
			s.Known++
		}
	}
	return s
}

// failingSections are the sections every report opens with, in order:
// the checks that failed, then those that could not be carried out.
var failingSections = []struct {
	status Status
	title  string
}{{Fail, "Failures"}, {Error, "Errors"}}

// With is the run's checks of status s, in the run's order: the sections
// of the reporters (Failures, Errors, Known failures).
func (r Run) With(s Status) []Check {
	var out []Check
	for _, c := range r.Checks {
		if c.Status == s {
			out = append(out, c)
		}
	}
	return out
}
