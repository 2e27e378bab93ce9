package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// JSON writes the run as the JSON report, indented two spaces and ended
// by a newline. Its keys and their types are a stable interface (DESIGN
// "Command line"): they may be added to, never renamed or removed, and
// every key is always present (an empty string is "", an empty list []).
//
//	{
//	  "schema_version": number,  // SchemaVersion: 1
//	  "target": string,
//	  "region": string,
//	  "seed": number,            // uint64, exact: see below
//	  "seed_text": string,       // the same seed in decimal
//	  "strict": bool,
//	  "fleet": string,
//	  "started": string,         // RFC 3339, UTC, whole seconds
//	  "duration_ms": number,     // integer milliseconds, rounded
//	  "requests": number,
//	  "lanes": number,           // lanes the checks were spread over
//	  "longest_lane_ms": number, // the busiest lane's time: the critical path
//	  "checks": [{
//	    "id", "title", "spec", "severity": string,
//	    "status": "pass" | "fail" | "skip" | "error" | "known",
//	    "reason", "counterexample", "replay": string,
//	    "duration_ms", "requests": number,
//	    "exchanges": [{          // a failure's exchanges, structured; [] otherwise
//	      "seq": number, "lane", "action", "style", "region": string,
//	      "sent": string,        // RFC 3339 with nanoseconds, UTC
//	      "took_ms": number,
//	      "method", "url": string, "headers": [string], "body": string,
//	      "status": number, "code", "answer", "expected", "finding", "call": string
//	    }]
//	  }],
//	  "summary": {"pass", "fail", "skip", "error", "known": number},
//	  "kind": "run" | "recorded" | "proxy",
//	  "complete": bool,          // false: the verdict rests on less than the whole ([Run.Verdict] is INCOMPLETE, or the run did not reach its end)
//	  "incomplete_reason": string, // why not; "" when complete
//	  "require_all": bool        // any skip makes the verdict INCOMPLETE
//	  "left_changed": [{"account", "region", "instance", "found", "left": string}],
//	  "verdict": "CONFORMANT" | "NOT CONFORMANT" | "INCOMPLETE",
//	  "verdict_line": string,    // the console report's last line: the verdict and what it rests on
//	  "coverage": [{             // every rule, code, transition and ledger entry, and whether it was exercised
//	    "kind": "rule" | "code" | "transition" | "ledger",
//	    "id", "text": string, "checks": [string], "outcomes": [string],
//	    "exercised": bool, "unexercised": string
//	  }],
//	  "profile": [{              // the defensible choices the target was seen to make
//	    "name", "ledger", "choice", "evidence": string, "observed": bool
//	  }],
//	  "baseline_file": string,   // the --baseline FILE, "" when none was given
//	  "baseline": [{             // its entries and how each fared; [] without one
//	    "check", "rule", "case", "reason", "until": string, "flaky": bool,
//	    "state": "known" | "stale" | "expired" | "not judged" | "unused",
//	    "detail": string
//	  }]
//	}
//
// "schema_version" is [SchemaVersion], and runner/report/report.schema.json
// (printed by `cvmconform schema`) is the JSON Schema of this version. It
// is bumped when a consumer written for the previous version could
// misread a report: a key renamed, removed or retyped, or its meaning
// changed. Adding a key, or a value to an enumeration ("known" to
// "status"), does not bump it: a consumer must ignore keys it does not
// know, and the schema, which allows no key it does not name, is updated
// with the key.
//
// A check's status is "known" only in a run judged with a baseline
// (runner/baseline): a failure the baseline lists. "baseline" lists each
// entry of the file in its order, with its state: "known" (it matched a
// failure), "stale" (the check, or its rule or case, now passes) and
// "expired" (past "until") fail the gate; "not judged" (the check was
// skipped or errored) and "unused" (not in the run) do not.
//
// The keys of DESIGN are target, seed, started, duration_ms, requests,
// checks (id, title, spec, status, reason, counterexample) and summary;
// the others are additions. Keys appear in the order above.
//
// "kind" is what the report is of ([Kind]): "run" for `cvmconform run`,
// "recorded" for recorded traffic judged (`cvmconform judge`: one check
// per recording, target names the recordings, fleet the instances they
// named or listed, requests counts exchanges), "proxy" for the traffic
// through `cvmconform proxy` (target is the upstream), "snapshot" for
// `cvmconform snapshot verify` (one check per scenario, named as the
// scenario, failing when it drifted from the record). A judged report
// has no seed and no lanes, but keeps every key: seed and lanes and
// longest_lane_ms are 0, seed_text is "".
//
// "left_changed" lists each instance the run left in another state than it
// found it in (found, and left: the state it was last seen in, or
// "unknown"); it is empty after a clean run, and for judged traffic.
//
// The seed is a uint64 written as an exact JSON number. Values above 2^53
// do not survive a parser that reads numbers as IEEE doubles (JavaScript's
// JSON.parse, jq before 1.7): such consumers must read "seed_text", or
// parse numbers as big integers.
//
// Strings are the run's own, with JSON escapes for control characters;
// invalid UTF-8 becomes U+FFFD. JSON writes nothing and returns an error
// if a check's status is not one of the five, or the run's Kind not one
// of the four (the interface allows no other); otherwise an error is the
// writer's.
func JSON(w io.Writer, r Run) error {
	var buf bytes.Buffer
	if err := encodeJSON(&buf, r); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// SchemaVersion is the JSON report's "schema_version" (see [JSON] for what
// bumps it).
const SchemaVersion = 1

type jsonRun struct {
	SchemaVersion int                 `json:"schema_version"`
	Target        string              `json:"target"`
	Region        string              `json:"region"`
	Seed          uint64              `json:"seed"`
	SeedText      string              `json:"seed_text"`
	Strict        bool                `json:"strict"`
	Fleet         string              `json:"fleet"`
	Started       string              `json:"started"`
	DurationMS    int64               `json:"duration_ms"`
	Requests      int                 `json:"requests"`
	Lanes         int                 `json:"lanes"`
	LongestMS     int64               `json:"longest_lane_ms"`
	Checks        []jsonCheck         `json:"checks"`
	Summary       jsonSummary         `json:"summary"`
	Kind          Kind                `json:"kind"`
	Complete      bool                `json:"complete"`
	Why           string              `json:"incomplete_reason"`
	RequireAll    bool                `json:"require_all"`
	Left          []jsonLeft          `json:"left_changed"`
	Verdict       Verdict             `json:"verdict"`
	Line          string              `json:"verdict_line"`
	Coverage      []jsonCover         `json:"coverage"`
	Profile       []jsonDim           `json:"profile"`
	BaselineFile  string              `json:"baseline_file"`
	Baseline      []jsonBaselineEntry `json:"baseline"`
}

type jsonBaselineEntry struct {
	Check  string        `json:"check"`
	Rule   string        `json:"rule"`
	Case   string        `json:"case"`
	Reason string        `json:"reason"`
	Until  string        `json:"until"`
	Flaky  bool          `json:"flaky"`
	State  BaselineState `json:"state"`
	Detail string        `json:"detail"`
}

type jsonCover struct {
	Kind        string   `json:"kind"`
	ID          string   `json:"id"`
	Text        string   `json:"text"`
	Checks      []string `json:"checks"`
	Outcomes    []string `json:"outcomes"`
	Exercised   bool     `json:"exercised"`
	Unexercised string   `json:"unexercised"`
}

type jsonDim struct {
	Name     string `json:"name"`
	Ledger   string `json:"ledger"`
	Choice   string `json:"choice"`
	Evidence string `json:"evidence"`
	Observed bool   `json:"observed"`
}

type jsonExchange struct {
	Seq      int      `json:"seq"`
	Lane     string   `json:"lane"`
	Action   string   `json:"action"`
	Style    string   `json:"style"`
	Region   string   `json:"region"`
	Sent     string   `json:"sent"`
	TookMS   int64    `json:"took_ms"`
	Method   string   `json:"method"`
	URL      string   `json:"url"`
	Headers  []string `json:"headers"`
	Body     string   `json:"body"`
	Status   int      `json:"status"`
	Code     string   `json:"code"`
	Answer   string   `json:"answer"`
	Expected string   `json:"expected"`
	Finding  string   `json:"finding"`
	Call     string   `json:"call"`
}

type jsonLeft struct {
	Account  string `json:"account"`
	Region   string `json:"region"`
	Instance string `json:"instance"`
	Found    string `json:"found"`
	Left     string `json:"left"`
}

type jsonCheck struct {
	ID             string         `json:"id"`
	Title          string         `json:"title"`
	Spec           string         `json:"spec"`
	Severity       string         `json:"severity"`
	Status         Status         `json:"status"`
	Reason         string         `json:"reason"`
	Counterexample string         `json:"counterexample"`
	Replay         string         `json:"replay"`
	DurationMS     int64          `json:"duration_ms"`
	Requests       int            `json:"requests"`
	Exchanges      []jsonExchange `json:"exchanges"`
}

type jsonSummary struct {
	Pass  int `json:"pass"`
	Fail  int `json:"fail"`
	Skip  int `json:"skip"`
	Error int `json:"error"`
	Known int `json:"known"`
}

func encodeJSON(w io.Writer, r Run) error {
	t, err := r.text()
	if err != nil {
		return err
	}
	if err := validStatuses(r); err != nil {
		return err
	}
	s := r.Summary()
	out := jsonRun{
		SchemaVersion: SchemaVersion,
		Target:        r.Target,
		Region:        r.Region,
		Seed:          r.Seed,
		SeedText:      strconv.FormatUint(r.Seed, 10),
		Strict:        r.Strict,
		Fleet:         r.Fleet,
		Started:       r.Started.UTC().Format(time.RFC3339),
		DurationMS:    millis(r.Duration),
		Requests:      r.Requests,
		Lanes:         max(r.Lanes, 1),
		LongestMS:     millis(r.LongestLane),
		Checks:        make([]jsonCheck, 0, len(r.Checks)),
		Summary:       jsonSummary{Pass: s.Pass, Fail: s.Fail, Skip: s.Skip, Error: s.Error, Known: s.Known},
		Kind:          t.kind,
		Complete:      r.Incomplete == "" && r.Verdict() != Incomplete,
		Why:           incompleteReason(r, t),
		RequireAll:    r.RequireAll,
		Left:          make([]jsonLeft, 0, len(r.LeftChanged)),
		Verdict:       r.Verdict(),
		Line:          verdictLine(r, t),
		Coverage:      make([]jsonCover, 0, len(r.Coverage)),
		Profile:       make([]jsonDim, 0, len(r.Profile)),
		Baseline:      []jsonBaselineEntry{},
	}
	if r.Baseline != nil {
		out.BaselineFile = r.Baseline.File
		for _, e := range r.Baseline.Entries {
			out.Baseline = append(out.Baseline, jsonBaselineEntry(e))
		}
	}
	for _, c := range r.Coverage {
		out.Coverage = append(out.Coverage, jsonCover{Kind: c.Kind, ID: c.ID, Text: c.Text,
			Checks: orEmpty(c.Checks), Outcomes: orEmpty(c.Outcomes), Exercised: c.Exercised(), Unexercised: c.Unexercised})
	}
	for _, d := range r.Profile {
		out.Profile = append(out.Profile, jsonDim{Name: d.Name, Ledger: d.Ledger, Choice: d.Choice, Evidence: d.Evidence, Observed: d.Observed()})
	}
	for _, l := range r.LeftChanged {
		out.Left = append(out.Left, jsonLeft(l))
	}
	switch {
	case !t.run:
		out.Seed, out.SeedText, out.Lanes, out.LongestMS = 0, "", 0, 0
	case r.Lanes == 0:
		out.LongestMS = out.DurationMS // one lane: the run itself
	}
	for _, c := range r.Checks {
		out.Checks = append(out.Checks, jsonCheck{
			ID:             c.ID,
			Title:          c.Title,
			Spec:           c.Spec,
			Severity:       c.Severity,
			Status:         c.Status,
			Reason:         c.Reason,
			Counterexample: c.Counterexample,
			Replay:         c.Replay,
			DurationMS:     millis(c.Duration),
			Requests:       c.Requests,
			Exchanges:      jsonExchanges(c.Exchanges),
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // transcripts are full of < > &; nothing here is HTML
	return enc.Encode(out)
}

func jsonExchanges(xs []Exchange) []jsonExchange {
	out := make([]jsonExchange, 0, len(xs))
	for _, x := range xs {
		out = append(out, jsonExchange{Seq: x.Seq, Lane: x.Lane, Action: x.Action, Style: x.Style, Region: x.Region,
			Sent: x.Sent.UTC().Format(time.RFC3339Nano), TookMS: millis(x.Took),
			Method: x.Method, URL: x.URL, Headers: orEmpty(x.Headers), Body: x.Body,
			Status: x.Status, Code: x.Code, Answer: x.Answer, Expected: x.Expected, Finding: x.Finding, Call: x.Call})
	}
	return out
}

// orEmpty is s, or an empty list for nil: the JSON report writes [] for
// an empty list, never null.
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// millis is d in whole milliseconds, rounded half away from zero.
func millis(d time.Duration) int64 {
	return d.Round(time.Millisecond).Milliseconds()
}

// validStatuses returns an error naming the first check whose status is
// not one of the five.
func validStatuses(r Run) error {
	for _, c := range r.Checks {
		switch c.Status {
		case Pass, Fail, Skip, Error, Known:
		default:
			return fmt.Errorf("report: check %q has status %q, not one of pass, fail, skip, error, known", c.ID, c.Status)
		}
	}
	return nil
}

// incompleteReason says why a run is not complete: it did not reach its
// end ([Run.Incomplete]), or its verdict is INCOMPLETE for another reason
// (it judged nothing, a check could not be carried out, or it skipped
// one under --require-all), in the verdict line's words. It is "" for a
// complete run, so that "complete" and the verdict never disagree.
func incompleteReason(r Run, t kindText) string {
	switch {
	case r.Incomplete != "":
		return r.Incomplete
	case r.Verdict() == Incomplete:
		return strings.TrimPrefix(verdictLine(r, t), string(Incomplete)+": ")
	}
	return ""
}

// ReadJSON reads a JSON report ([JSON]) back into the Run it was written
// from, as far as the report holds it: its target, region, seed, kind,
// strictness, its checks (with a failure's exchanges), its coverage and
// profile. It is the one reader of the report, for the commands that take
// one (repro, coverage, profile). It fails on anything that is not a JSON
// report of cvmconform.
func ReadJSON(r io.Reader) (Run, error) {
	run, _, err := readJSON(r)
	return run, err
}

// readJSON is ReadJSON, and which of the report's top-level keys were
// there (a report of an older cvmconform lacks some).
func readJSON(r io.Reader) (Run, map[string]bool, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return Run{}, nil, err
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		return Run{}, nil, fmt.Errorf("not a cvmconform JSON report: %v", err)
	}
	if _, ok := keys["target"]; !ok {
		return Run{}, nil, errors.New(`not a cvmconform JSON report: it has no "target"`)
	}
	var in jsonRun
	if err := json.Unmarshal(raw, &in); err != nil {
		return Run{}, nil, fmt.Errorf("not a cvmconform JSON report: %v", err)
	}
	out := Run{Target: in.Target, Region: in.Region, Seed: in.Seed, Strict: in.Strict, Fleet: in.Fleet, Kind: in.Kind,
		Requests: in.Requests, Duration: time.Duration(in.DurationMS) * time.Millisecond}
	if t, err := time.Parse(time.RFC3339, in.Started); err == nil {
		out.Started = t
	}
	for _, c := range in.Checks {
		check := Check{ID: c.ID, Title: c.Title, Spec: c.Spec, Severity: c.Severity, Status: c.Status, Reason: c.Reason,
			Counterexample: c.Counterexample, Replay: c.Replay, Duration: time.Duration(c.DurationMS) * time.Millisecond, Requests: c.Requests}
		for _, x := range c.Exchanges {
			sent, _ := time.Parse(time.RFC3339Nano, x.Sent)
			check.Exchanges = append(check.Exchanges, Exchange{Seq: x.Seq, Lane: x.Lane, Action: x.Action, Style: x.Style, Region: x.Region,
				Sent: sent, Took: time.Duration(x.TookMS) * time.Millisecond, Method: x.Method, URL: x.URL, Headers: nilIfEmpty(x.Headers),
				Body: x.Body, Status: x.Status, Code: x.Code, Answer: x.Answer, Expected: x.Expected, Finding: x.Finding, Call: x.Call})
		}
		out.Checks = append(out.Checks, check)
	}
	for _, c := range in.Coverage {
		out.Coverage = append(out.Coverage, CoverageItem{Kind: c.Kind, ID: c.ID, Text: c.Text,
			Checks: nilIfEmpty(c.Checks), Outcomes: nilIfEmpty(c.Outcomes), Unexercised: c.Unexercised})
	}
	for _, d := range in.Profile {
		out.Profile = append(out.Profile, Dimension{Name: d.Name, Ledger: d.Ledger, Choice: d.Choice, Evidence: d.Evidence})
	}
	present := map[string]bool{}
	for k := range keys {
		present[k] = true
	}
	return out, present, nil
}
