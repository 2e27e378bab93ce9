package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// HTML writes the run as one self-contained HTML page for people: inline
// CSS and SVG, no script, nothing fetched, so it opens offline from a CI
// artifact. In order: the verdict and what it rests on, the target, seed,
// strictness, duration and the replay command; the failures (and checks
// that could not be carried out), each with its clause, reason, exchanges
// (request, answer, what the model accepted) or counterexample, replay
// command and the files it refers to; per-instance state timelines (every
// instance a failure names, and a sample of the rest); the request rate
// per account and documented action against its limit, refusals marked,
// other actions counted in one line; every check grouped by area,
// filterable by status; the rule coverage and the target's profile when
// measured. A line of a check's text longer than 4,000 characters is cut
// (the JSON report keeps it whole). The verdict box is amber, not green,
// for a run conformant but for known failures.
//
// The layout is for people and may change: do not parse it. HTML writes
// nothing and returns an error if a check's status is not one of the
// four, or the run's Kind not one of the three; otherwise an error is the
// writer's.
func HTML(w io.Writer, r Run) error {
	t, err := r.text()
	if err != nil {
		return err
	}
	if err := validStatuses(r); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := htmlReport.ExecuteTemplate(&buf, "run", newHTMLRun(r, t)); err != nil {
		return fmt.Errorf("report: rendering HTML: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

//go:embed html.tmpl
var htmlTemplate string

var htmlReport = template.Must(template.New("report").Parse(htmlTemplate))

// htmlRun is what the template renders: everything computed, nothing
// decided in the template.
type htmlRun struct {
	Title, Heading string
	Verdict        Verdict
	VerdictClass   string // "pass", "fail", "incomplete"
	VerdictLine    string
	Summary        string
	Facts          [][2]string // label, value
	Replay         string
	Failures       []htmlFailure
	LeftChanged    []LeftInstance
	Timeline       *htmlTimeline
	Rates          []htmlRate
	RateNote       string
	// Uncharted counts the requests of actions without a documented
	// limit, in one line ("3 requests of other actions, not charted").
	Uncharted string
	Areas     []htmlArea
	// Total counts the checks; Bad those failed or errored; Known the
	// failures the baseline lists.
	Total, Bad, Known, Skipped, Passed int
	Coverage                           []htmlCoverGroup
	Profile                            []Dimension
	// Baseline is the run's baseline entries and how each fared; nil
	// without --baseline.
	Baseline     []htmlBaselineRow
	BaselineFile string
}

// htmlBaselineRow is one baseline entry, with the tag its state wears:
// "fail" for a stale or expired entry (it fails the gate), "known" for
// one that matched, "skip" for the others.
type htmlBaselineRow struct {
	BaselineEntry
	Tag string
}

type htmlFailure struct {
	Check
	// Open shows its exchanges unfolded: the first failure's, so that a
	// reader sees one failing exchange without a click, and the rest
	// stay one screen each.
	Open      bool
	Anchor    string
	Instances []htmlInstance
	Links     []htmlLink
}

// htmlInstance is an instance a failure names; Drawn when the timelines
// have its row, which it then links to (a link to no row leads nowhere).
type htmlInstance struct {
	ID    string
	Drawn bool
}

type htmlLink struct{ Href, Text string }

type htmlArea struct {
	Name   string
	Tally  string // "3 pass, 1 fail"
	Checks []htmlCheckRow
}

type htmlCheckRow struct {
	Check
	Anchor string // "" unless it is a failure's: the row links there
	Took   string
}

type htmlCoverGroup struct {
	Kind             string
	Items            []CoverageItem
	Exercised, Total int
}

func newHTMLRun(r Run, t kindText) htmlRun {
	s := r.Summary()
	h := htmlRun{Heading: "cvmconform: " + t.title, Verdict: r.Verdict(), VerdictLine: verdictLine(r, t),
		Summary: summaryLine(r, t), Replay: r.Replay, LeftChanged: r.LeftChanged, Profile: r.Profile,
		Total: len(r.Checks), Bad: s.Fail + s.Error, Known: s.Known, Skipped: s.Skip, Passed: s.Pass}
	h.Title = string(h.Verdict) + " — " + t.title
	// The box says the verdict in large letters above its line.
	h.VerdictLine = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(h.VerdictLine, string(h.Verdict)), ": "))
	h.VerdictClass = verdictClass(h.Verdict, s)
	h.Facts = append(h.Facts, [2]string{t.target, r.Target})
	if r.Region != "" {
		h.Facts = append(h.Facts, [2]string{"region", r.Region})
	}
	if t.run {
		h.Facts = append(h.Facts, [2]string{"seed", strconv.FormatUint(r.Seed, 10)})
	}
	h.Facts = append(h.Facts, [2]string{"strictness", map[bool]string{true: "strict (only the most specific documented code)", false: "lenient (any documented code)"}[r.Strict]})
	if !r.Started.IsZero() {
		h.Facts = append(h.Facts, [2]string{"started", r.Started.UTC().Format("2006-01-02 15:04:05 UTC")})
	}
	h.Facts = append(h.Facts, [2]string{"duration", seconds(r.Duration)})
	if r.Fleet != "" {
		h.Facts = append(h.Facts, [2]string{t.fleet, r.Fleet})
	}
	concerned := map[string]bool{}
	for _, c := range r.Checks {
		if c.Status != Fail && c.Status != Error && c.Status != Known {
			continue
		}
		f := htmlFailure{Check: cutCheck(c), Anchor: anchor(c.ID)}
		for _, p := range c.Artifacts {
			// Written beside the report (the command puts them there), so
			// the link is the file's name.
			f.Links = append(f.Links, htmlLink{Href: filepath.Base(p), Text: p})
		}
		for _, id := range instancesOf(c) {
			concerned[id] = true
			f.Instances = append(f.Instances, htmlInstance{ID: id})
		}
		h.Failures = append(h.Failures, f)
	}
	// Failures first, then checks that could not be carried out, then
	// the failures the baseline lists as known.
	rank := map[Status]int{Fail: 0, Error: 1, Known: 2}
	sort.SliceStable(h.Failures, func(i, j int) bool {
		return rank[h.Failures[i].Status] < rank[h.Failures[j].Status]
	})
	if len(h.Failures) > 0 {
		h.Failures[0].Open = true
	}
	h.Areas = areasOf(r.Checks, t.run)
	h.Timeline = newTimeline(r, concerned)
	if h.Timeline != nil {
		for _, f := range h.Failures {
			for i, in := range f.Instances {
				f.Instances[i].Drawn = slices.ContainsFunc(h.Timeline.Rows, func(row htmlTimelineRow) bool { return row.Instance == in.ID })
			}
		}
	}
	h.Rates, h.RateNote, h.Uncharted = newRates(r)
	h.Coverage = coverGroups(r.Coverage)
	if r.Baseline != nil {
		h.BaselineFile = r.Baseline.File
		for _, e := range r.Baseline.Entries {
			tag := "skip"
			switch {
			case e.State.Failing():
				tag = "fail"
			case e.State == BaselineKnown:
				tag = "known"
			}
			h.Baseline = append(h.Baseline, htmlBaselineRow{BaselineEntry: e, Tag: tag})
		}
	}
	return h
}

// verdictClass is the verdict box's colour: green for a pass, red for a
// failure, amber for a run that is incomplete and for one conformant but
// for known failures ("known"), which a plain green box would overstate
// (DESIGN "A verdict is never greener than what ran").
func verdictClass(v Verdict, s Summary) string {
	if v == Conformant && s.Known > 0 {
		return "known"
	}
	return map[Verdict]string{Conformant: "pass", NotConformant: "fail", Incomplete: "incomplete"}[v]
}

// anchor is the fragment a check's failure is at.
func anchor(id string) string {
	var b strings.Builder
	b.WriteString("fail-")
	for _, c := range id {
		if c < 0x80 && (c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

var instanceID = regexp.MustCompile(`\bins-[a-z0-9]{8}\b`)

// placeholderID is how the sources write an instance ID's form, not an
// instance: facts §11's "ins-xxxxxxxx", which the model's rules and the
// emulator's messages quote ("not of the form ins-xxxxxxxx").
const placeholderID = "ins-xxxxxxxx"

// instancesOf are the instances a failure names: in its reason,
// counterexample and exchanges, in order of first mention; the form's
// placeholder is none.
func instancesOf(c Check) []string {
	text := []string{c.Reason, c.Counterexample}
	for _, x := range c.Exchanges {
		text = append(text, x.URL, x.Body, x.Answer)
	}
	var out []string
	for _, s := range text {
		for _, id := range instanceID.FindAllString(s, -1) {
			if id != placeholderID && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

// htmlLineCut is the most runes a line of a check's text keeps in the
// HTML report: a page is for reading, and one answer echoing a 1 MB ID
// made it 1.45 MB. The JSON report keeps every line whole.
const htmlLineCut = 4000

// cutCheck is c with every line of its reason, counterexample and
// exchanges longer than htmlLineCut cut as the console cuts a value
// (cutRun: its first three quarters and "…(+N bytes)"); c's own slices
// are left as they were.
func cutCheck(c Check) Check {
	cut := func(s string) string { return cutLines(s, htmlLineCut) }
	c.Reason, c.Counterexample = cut(c.Reason), cut(c.Counterexample)
	xs := make([]Exchange, len(c.Exchanges))
	for i, x := range c.Exchanges {
		x.URL, x.Body, x.Answer, x.Expected, x.Finding, x.Call = cut(x.URL), cut(x.Body), cut(x.Answer), cut(x.Expected), cut(x.Finding), cut(x.Call)
		x.Headers = slices.Clone(x.Headers)
		for j, h := range x.Headers {
			x.Headers[j] = cut(h)
		}
		xs[i] = x
	}
	if c.Exchanges != nil {
		c.Exchanges = xs
	}
	return c
}

// cutLines cuts every line of s longer than most runes to its first
// three quarters and "…(+N bytes)".
func cutLines(s string, most int) string {
	if utf8.RuneCountInString(s) <= most {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if utf8.RuneCountInString(l) > most {
			lines[i] = cutRun(l, most*3/4)
		}
	}
	return strings.Join(lines, "\n")
}

// areasOf groups the checks by area (BATCH in SI-BATCH-02); judged
// traffic's checks, one per recording, are one group.
func areasOf(checks []Check, run bool) []htmlArea {
	var out []htmlArea
	index := map[string]int{}
	for _, c := range checks {
		a := "judged traffic"
		if run {
			a = area(c.ID)
		}
		i, ok := index[a]
		if !ok {
			i = len(out)
			index[a] = i
			out = append(out, htmlArea{Name: a})
		}
		row := htmlCheckRow{Check: cutCheck(c), Took: seconds(c.Duration)}
		if c.Status == Fail || c.Status == Error || c.Status == Known {
			row.Anchor = anchor(c.ID) // every failure has its card, known ones too
		}
		out[i].Checks = append(out[i].Checks, row)
	}
	for i, a := range out {
		var checks []Check
		for _, c := range a.Checks {
			checks = append(checks, c.Check)
		}
		out[i].Tally = tally(Run{Checks: checks}.Summary())
	}
	return out
}

// tally counts a summary's non-zero statuses: "3 pass, 1 fail, 1 known".
func tally(s Summary) string {
	var parts []string
	for _, p := range []struct {
		n    int
		word string
	}{{s.Pass, "pass"}, {s.Fail, "fail"}, {s.Known, "known"}, {s.Skip, "skip"}, {s.Error, "error"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.word))
		}
	}
	return strings.Join(parts, ", ")
}

func coverGroups(items []CoverageItem) []htmlCoverGroup {
	var out []htmlCoverGroup
	index := map[string]int{}
	for _, c := range items {
		i, ok := index[c.Kind]
		if !ok {
			i = len(out)
			index[c.Kind] = i
			out = append(out, htmlCoverGroup{Kind: c.Kind})
		}
		g := &out[i]
		g.Items = append(g.Items, c)
		g.Total++
		if c.Exercised() {
			g.Exercised++
		}
	}
	return out
}

// Timelines. The x axis is the run's time, from its start to its end;
// each instance is one row: a band coloured by the state the listings
// showed, from each change to the next, and a mark for each request that
// named it.

const (
	plotWidth  = 960.0 // the SVG's drawing width, in user units
	labelWidth = 130.0 // the instance IDs' column
	rowHeight  = 18.0
	// sampleRows bounds the instances drawn besides the failures': the
	// ones whose state changed most.
	sampleRows = 12
)

type htmlTimeline struct {
	Width, Height string
	Rows          []htmlTimelineRow
	Axis          []htmlTick
	Omitted       int // instances seen but not drawn
	Dropped       int // exchanges left out of the activity
	States        []string
}

type htmlTimelineRow struct {
	Instance string
	Concerns bool // a failure names it
	Y, TextY string
	Bands    []htmlBand
	Marks    []htmlMark
}

type htmlBand struct {
	X, W, Y  string
	State    string
	Class    string
	From, To string
}

type htmlMark struct {
	X, Y1, Y2 string
	Class     string // ok, refused, error, unknown
	Title     string
}

type htmlTick struct{ X, Label string }

// knownStates are the states the CSS colours; any other is "other".
var knownStates = []string{"PENDING", "LAUNCH_FAILED", "RUNNING", "STOPPED", "STARTING", "STOPPING", "REBOOTING",
	"SHUTDOWN", "TERMINATING", "ENTER_RESCUE_MODE", "EXIT_RESCUE_MODE", "ENTER_SERVICE_LIVE_MIGRATE", "EXIT_SERVICE_LIVE_MIGRATE"}

func stateClass(s string) string {
	if slices.Contains(knownStates, s) {
		return "st-" + s
	}
	return "st-other"
}

// span is the interval a plot covers: the run's, widened to every event.
func span(r Run) (time.Time, time.Time) {
	start, end := r.Started, r.Started.Add(r.Duration)
	for _, e := range r.Activity.Events {
		if start.IsZero() || e.Sent.Before(start) {
			start = e.Sent
		}
		if t := e.Sent.Add(e.Took); t.After(end) {
			end = t
		}
	}
	if !end.After(start) {
		end = start.Add(time.Second)
	}
	return start, end
}

func px(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// newTimeline draws the instances concerned by a failure and a sample of
// the rest; nil when the activity shows no instance.
func newTimeline(r Run, concerned map[string]bool) *htmlTimeline {
	events := slices.Clone(r.Activity.Events)
	if len(events) == 0 {
		return nil
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].Sent.Before(events[j].Sent) })
	start, end := span(r)
	x := func(t time.Time) float64 {
		return labelWidth + (plotWidth-labelWidth)*float64(t.Sub(start))/float64(end.Sub(start))
	}
	type seen struct {
		at    []time.Time
		state []string
		marks []Event
	}
	by := map[string]*seen{}
	get := func(id string) *seen {
		s := by[id]
		if s == nil {
			s = &seen{}
			by[id] = s
		}
		return s
	}
	for _, e := range events {
		for _, sh := range e.Shown {
			s := get(sh.Instance)
			at := e.Sent.Add(e.Took)
			s.at, s.state = append(s.at, at), append(s.state, sh.State)
		}
		for _, id := range e.Instances {
			s := get(id)
			s.marks = append(s.marks, e)
		}
	}
	var drawn, rest []string
	for id := range by {
		if concerned[id] {
			drawn = append(drawn, id)
		} else if instanceID.MatchString(id) {
			rest = append(rest, id)
		}
	}
	sort.Strings(drawn)
	// The rest: those whose state changed most, then by ID.
	sort.Slice(rest, func(i, j int) bool {
		a, b := len(by[rest[i]].state), len(by[rest[j]].state)
		if a != b {
			return a > b
		}
		return rest[i] < rest[j]
	})
	sample := rest[:min(len(rest), sampleRows)]
	sort.Strings(sample)
	tl := &htmlTimeline{Omitted: len(rest) - len(sample), Dropped: r.Activity.Dropped}
	states := map[string]bool{}
	for i, id := range append(drawn, sample...) {
		s := by[id]
		y := 20 + float64(i)*rowHeight
		row := htmlTimelineRow{Instance: id, Concerns: concerned[id], Y: px(y), TextY: px(y + rowHeight*0.7)}
		for k := range s.state {
			to := end
			if k+1 < len(s.at) {
				to = s.at[k+1]
			}
			x0, x1 := x(s.at[k]), x(to)
			states[s.state[k]] = true
			row.Bands = append(row.Bands, htmlBand{X: px(x0), W: px(max(x1-x0, 0.5)), Y: px(y + 3), State: s.state[k],
				Class: stateClass(s.state[k]), From: offset(s.at[k], start), To: offset(to, start)})
		}
		for _, e := range s.marks {
			row.Marks = append(row.Marks, htmlMark{X: px(x(e.Sent)), Y1: px(y + 1), Y2: px(y + rowHeight - 1),
				Class: outcomeClass(e), Title: markTitle(e, start)})
		}
		tl.Rows = append(tl.Rows, row)
	}
	if len(tl.Rows) == 0 {
		return nil
	}
	for _, st := range knownStates {
		if states[st] {
			tl.States = append(tl.States, st)
		}
	}
	tl.Width, tl.Height = px(plotWidth+10), px(20+float64(len(tl.Rows))*rowHeight+6)
	tl.Axis = axis(start, end, x)
	return tl
}

func offset(t, start time.Time) string { return "+" + seconds(t.Sub(start)) }

func outcomeClass(e Event) string {
	switch {
	case e.Code == "":
		return "ok"
	case e.Code == NoAnswer:
		return "unknown"
	case e.Refused():
		return "refused"
	}
	return "error"
}

func markTitle(e Event, start time.Time) string {
	head := fmt.Sprintf("#%d %s", e.Seq, offset(e.Sent, start))
	if e.Check != "" {
		head += " " + e.Check
	}
	if e.Account != "" {
		head += " (" + e.Account + ")"
	}
	return clean(head+"\n"+e.Summary, true)
}

// axis places about ten ticks on round seconds.
func axis(start, end time.Time, x func(time.Time) float64) []htmlTick {
	total := end.Sub(start)
	step := time.Second
	for _, s := range []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second,
		time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 30 * time.Minute, time.Hour} {
		step = s
		if total/s <= 10 {
			break
		}
	}
	var out []htmlTick
	for d := time.Duration(0); d <= total; d += step {
		out = append(out, htmlTick{X: px(x(start.Add(d))), Label: tickLabel(d)})
	}
	return out
}

// tickLabel is "0", "2s", "90s", "5m".
func tickLabel(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < 2*time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
	}
	return strconv.FormatFloat(d.Minutes(), 'f', -1, 64) + "m"
}

// Rates: for each account and documented action (one with a limit in
// Activity.Limits), the requests sent in each bin of time, as a rate per
// second, against the documented limit, the refused ones stacked in
// another colour. Any other action (SI-PROTO's deliberately unknown
// "StopInstancez", a request with none) is counted in one line, not
// charted: a panel of its own would read as an action of the API.

const (
	rateWidth  = 300.0
	rateHeight = 90.0
	maxBins    = 120
)

type htmlRate struct {
	Account, Action string
	Limit           int
	Width, Height   string
	Bars            []htmlBar
	LimitY          string // the documented limit's height
	Peak            string
	Requests        int
	Refused         int
	Bin             string
	MaxLabel        string
}

type htmlBar struct {
	X, W           string
	Y, H           string // accepted
	RefY, RefH     string // refused, on top
	Title          string
	Accepted, Refs int
}

func newRates(r Run) (rates []htmlRate, note, uncharted string) {
	if len(r.Activity.Events) == 0 {
		return nil, "", ""
	}
	start, end := span(r)
	total := end.Sub(start)
	bin := time.Second
	for total/bin > maxBins {
		bin *= 2
	}
	n := int(total/bin) + 1
	type key struct{ account, action string }
	counts := map[key][][2]int{} // per bin: accepted (or anything not refused), refused
	others := 0
	for _, e := range r.Activity.Events {
		if r.Activity.Limits[e.Action] <= 0 {
			others++
			continue
		}
		k := key{e.Account, e.Action}
		if counts[k] == nil {
			counts[k] = make([][2]int, n)
		}
		i := min(int(e.Sent.Sub(start)/bin), n-1)
		if e.Refused() {
			counts[k][i][1]++
		} else {
			counts[k][i][0]++
		}
	}
	keys := make([]key, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.account != b.account {
			return accountOrder(a.account) < accountOrder(b.account)
		}
		return a.action < b.action
	})
	if others > 0 {
		uncharted = plural(others, "request") + " of other actions, not charted (no documented limit)"
	}
	perSecond := bin.Seconds()
	var out []htmlRate
	for _, k := range keys {
		bins := counts[k]
		limit := r.Activity.Limits[k.action]
		peak := float64(limit) * 1.25
		hi := 0.0
		for _, b := range bins {
			hi = max(hi, float64(b[0]+b[1])/perSecond)
		}
		peak = max(peak, hi, 1)
		y := func(v float64) float64 { return rateHeight - 4 - (rateHeight-14)*v/peak }
		rt := htmlRate{Account: k.account, Action: k.action, Limit: limit, Width: px(rateWidth), Height: px(rateHeight),
			Bin: seconds(bin), Peak: fmt.Sprintf("%.0f/s", hi), MaxLabel: fmt.Sprintf("%.0f/s", peak)}
		w := (rateWidth - 30) / float64(n)
		for i, b := range bins {
			rt.Requests += b[0] + b[1]
			rt.Refused += b[1]
			if b[0]+b[1] == 0 {
				continue
			}
			acc, ref := float64(b[0])/perSecond, float64(b[1])/perSecond
			bar := htmlBar{X: px(30 + float64(i)*w), W: px(max(w-0.5, 0.5)), Accepted: b[0], Refs: b[1],
				Y: px(y(acc)), H: px(y(0) - y(acc)), RefY: px(y(acc + ref)), RefH: px(y(acc) - y(acc+ref)),
				Title: fmt.Sprintf("+%s: %d sent, %d refused for the rate (%.1f/s)", seconds(time.Duration(i)*bin), b[0]+b[1], b[1], acc+ref)}
			rt.Bars = append(rt.Bars, bar)
		}
		rt.LimitY = px(y(float64(limit)))
		out = append(out, rt)
	}
	note = fmt.Sprintf("Requests per second in bins of %s, per account and action; the dashed line is the documented limit per account (%s).",
		seconds(bin), limitsText(r.Activity.Limits))
	return out, note, uncharted
}

func limitsText(limits map[string]int) string {
	var parts []string
	for _, a := range slices.Sorted(maps.Keys(limits)) {
		parts = append(parts, fmt.Sprintf("%s %d/s", a, limits[a]))
	}
	return strings.Join(parts, ", ")
}

// accountOrder puts the main account first, the second next, then the
// lanes in their numeric order, then anything else.
func accountOrder(a string) string {
	switch {
	case a == "main":
		return "0"
	case a == "second":
		return "1"
	case strings.HasPrefix(a, "lane-"):
		n, err := strconv.Atoi(strings.TrimPrefix(a, "lane-"))
		if err == nil {
			return fmt.Sprintf("2%06d", n)
		}
	}
	return "3" + a
}
