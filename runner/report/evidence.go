package report

import "time"

// This file holds the report's structured evidence: what a failure's
// exchanges were (for reproductions and the HTML report), which rules of
// the model a run exercised (coverage), and which defensible choices the
// target made where the sources leave room (its profile). Reporters render
// them; the engine and the judges fill them in.

// Exchange is one request of a check and its answer, structured: what a
// reader needs to see a failure, and to send the request again with
// another client. It holds no secret (runner.RedactHeaders): the
// signature and session token are replaced, the SecretId masked.
type Exchange struct {
	Seq    int    // its place in the run's transcript, from 1
	Lane   string // the lane that sent it ("main", "main/2", "lane-1")
	Action string // the request's Action, "" when it had none
	Style  string // the signing style: TC3JSON, TC3Form, V1GET, V1POST, …
	Region string
	Sent   time.Time
	Took   time.Duration

	// The request as sent on the wire, secrets redacted.
	Method  string
	URL     string
	Headers []string // "Name: value", sorted by name
	Body    string

	// The answer: its HTTP status ("0" when none came), the error code or
	// "" for a success, and the answer in one line.
	Status int
	Code   string
	Answer string
	// Expected is what the model accepted in answer, in one line.
	Expected string
	// Finding is the model's finding on this exchange, "" when it was
	// acceptable.
	Finding string
	// Call is a `cvmconform call` command line that sends the request
	// again, "" when call cannot express it (a hand-made body).
	Call string
}

// Coverage kinds: what a [CoverageItem] is of.
const (
	CoverRule       = "rule"       // a rule of the model (model.Rules)
	CoverCode       = "code"       // an error code of the seed's table
	CoverTransition = "transition" // a state transition (RUNNING → STOPPING)
	CoverLedger     = "ledger"     // an entry of the ambiguity ledger (L-NN)
)

// CoverageItem is one thing the model knows — a rule, an error code, a
// transition, a ledger entry — and whether the run exercised it.
type CoverageItem struct {
	Kind string // one of the Cover… kinds
	ID   string // the rule's, code's or entry's name; "RUNNING → STOPPING"
	Text string // what it says, in one line
	// Checks are the checks whose exchanges exercised it, sorted.
	Checks []string
	// Outcomes are the outcomes it was seen with, sorted: error codes,
	// "served", "rate-limited", "no answer".
	Outcomes []string
	// Unexercised says why the run did not exercise it ("" when it did):
	// "SI-BATCH-03 skipped: needs 3 running instances", "not exercised".
	Unexercised string
}

// Exercised reports whether the run exercised the item.
func (c CoverageItem) Exercised() bool { return len(c.Checks) > 0 }

// Dimension is one point where the sources leave an implementation room
// (a ledger entry, a variant dimension of the emulator), and which choice
// the target was seen to make.
type Dimension struct {
	Name   string // e.g. "limiter.burst", "error.precedence", "latency.StopInstances"
	Ledger string // the ledger entry it is, "" when none
	// Choice is the choice observed, in the words of the variant it
	// matches where one does ("refuse", "first", "token-bucket, burst 20");
	// "" when the run could not observe it.
	Choice string
	// Evidence says what the choice rests on, in one line, or why the
	// run could not observe it.
	Evidence string
}

// Observed reports whether the run saw which choice the target made.
func (d Dimension) Observed() bool { return d.Choice != "" }
