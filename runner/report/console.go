package report

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// ConsoleOptions adjusts [Console].
type ConsoleOptions struct {
	// Color writes statuses and the verdict in ANSI colour. Set it only
	// for a terminal whose user has not opted out: IsTerminal(w) and the
	// NO_COLOR environment variable unset or empty (https://no-color.org).
	// Without it the report contains no escape sequences at all.
	Color bool

	_ struct{}
}

// Console writes the final report of a run, or of judged traffic, for
// people, in this order:
//
//  1. a header: what the report is of (from [Run.Kind]: "StopInstances
//     conformance run", or what was judged, e.g. "StopInstances recorded
//     traffic judged: 3 files, 212 exchanges"), then target, region, seed,
//     strictness (lenient or strict), fleet and start time — for judged
//     traffic the target and fleet are named for what they are (files or
//     upstream, instances), and there is no seed;
//  2. each failed check, then each errored check, in the run's order, with
//     its ID, title, clause, severity, reason, counterexample transcript
//     (indented; a finding line, "✗ …", that the reason states reads "✗
//     the reason above"), its failing exchange as sent on the wire (request
//     line, headers redacted, body, the answer's status and code) with the
//     `cvmconform call` line that sends it again, and, on its own line,
//     "replay: " and the replay command;
//  3. a table of every check in the run's (catalog) order: ID, title,
//     result and time, with the reason under the title of every skipped
//     check — so each skip is listed with why (a failure's or an error's
//     reason is in its block, and printed only there);
//  4. the target's profile, when measured: each dimension observed and
//     its choice, then the names of those not observed;
//  5. a summary line: counts by status, requests, duration and rate — for
//     judged traffic, checks are counted as files (of recordings),
//     requests as exchanges, the duration is the span of their times, and
//     there is no rate (the clients' is not the suite's);
//  6. the rule coverage line, when measured: "rules exercised 50/55
//     (91%); not exercised: …";
//  7. the verdict line, starting with [Run.Verdict]: "CONFORMANT",
//     "CONFORMANT on 30 of 86 checks (56 skipped: …)", "NOT CONFORMANT: …"
//     or "INCOMPLETE: …" (never CONFORMANT for a run that did not reach
//     its end: it says why).
//
// Text from the run is shown with control characters and invalid UTF-8
// escaped (\x1b, \u009b), so a target cannot inject terminal sequences,
// and fitted to the screen (see [Fit]): long values (an ID list, a body)
// are cut with "…" and how much was cut, e.g. "…(+9,812 bytes)", and no
// line is longer than 120 characters but three kept whole, a replay
// command and a call line (to be copied) and the verdict line (the last
// line says it all). The
// JSON report keeps every value whole.
// The layout and wording are for people and may change; use [JSON] for
// anything a program reads. Console writes once, at the end. It writes
// nothing and returns an error if the run's Kind is not one of the four;
// otherwise an error is the writer's.
func Console(w io.Writer, r Run, opts ConsoleOptions) error {
	t, err := r.text()
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, console(r, t, opts))
	return err
}

// ANSI SGR sequences for statuses and verdicts.
const (
	sgrReset   = "\x1b[0m"
	sgrGreen   = "\x1b[32m"
	sgrYellow  = "\x1b[33m"
	sgrRed     = "\x1b[1;31m"
	sgrMagenta = "\x1b[1;35m"
)

var statusColor = map[Status]string{Pass: sgrGreen, Skip: sgrYellow, Fail: sgrRed, Error: sgrMagenta, Known: sgrYellow}

var verdictColor = map[Verdict]string{Conformant: sgrGreen, NotConformant: sgrRed, Incomplete: sgrMagenta}

// label is how a status reads in the console and progress lines: the
// statuses that need attention in capitals, so they stand out without
// colour too.
func label(s Status) string {
	switch s {
	case Fail, Error:
		return strings.ToUpper(string(s))
	case "":
		return "?"
	}
	return clean(string(s), false)
}

// paint wraps text in the colour sgr when color is on.
func paint(color bool, sgr, text string) string {
	if !color || sgr == "" {
		return text
	}
	return sgr + text + sgrReset
}

func console(r Run, t kindText, opts ConsoleOptions) string {
	var b strings.Builder
	consoleHeader(&b, r, t)
	for _, sec := range failingSections {
		cs := r.With(sec.status)
		if len(cs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s (%d)\n", sec.title, len(cs))
		for _, c := range cs {
			b.WriteString("\n")
			consoleBlock(&b, c, opts.Color, "")
		}
	}
	consoleKnown(&b, r, opts.Color)
	consoleBaseline(&b, r.Baseline)
	consoleLeftChanged(&b, r.LeftChanged)
	b.WriteString("\nResults\n\n")
	consoleTable(&b, r.Checks, opts.Color)
	b.WriteString(profileBlock(r))
	b.WriteString("\n" + summaryLine(r, t) + "\n")
	if line := coverageLine(r); line != "" {
		b.WriteString(line + "\n")
	}
	v := r.Verdict()
	line := verdictLine(r, t)
	b.WriteString(paint(opts.Color, verdictColor[v], string(v)) + strings.TrimPrefix(line, string(v)) + "\n")
	return b.String()
}

func consoleHeader(b *strings.Builder, r Run, t kindText) {
	strictness := "lenient"
	if r.Strict {
		strictness = "strict"
	}
	or := func(s string) string {
		if s == "" {
			return "-"
		}
		return clean(s, false)
	}
	b.WriteString(clean(t.heading(r), false) + "\n")
	fields := [][2]string{{t.target, or(r.Target)}, {"region", or(r.Region)}}
	if t.run {
		fields = append(fields, [2]string{"seed", fmt.Sprint(r.Seed)})
	}
	fields = append(fields, [][2]string{
		{"strictness", strictness},
		{t.fleet, or(r.Fleet)},
		{"started", r.Started.UTC().Format(time.RFC3339)},
	}...)
	for _, kv := range fields {
		b.WriteString(fit(fmt.Sprintf("  %-12s%s", kv[0]+":", kv[1]), strings.Repeat(" ", 14)) + "\n")
	}
}

// consoleKnown writes the known failures (a baseline's), each with why
// it is known, its reason and its replay command, but no counterexample
// and no exchange: they are known, and the JSON report keeps them. Nothing when there are
// none.
func consoleKnown(b *strings.Builder, r Run, color bool) {
	cs := r.With(Known)
	if len(cs) == 0 {
		return
	}
	fmt.Fprintf(b, "\nKnown failures (%d): listed in the baseline, they do not fail the gate\n", len(cs))
	for _, c := range cs {
		b.WriteString("\n")
		c.Counterexample, c.Exchanges = "", nil
		consoleBlock(b, c, color, r.KnownReason(c.ID))
	}
}

// consoleBaseline lists the baseline's entries that matched no failure —
// stale, expired, not judged, unused — each with what to do; the known
// ones are listed with their failures. Nothing without a baseline.
func consoleBaseline(b *strings.Builder, bl *Baseline) {
	if bl == nil {
		return
	}
	fmt.Fprintf(b, "\nBaseline %s: %d known, %d stale, %d expired, %d not judged, %d unused\n",
		clean(bl.File, false), bl.count(BaselineKnown), bl.count(BaselineStale), bl.count(BaselineExpired),
		bl.count(BaselineNotJudged), bl.count(BaselineUnused))
	t := &table{header: []string{"STATE", "ENTRY", "DETAIL"}, widths: []int{0, 40, 60}}
	for _, e := range bl.Entries {
		if e.State == BaselineKnown {
			continue
		}
		state := string(e.State)
		if e.State.Failing() {
			state = strings.ToUpper(state)
		}
		t.add(state, clean(e.Subject(), false), clean(e.Detail, false))
	}
	if len(t.rows) == 0 {
		return
	}
	b.WriteString("\n")
	var out strings.Builder
	_ = t.render(&out) // a strings.Builder never fails
	for _, line := range strings.SplitAfter(out.String(), "\n") {
		if line != "" {
			b.WriteString("  " + line)
		}
	}
}

// consoleLeftChanged lists the instances the run left in another state
// than it found it in; nothing when there are none.
func consoleLeftChanged(b *strings.Builder, left []LeftInstance) {
	if len(left) == 0 {
		return
	}
	fmt.Fprintf(b, "\nLeft changed (%d): not in the state the run found them in\n\n", len(left))
	for _, l := range left {
		b.WriteString("  " + clean(l.String(), false) + "\n")
	}
}

// consoleBlock writes one failed, errored or known check in full, each
// line fitted to the screen (see [fit]); the replay command is left whole,
// to be copied. known is why a known failure is known, "" for the others.
func consoleBlock(b *strings.Builder, c Check, color bool, known string) {
	status := label(c.Status)
	head := fit(fmt.Sprintf("%s  %s  %s", status, clean(c.ID, false), clean(c.Title, false)), "      ")
	b.WriteString(paint(color, statusColor[c.Status], status) + strings.TrimPrefix(head, status) + "\n")
	field := func(name, value string) {
		if value != "" {
			b.WriteString(fit(fmt.Sprintf("  %-10s%s", name+":", clean(value, false)), strings.Repeat(" ", 12)) + "\n")
		}
	}
	field("clause", c.Spec)
	field("severity", c.Severity)
	field("baseline", known)
	field("reason", c.Reason)
	if ce := strings.TrimRight(clean(c.Counterexample, true), "\n"); ce != "" {
		b.WriteString("  counterexample:\n")
		reason := clean(c.Reason, false)
		for _, line := range strings.Split(ce, "\n") {
			line = strings.TrimRight("    "+line, " ")
			if m := finding.FindStringSubmatch(line); m != nil && strings.Contains(reason, m[2]) {
				// The reason is printed once: where it was found, the
				// counterexample points to it.
				line = m[1] + "the reason above"
			}
			hang := stepMarker.FindString(line)
			if strings.TrimSpace(hang) == "" {
				hang += "  "
			}
			b.WriteString(fit(line, strings.Repeat(" ", utf8.RuneCountInString(hang))) + "\n")
		}
	}
	consoleWire(b, c.Exchanges)
	if c.Replay != "" {
		b.WriteString("  replay: " + clean(c.Replay, false) + "\n")
	}
}

// consoleWire writes the failing exchange of a failure (FailingExchange)
// as it went over the wire — request line, headers (secrets redacted, as
// the report holds them), body, and the answer's status and code — and
// the `cvmconform call` line that sends it again, or why there is none:
// what whoever must fix the target needs to send the request themselves.
// Each line is fitted to the screen, but the call line, left whole to be
// copied unless a value in it is too long for a screen; a body the evidence already cut keeps its marker and is not
// cut again (see [cutRun]).
func consoleWire(b *strings.Builder, xs []Exchange) {
	x, ok := FailingExchange(xs)
	if !ok {
		return
	}
	line := func(s string) { b.WriteString(fit(clean(s, false), "      ") + "\n") }
	b.WriteString(fmt.Sprintf("  on the wire (exchange %d, %s):\n", x.Seq, clean(orDash(x.Lane), false)))
	line("    > " + x.Method + " " + x.URL)
	for _, h := range x.Headers {
		line("    > " + h)
	}
	if x.Body != "" {
		line("    > " + x.Body)
	}
	answer := fmt.Sprintf("    < HTTP %d", x.Status)
	if x.Code != "" {
		answer += " " + x.Code
	}
	line(answer)
	if call := clean(x.Call, false); call != "" {
		// Like the replay, left unwrapped, to be copied, unless a value
		// too long for a screen must be cut: then it says where the
		// whole is.
		if cut := cutValues(call, longValue); cut != call {
			// Cut, it can no longer be copied: fitted like the rest.
			line("  call:   " + cut + "  (cut: the JSON report holds it whole)")
		} else {
			b.WriteString("  call:   " + call + "\n")
		}
	} else {
		line("  call:   none: cvmconform call sends parameters, signed afresh, and this request was made by hand (its body, a header, its signature)")
	}
}

// FailingExchange is the exchange of a failure that shows it: the first
// with a finding, else the last (a failure judged on several exchanges
// together, such as a rate); false when there is none.
func FailingExchange(xs []Exchange) (Exchange, bool) {
	for _, x := range xs {
		if x.Finding != "" {
			return x, true
		}
	}
	if len(xs) == 0 {
		return Exchange{}, false
	}
	return xs[len(xs)-1], true
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// stepMarker is how a line of a transcript starts: its indent, and the
// step's number and its marker (a request, an answer, the model's
// expectation, a finding, a note); a long line continues under the text
// that follows it, or two columns in if it has no marker.
var stepMarker = regexp.MustCompile(`^ *(\d+\. +|#\d+ +)?(> |< |model: |✗ |# )?`)

// finding is a counterexample's line that states a finding: its indent
// and marker, and the finding.
var finding = regexp.MustCompile(`^( *✗ )(.+)$`)

// titleWidth is the width at which the console table wraps titles (and
// the reasons written under them).
const titleWidth = 44

// consoleTable writes the table of every check. With color, it paints the
// RESULT column after rendering: escape sequences inside cells would
// count as width and break the table's alignment.
func consoleTable(b *strings.Builder, checks []Check, color bool) {
	t := &table{header: []string{"ID", "TITLE", "RESULT", "TIME"}, widths: []int{0, titleWidth, 0, 0}}
	for _, c := range checks {
		title := clean(c.Title, false)
		// A failure's, an error's or a known failure's reason is in its
		// block above: each reason is printed once.
		if c.Reason != "" && c.Status != Fail && c.Status != Error && c.Status != Known {
			title += "\n↳ " + cutValues(clean(c.Reason, false), titleWidth)
		}
		t.add(clean(c.ID, false), title, label(c.Status), seconds(c.Duration))
	}
	var out strings.Builder
	_ = t.render(&out) // a strings.Builder never fails
	if !color {
		b.WriteString(out.String())
		return
	}
	// The RESULT column starts after the ID and TITLE columns and their
	// two-space gaps; a row's first line has its label there, and a
	// continuation line has spaces.
	offset := columnWidth(t, 0) + 2 + columnWidth(t, 1) + 2
	lines := strings.SplitAfter(out.String(), "\n")
	for i, line := range lines {
		if i >= 2 {
			line = paintResult(line, offset)
		}
		b.WriteString(line)
	}
}

// columnWidth is the width table.render gives column i.
func columnWidth(t *table, i int) int {
	n := 0
	for _, row := range append([][]string{t.header}, t.rows...) {
		for _, l := range wrap(row[i], t.widths[i]) {
			n = max(n, utf8.RuneCountInString(l))
		}
	}
	return n
}

// paintResult colours the status label that starts at rune offset in line.
func paintResult(line string, offset int) string {
	runes := []rune(line)
	if len(runes) <= offset {
		return line
	}
	head, rest := string(runes[:offset]), string(runes[offset:])
	for _, s := range []Status{Pass, Fail, Skip, Error} {
		l := label(s)
		if after, ok := strings.CutPrefix(rest, l); ok && (after == "" || after[0] == ' ' || after[0] == '\n') {
			return head + paint(true, statusColor[s], l) + after
		}
	}
	return line
}

// summaryLine is e.g. "47 checks: 45 pass, 1 fail, 1 skip, 0 error — 1234
// requests in 38.2s (32 req/s)" for a run, "3 files: 2 pass, 1 fail, 0
// skip, 0 error — 212 exchanges over 1m40s" for recorded traffic (the
// span of its times, when it has some).
func summaryLine(r Run, t kindText) string {
	s := r.Summary()
	line := fmt.Sprintf("%s: %d pass, %d fail, %d skip, %d error — %s",
		plural(len(r.Checks), t.item), s.Pass, s.Fail, s.Skip, s.Error, plural(r.Requests, t.request))
	if r.Baseline != nil {
		line = fmt.Sprintf("%s: %s, %d skip, %d error — %s",
			plural(len(r.Checks), t.item), baselineTally(r), s.Skip, s.Error, plural(r.Requests, t.request))
	}
	if !t.run {
		if r.Duration > 0 {
			line += " over " + seconds(r.Duration)
		}
		return line
	}
	line += " in " + seconds(r.Duration)
	if r.Duration > 0 {
		rate := float64(r.Requests) / r.Duration.Seconds()
		if rate >= 10 {
			line += fmt.Sprintf(" (%.0f req/s)", rate)
		} else {
			line += fmt.Sprintf(" (%.1f req/s)", rate)
		}
	}
	if r.Lanes > 1 {
		line += fmt.Sprintf(", over %d lanes (the longest %s)", r.Lanes, seconds(r.LongestLane))
	}
	return line
}

// verdictLine is the last line of the console report; it starts with the
// run's [Run.Verdict] and says what the verdict rests on: how many checks
// were judged when some were skipped, and why a run that did not reach
// its end is incomplete. With a baseline it names the known failures, the
// stale and expired entries, and ends with the protobuf-style tally: "—
// 80 pass, 3 known failures, 0 unexpected failures, 0 stale".
func verdictLine(r Run, t kindText) string {
	line := verdictWords(r, t)
	if r.Baseline != nil {
		line += " — " + baselineTally(r)
	}
	return line
}

func verdictWords(r Run, t kindText) string {
	s := r.Summary()
	v := r.Verdict()
	switch {
	case v == NotConformant:
		var parts []string
		if s.Fail > 0 {
			parts = append(parts, fmt.Sprintf("%s failed (%s)", plural(s.Fail, t.item), idList(r, Fail)))
		}
		for _, st := range []BaselineState{BaselineStale, BaselineExpired} {
			if n := r.Baseline.count(st); n > 0 {
				noun := "entries"
				if n == 1 {
					noun = "entry"
				}
				parts = append(parts, fmt.Sprintf("%d baseline %s %s (%s)", n, noun, st, r.Baseline.subjects(st)))
			}
		}
		line := fmt.Sprintf("%s: %s", v, strings.Join(parts, "; "))
		if s.Error > 0 {
			line += fmt.Sprintf("; %s could not be carried out (%s)", plural(s.Error, t.item), idList(r, Error))
		}
		if r.Incomplete != "" {
			line += "; " + clean(r.Incomplete, false)
		}
		return line
	case r.Incomplete != "":
		line := fmt.Sprintf("%s: %s; %d of %s passed", v, clean(r.Incomplete, false), s.Pass, plural(len(r.Checks), t.item))
		if s.Skip > 0 {
			line += fmt.Sprintf(", %d skipped or not run", s.Skip)
		}
		if s.Error > 0 {
			line += fmt.Sprintf(", %d could not be carried out (%s)", s.Error, idList(r, Error))
		}
		return line + ", none failed"
	case s.Error > 0:
		return fmt.Sprintf("%s: %s could not be carried out (%s); no %s failed, but conformance is undecided",
			v, plural(s.Error, t.item), idList(r, Error), t.item)
	case len(r.Checks) == 0:
		return fmt.Sprintf("%s: nothing was judged (%s)", v, t.none)
	case s.Pass+s.Known == 0:
		return fmt.Sprintf("%s: nothing was judged (no %s passed, %s skipped)", v, t.item, plural(s.Skip, t.item))
	case v == Incomplete && r.belowCoverage() && !(r.RequireAll && s.Skip > 0):
		n, total, _ := r.RuleCoverage()
		return fmt.Sprintf("%s: rules exercised %d/%d (%.0f%%), under --min-coverage %g%%; %d of %s passed, none failed",
			v, n, total, percent(n, total), r.MinCoverage, s.Pass, plural(len(r.Checks), t.item))
	case v == Incomplete:
		return fmt.Sprintf("%s: %d of %s skipped (%s), and every %s was required (--require-all)",
			v, s.Skip, plural(len(r.Checks), t.item), idList(r, Skip), t.item)
	case s.Skip > 0:
		return fmt.Sprintf("%s on %d of %s (%d skipped: %s)", v, s.Pass, plural(len(r.Checks), t.item), s.Skip, idList(r, Skip)) + butKnown(r, ", but")
	}
	return string(v) + butKnown(r, " but")
}

// butKnown is how a conformant run names its known failures: "but for 3
// known failures (SI-ID-01, …)" after lead, or "" when it has none.
func butKnown(r Run, lead string) string {
	n := r.Summary().Known
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%s for %s (%s)", lead, plural(n, "known failure"), idList(r, Known))
}

// idList names the checks with status s: at most five, then how many more.
func idList(r Run, s Status) string {
	const most = 5
	var ids []string
	n := 0
	for _, c := range r.Checks {
		if c.Status == s {
			if n < most {
				ids = append(ids, clean(c.ID, false))
			}
			n++
		}
	}
	list := strings.Join(ids, ", ")
	if n > most {
		list += fmt.Sprintf(" and %d more", n-most)
	}
	return list
}
