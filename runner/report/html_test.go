package report_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/cvmconform/cvmconform/runner/report"
)

// htmlFixture is a failing run that holds everything the HTML report
// renders: a failure with structured exchanges and a file beside the
// report, one with only a counterexample (the state machine's shrunk
// sequence), a pass, a skip, an error, an instance left changed, coverage,
// a profile, and activity: listings that show the failing instance move
// RUNNING → STOPPING → STOPPED, and a burst refused for the rate.
func htmlFixture() report.Run {
	t0 := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	log := report.NewActivityLog(map[string]int{"StopInstances": 10, "StartInstances": 10, "DescribeInstances": 40})
	list := func(ms int, shown ...report.Shown) {
		log.Add(report.Event{Seq: ms, Sent: at(ms), Took: 5 * time.Millisecond, Lane: "main", Account: "main", Check: "SI-STATE-02",
			Action: "DescribeInstances", Summary: "DescribeInstances {} → success"}, shown)
	}
	list(0, report.Shown{"ins-aaaaaaaa", "RUNNING"}, report.Shown{"ins-bbbbbbbb", "RUNNING"}, report.Shown{"ins-cccccccc", "STOPPED"})
	log.Add(report.Event{Seq: 2, Sent: at(100), Took: 3 * time.Millisecond, Lane: "main", Account: "main", Check: "SI-STATE-02",
		Action: "StopInstances", Instances: []string{"ins-aaaaaaaa"}, Summary: `StopInstances {"InstanceIds":["ins-aaaaaaaa"]} → success`}, nil)
	list(200, report.Shown{"ins-aaaaaaaa", "STOPPING"}, report.Shown{"ins-bbbbbbbb", "RUNNING"})
	list(400, report.Shown{"ins-aaaaaaaa", "STOPPED"})
	log.Add(report.Event{Seq: 5, Sent: at(500), Took: 3 * time.Millisecond, Lane: "main", Account: "main", Check: "SI-STATE-02",
		Action: "StopInstances", Instances: []string{"ins-aaaaaaaa"}, Summary: `StopInstances {"InstanceIds":["ins-aaaaaaaa"]} → success`}, nil)
	for i := range 15 {
		e := report.Event{Seq: 10 + i, Sent: at(1000 + 10*i), Took: time.Millisecond, Lane: "lane-1", Account: "lane-1", Check: "SI-RATE-01",
			Action: "StopInstances", Instances: []string{"ins-dddddddd"}, Summary: "StopInstances burst"}
		if i >= 10 {
			e.Code = "RequestLimitExceeded"
		}
		log.Add(e, nil)
	}
	exchange := report.Exchange{Seq: 5, Lane: "main", Action: "StopInstances", Style: "TC3JSON", Region: "ap-guangzhou", Sent: at(500), Took: 3 * time.Millisecond,
		Method: "POST", URL: "http://127.0.0.1:8080/", Headers: []string{"Authorization: TC3-HMAC-SHA256 Credential=AKID…r5wM/cvm/tc3_request, Signature=(redacted)", "X-Tc-Action: StopInstances"},
		Body: `{"InstanceIds":["ins-aaaaaaaa"]}`, Status: 200, Answer: `success (RequestId 1b2c)`,
		Expected: "UnsupportedOperation.InstanceStateStopped | InvalidInstanceState", Finding: "STATE-STOP: ins-aaaaaaaa is STOPPED: expected UnsupportedOperation.InstanceStateStopped; got success",
		Call: `cvmconform call --endpoint http://127.0.0.1:8080 StopInstances '{"InstanceIds":["ins-aaaaaaaa"]}'`}
	return report.Run{Target: "http://127.0.0.1:8080 (embedded emulator)", Region: "ap-guangzhou", Seed: 44, Started: t0, Duration: 2 * time.Second,
		Requests: log.Activity().Len(), Fleet: "3 instances", Replay: "cvmconform run --seed 44",
		Checks: []report.Check{
			{ID: "SI-STATE-02", Title: "Stopping a STOPPED instance is refused", Spec: "seed §1 only RUNNING", Severity: "MUST", Status: report.Fail,
				Reason: "STATE-STOP: expected UnsupportedOperation.InstanceStateStopped; got success", Counterexample: "1. > StopInstances ins-aaaaaaaa\n   < success",
				Replay: "cvmconform run --seed 44 --only SI-STATE-02", Exchanges: []report.Exchange{exchange}},
			{ID: "SI-PROP-01", Title: "Random sequences", Spec: "DESIGN", Severity: "MUST", Status: report.Fail,
				Reason: "after 3 steps", Counterexample: "shrunk to 2 steps:\n1. StopInstances ins-aaaaaaaa\n2. StopInstances ins-aaaaaaaa",
				Replay: "cvmconform run --seed 7 --only SI-PROP-01"},
			{ID: "SI-CONC-01", Title: "Concurrent stops are linearizable", Spec: "facts §15", Severity: "MUST", Status: report.Fail,
				Reason: "not linearizable; see out/SI-CONC-01-44-linearizability.html", Artifacts: []string{"out/SI-CONC-01-44-linearizability.html"}},
			{ID: "SI-ID-01", Title: "A malformed ID is refused", Spec: "seed §6", Severity: "MUST", Status: report.Pass},
			{ID: "SI-ACCT-01", Title: "Another account's instance", Spec: "facts §3", Severity: "MUST", Status: report.Skip, Reason: "needs a second account"},
			{ID: "SI-RATE-01", Title: "Bursts are limited", Spec: "seed §1", Severity: "MUST", Status: report.Error, Reason: "the target vanished"},
		},
		LeftChanged: []report.LeftInstance{{Account: "main", Region: "ap-guangzhou", Instance: "ins-aaaaaaaa", Found: "RUNNING", Left: "STOPPED"}},
		Coverage: []report.CoverageItem{
			{Kind: report.CoverRule, ID: "STATE-STOP", Text: "only RUNNING may stop", Checks: []string{"SI-STATE-02"}, Outcomes: []string{"served"}},
			{Kind: report.CoverLedger, ID: "L-26", Text: "regions", Unexercised: "SI-PROTO-14 skipped: one region"},
		},
		Profile: []report.Dimension{{Name: "limiter.burst", Ledger: "L-12", Choice: "token-bucket, burst 20", Evidence: "20 accepted at once"},
			{Name: "error.precedence", Evidence: "never provoked"}},
		Activity: log.Activity(),
	}
}

func renderHTML(t *testing.T, r report.Run) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, report.HTML(&b, r))
	return b.String()
}

// voidElements have no end tag (HTML "void elements").
var voidElements = []string{"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

// requireWellFormed tokenizes page and fails on any end tag that does
// not close the innermost open element, and on any left open: a stray
// tag in the template shows here, where html.Parse would repair it
// silently. SVG's self-closing tags are allowed.
func requireWellFormed(t *testing.T, page string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(page))
	var open []string
	for {
		switch z.Next() {
		case html.ErrorToken:
			require.ErrorIs(t, z.Err(), io.EOF, "the page tokenizes to its end")
			require.Empty(t, open, "every element is closed")
			return
		case html.StartTagToken:
			name, _ := z.TagName()
			if !slices.Contains(voidElements, string(name)) {
				open = append(open, string(name))
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			require.NotEmpty(t, open, "</%s> closes nothing", name)
			require.Equal(t, open[len(open)-1], string(name), "</%s> closes <%s> (open: %v)", name, open[len(open)-1], open)
			open = open[:len(open)-1]
		}
	}
}

// walk calls f on every element of the tree under n.
func walk(n *html.Node, f func(*html.Node)) {
	if n.Type == html.ElementNode {
		f(n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, f)
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	return slices.Contains(strings.Fields(attr(n, "class")), class)
}

func text(n *html.Node) string {
	var b strings.Builder
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(n)
	return b.String()
}

func parseHTML(t *testing.T, page string) *html.Node {
	t.Helper()
	requireWellFormed(t, page)
	doc, err := html.Parse(strings.NewReader(page))
	require.NoError(t, err)
	return doc
}

func TestHTMLHoldsTheRun(t *testing.T) {
	t.Parallel()
	r := htmlFixture()
	page := renderHTML(t, r)
	doc := parseHTML(t, page)

	// The verdict comes first: the first section of the body.
	var sections []*html.Node
	walk(doc, func(n *html.Node) {
		if n.Data == "section" {
			sections = append(sections, n)
		}
	})
	require.NotEmpty(t, sections)
	require.Equal(t, "verdict", attr(sections[0], "id"))
	require.Contains(t, text(sections[0]), "NOT CONFORMANT")
	require.Contains(t, text(sections[0]), "SI-STATE-02", "the verdict names the failed checks")
	for _, want := range []string{"http://127.0.0.1:8080 (embedded emulator)", "44", "lenient", "cvmconform run --seed 44",
		"main ap-guangzhou ins-aaaaaaaa found RUNNING, left STOPPED"} {
		require.Contains(t, text(doc), want, "the header and left-changed")
	}

	// Every check's ID is in the table of all checks, each row with its status.
	rows := map[string]string{}
	walk(doc, func(n *html.Node) {
		if n.Data == "td" && hasClass(n, "id") && n.Parent != nil && strings.HasPrefix(attr(n.Parent, "class"), "s-") {
			rows[strings.TrimSpace(text(n))] = attr(n.Parent, "class")
		}
	})
	for _, c := range r.Checks {
		require.Equal(t, "s-"+string(c.Status), rows[c.ID], "check %s is in the table with its status", c.ID)
	}

	// Each failure: its clause, reason, exchanges (request, answer, what
	// the model accepted, the call), counterexample, replay, and files.
	failures := map[string]*html.Node{}
	walk(doc, func(n *html.Node) {
		if n.Data == "article" && hasClass(n, "failure") {
			failures[attr(n, "id")] = n
		}
	})
	require.Len(t, failures, 4, "three failures and an error")
	state := text(failures["fail-SI-STATE-02"])
	for _, want := range []string{"seed §1 only RUNNING", r.Checks[0].Reason, "POST http://127.0.0.1:8080/", `{"InstanceIds":["ins-aaaaaaaa"]}`,
		"X-Tc-Action: StopInstances", "success (RequestId 1b2c)", "UnsupportedOperation.InstanceStateStopped | InvalidInstanceState",
		"cvmconform call --endpoint", "cvmconform run --seed 44 --only SI-STATE-02", "departs from the model"} {
		require.Contains(t, state, want)
	}
	require.Contains(t, text(failures["fail-SI-PROP-01"]), "1. StopInstances ins-aaaaaaaa\n2. StopInstances ins-aaaaaaaa", "the shrunk sequence")
	var links []string
	walk(failures["fail-SI-CONC-01"], func(n *html.Node) {
		if n.Data == "a" {
			links = append(links, attr(n, "href"))
		}
	})
	require.Contains(t, links, "SI-CONC-01-44-linearizability.html", "the visualisation, beside the report")
	require.Contains(t, text(failures["fail-SI-RATE-01"]), "the target vanished")
	opened := func(id string) (n int) {
		walk(failures[id], func(d *html.Node) {
			if d.Data == "details" && slices.ContainsFunc(d.Attr, func(a html.Attribute) bool { return a.Key == "open" }) {
				n++
			}
		})
		return n
	}
	require.Equal(t, 1, opened("fail-SI-STATE-02"), "the first failure's failing exchange is unfolded")
	require.Zero(t, opened("fail-SI-PROP-01"), "the others are a click away, so that the timelines stay near")

	// Coverage and profile.
	for _, want := range []string{"STATE-STOP", "L-26", "SI-PROTO-14 skipped: one region", "limiter.burst", "token-bucket, burst 20", "not observed"} {
		require.Contains(t, text(doc), want)
	}

	// Self-contained: no script, nothing fetched, every link inside the
	// page or beside it.
	walk(doc, func(n *html.Node) {
		require.NotEqual(t, "script", n.Data)
		require.NotEqual(t, "link", n.Data)
		require.Empty(t, attr(n, "src"), "<%s src>", n.Data)
		if h := attr(n, "href"); h != "" {
			require.False(t, strings.Contains(h, "://"), "href %q leaves the page", h)
		}
	})
}

// The timeline draws, for each instance a failure names, one band per
// state the listings showed it in, and a mark per request naming it.
func TestHTMLTimelineBandPerObservedState(t *testing.T) {
	t.Parallel()
	r := htmlFixture()
	doc := parseHTML(t, renderHTML(t, r))
	bands := map[string][]string{}
	marks := map[string]int{}
	walk(doc, func(n *html.Node) {
		if n.Data != "g" || attr(n, "data-instance") == "" {
			return
		}
		id := attr(n, "data-instance")
		walk(n, func(c *html.Node) {
			switch {
			case c.Data == "rect" && hasClass(c, "band"):
				bands[id] = append(bands[id], attr(c, "data-state"))
				require.True(t, hasClass(c, "st-"+attr(c, "data-state")), "band coloured by its state")
			case c.Data == "line" && hasClass(c, "mk"):
				marks[id]++
				require.NotEmpty(t, text(c), "a mark's <title> gives the exchange")
			}
		})
	})
	require.Equal(t, []string{"RUNNING", "STOPPING", "STOPPED"}, bands["ins-aaaaaaaa"], "the failing instance: one band per state shown, in order")
	require.Equal(t, 2, marks["ins-aaaaaaaa"], "two stops named it")
	require.Equal(t, []string{"RUNNING"}, bands["ins-bbbbbbbb"], "a sampled instance, whose state did not change: one band")
	require.Contains(t, bands, "ins-cccccccc")
	require.Equal(t, 15, marks["ins-dddddddd"], "an instance no listing showed still gets its marks")
}

// The rate plot of the account that was refused shows the refusals and
// the documented limit.
func TestHTMLRatesMarkRefusalsAgainstTheLimit(t *testing.T) {
	t.Parallel()
	doc := parseHTML(t, renderHTML(t, htmlFixture()))
	type plot struct {
		title           string
		refused, limits int
	}
	var plots []plot
	walk(doc, func(n *html.Node) {
		if n.Data != "div" || !hasClass(n, "rate") {
			return
		}
		p := plot{title: text(n)}
		walk(n, func(c *html.Node) {
			switch {
			case c.Data == "rect" && hasClass(c, "ref"):
				p.refused++
			case c.Data == "line" && hasClass(c, "lim"):
				p.limits++
			}
		})
		plots = append(plots, p)
	})
	require.Len(t, plots, 3, "main DescribeInstances, main StopInstances, lane-1 StopInstances")
	require.True(t, strings.HasPrefix(plots[0].title, "main · DescribeInstances"), "the main account first: %q", plots[0].title)
	last := plots[2]
	require.Contains(t, last.title, "lane-1 · StopInstances")
	require.Contains(t, last.title, "15 sent, 5 refused for the rate")
	require.Equal(t, 1, last.refused, "the burst's bin stacks its refusals")
	require.Equal(t, 1, last.limits, "the documented limit is drawn")
	require.Zero(t, plots[0].refused)
}

// What the target sends is text, never markup: a hostile answer cannot
// inject an element or a script into the report.
func TestHTMLEscapesTheTarget(t *testing.T) {
	t.Parallel()
	r := htmlFixture()
	r.Checks[0].Reason = `<script>alert(1)</script><img src=x onerror=alert(2)>`
	r.Checks[0].Exchanges[0].Answer = `</pre><script>alert(3)</script>`
	r.Activity.Events[1].Summary = `"><script>alert(4)</script>`
	doc := parseHTML(t, renderHTML(t, r))
	walk(doc, func(n *html.Node) {
		require.NotEqual(t, "script", n.Data)
		require.NotEqual(t, "img", n.Data)
	})
	require.Contains(t, text(doc), `<script>alert(1)</script>`, "shown as text")
}

// A run with nothing recorded still renders: no timeline, no rates, and
// coverage and profile say they were not measured.
func TestHTMLEmptyRun(t *testing.T) {
	t.Parallel()
	r := report.Run{Target: "x", Checks: []report.Check{{ID: "SI-ID-01", Title: "t", Status: report.Pass}}}
	page := renderHTML(t, r)
	doc := parseHTML(t, page)
	require.Contains(t, text(doc), "CONFORMANT")
	require.NotContains(t, page, `id="timelines"`)
	require.NotContains(t, page, `id="rates"`)
	require.Equal(t, 2, strings.Count(text(doc), "Not measured in this report."))
}

func TestHTMLRefusesWhatJSONRefuses(t *testing.T) {
	t.Parallel()
	for _, r := range []report.Run{
		{Checks: []report.Check{{ID: "SI-X-01", Status: "maybe"}}},
		{Kind: "dream"},
	} {
		var b bytes.Buffer
		err := report.HTML(&b, r)
		require.Error(t, err)
		require.Zero(t, b.Len(), "nothing written")
	}
	require.Error(t, report.HTML(failingWriter{}, htmlFixture()), "the writer's error")
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// The activity keeps a listing's states only where they changed, and is
// bounded.
func TestActivityLogKeepsChangesAndIsBounded(t *testing.T) {
	t.Parallel()
	l := report.NewActivityLog(nil)
	l.Add(report.Event{Seq: 1}, []report.Shown{{"ins-aaaaaaaa", "RUNNING"}, {"ins-bbbbbbbb", "RUNNING"}})
	l.Add(report.Event{Seq: 2}, []report.Shown{{"ins-aaaaaaaa", "RUNNING"}, {"ins-bbbbbbbb", "STOPPING"}})
	a := l.Activity()
	require.Equal(t, []report.Shown{{"ins-aaaaaaaa", "RUNNING"}, {"ins-bbbbbbbb", "RUNNING"}}, a.Events[0].Shown)
	require.Equal(t, []report.Shown{{"ins-bbbbbbbb", "STOPPING"}}, a.Events[1].Shown, "only the change")

	ids := make([]string, 500)
	for i := range ids {
		ids[i] = fmt.Sprintf("ins-%08d", i)
	}
	l.Add(report.Event{Seq: 3, Instances: ids}, nil)
	require.Less(t, len(l.Activity().Events[2].Instances), len(ids), "a hostile batch is cut")
	for i := l.Activity().Len(); i < report.MaxEvents+7; i++ {
		l.Add(report.Event{Seq: i}, nil)
	}
	require.Equal(t, report.MaxEvents, l.Activity().Len())
	require.Equal(t, 7, l.Activity().Dropped)
}

// TestHTMLShowsTheBaseline: with --baseline, the known failure is among
// the failures (after the unexpected ones), and every entry is listed with
// its state, the stale one tagged as failing the gate.
func TestHTMLShowsTheBaseline(t *testing.T) {
	t.Parallel()
	r := htmlFixture()
	for i, c := range r.Checks {
		if c.Status == report.Fail {
			r.Checks[i].Status = report.Known
			break
		}
	}
	known := ""
	for _, c := range r.Checks {
		if c.Status == report.Known {
			known = c.ID
		}
	}
	r.Baseline = &report.Baseline{File: "known.yaml", Entries: []report.BaselineEntry{
		{Check: known, Reason: "parser rewrite pending", State: report.BaselineKnown, Detail: known + " still fails, as listed"},
		{Check: "SI-ID-02", Reason: "fixed since", State: report.BaselineStale, Detail: "SI-ID-02 now passes: remove it from the baseline"},
	}}
	doc := parseHTML(t, renderHTML(t, r))
	var section []string
	walk(doc, func(n *html.Node) {
		if n.Data == "h2" && attr(n, "id") == "baseline" {
			for s := n.NextSibling; s != nil && s.Data != "h2"; s = s.NextSibling {
				section = append(section, text(s))
			}
		}
	})
	body := strings.Join(section, "\n")
	require.Contains(t, body, "SI-ID-02 now passes: remove it from the baseline")
	require.Contains(t, body, "parser rewrite pending")
	var tags []string
	walk(doc, func(n *html.Node) {
		if n.Data == "span" && hasClass(n, "tag") && (text(n) == "stale" || text(n) == "known") && n.Parent != nil && n.Parent.Parent != nil && n.Parent.Parent.Data == "tr" {
			tags = append(tags, text(n)+":"+attr(n, "class"))
		}
	})
	require.Contains(t, tags, "stale:tag fail", "a stale entry fails the gate, and looks it")
	var failures []string
	walk(doc, func(n *html.Node) {
		if n.Data == "article" && hasClass(n, "failure") {
			failures = append(failures, attr(n, "id"))
		}
	})
	require.Equal(t, "fail-"+known, failures[len(failures)-1], "the known failure keeps its exchanges in the report, after the unexpected ones")
}

// TestHTMLInstancesAreRealAndLinksLeadSomewhere: a failure's instances
// are the ones it names, not the form an error message quotes
// ("ins-xxxxxxxx"), and one the timelines do not draw is named without
// a link; every link inside the page leads to an element of it.
func TestHTMLInstancesAreRealAndLinksLeadSomewhere(t *testing.T) {
	t.Parallel()
	r := htmlFixture()
	r.Checks[0].Reason = "ID-FORMAT: an instance ID not of the form ins-xxxxxxxx is refused; ins-eeeeeeee was accepted"
	doc := parseHTML(t, renderHTML(t, r))

	ids := map[string]bool{}
	walk(doc, func(n *html.Node) {
		if id := attr(n, "id"); id != "" {
			ids[id] = true
		}
	})
	walk(doc, func(n *html.Node) {
		if h := attr(n, "href"); n.Data == "a" && strings.HasPrefix(h, "#") {
			require.True(t, ids[h[1:]], "link %q (%q) leads to an element of the page", h, text(n))
		}
	})

	var line *html.Node
	walk(doc, func(n *html.Node) {
		if n.Data == "article" && attr(n, "id") == "fail-SI-STATE-02" {
			walk(n, func(d *html.Node) {
				if d.Data == "div" && strings.HasPrefix(text(d), "Instances: ") {
					line = d
				}
			})
		}
	})
	require.NotNil(t, line)
	require.Equal(t, "Instances: ins-eeeeeeee, ins-aaaaaaaa", text(line), "the placeholder is no instance")
	linked := map[string]string{}
	walk(line, func(n *html.Node) {
		linked[text(n)] = n.Data
	})
	require.Equal(t, "a", linked["ins-aaaaaaaa"], "drawn in the timelines: a link to its row")
	require.Equal(t, "span", linked["ins-eeeeeeee"], "no row: plain text")
}

// TestHTMLCutsOverLongLines: an answer echoing a 1 MB ID (SI-HOSTILE-03)
// is cut in the page, in the counterexample and in every part of an
// exchange, as the console cuts a value, saying how much was left out;
// the other lines stay whole.
func TestHTMLCutsOverLongLines(t *testing.T) {
	t.Parallel()
	r := htmlFixture()
	id := `"ins-` + strings.Repeat("a", 1<<20) + `"`
	line := `< InvalidParameterValue: the ID ` + id + ` is malformed` // 1,048,627 bytes
	r.Checks[0].Counterexample = "1. > StopInstances ins-aaaaaaaa\n" + line + "\n2. the model accepts InvalidInstanceId.Malformed"
	x := &r.Checks[0].Exchanges[0]
	x.Body = `{"InstanceIds":[` + id + `]}`
	x.Answer = line
	x.Headers = append(x.Headers, "X-Echo: "+id)
	x.URL = "http://127.0.0.1:8080/?InstanceIds.0=" + id
	page := renderHTML(t, r)
	require.Less(t, len(page), 200_000, "the page is for reading; the JSON report keeps it whole")
	doc := parseHTML(t, page)
	var ce, request, answer string
	walk(doc, func(n *html.Node) {
		switch {
		case n.Data == "summary" && strings.HasPrefix(text(n), "Counterexample") && attr(n.Parent.Parent, "id") == "fail-SI-STATE-02":
			ce = text(n.NextSibling)
		case n.Data == "dt" && text(n) == "request" && request == "":
			request = text(n.NextSibling)
		case n.Data == "dt" && text(n) == "answer" && answer == "":
			answer = text(n.NextSibling)
		}
	})
	cutLine := line[:3000] + "…(+1,045,627 bytes)"
	require.Equal(t, "1. > StopInstances ins-aaaaaaaa\n"+cutLine+"\n2. the model accepts InvalidInstanceId.Malformed", ce,
		"the long line cut to its first 3,000 characters and what was cut; the others whole")
	require.Equal(t, "HTTP 200 "+cutLine, answer)
	for _, want := range []string{
		"POST http://127.0.0.1:8080/?InstanceIds.0=" + id[:3000-37] + "…(+1,045,619 bytes)\n",
		"X-Echo: " + id[:3000-8] + "…(+1,045,590 bytes)\n",
		`{"InstanceIds":[` + id[:3000-16] + "…(+1,045,600 bytes)",
		"X-Tc-Action: StopInstances\n",
	} {
		require.Contains(t, request, want)
	}
	require.Len(t, r.Checks[0].Exchanges[0].Headers[2], len(id)+8, "the run's own exchange is left whole")
}

// TestHTMLFilterCountsKnownFailures: the filter of all checks offers the
// known failures (a baseline's), its choices together count every check,
// each choice shows only its own rows, and an area's tally counts them.
func TestHTMLFilterCountsKnownFailures(t *testing.T) {
	t.Parallel()
	r := htmlFixture()
	r.Checks[1].Status = report.Known // SI-PROP-01
	page := renderHTML(t, r)
	doc := parseHTML(t, page)

	counts := map[string]int{}
	walk(doc, func(n *html.Node) {
		if n.Data == "label" && n.Parent != nil && hasClass(n.Parent, "filter") {
			var word string
			var count int
			l := text(n)
			i := strings.LastIndex(l, " (")
			word = l[:i]
			_, err := fmt.Sscanf(l[i:], " (%d)", &count)
			require.NoError(t, err, "label %q ends in its count", l)
			counts[attr(n, "for")+" "+word] = count
		}
	})
	require.Equal(t, map[string]int{"f-all all": 6, "f-fail failed or errored": 3, "f-known known failures": 1, "f-skip skipped": 1, "f-pass passed": 1}, counts)

	// Each choice hides the rows of every status but its own.
	require.Contains(t, page, "#f-known:checked~.areas tbody tr:not(.s-known)")
	require.Contains(t, page, "#f-fail:checked~.areas tbody tr:not(.s-fail,.s-error)", "a known failure is not among the failed")

	var tallies []string
	var propRow *html.Node
	walk(doc, func(n *html.Node) {
		if n.Data == "th" && n.Parent != nil && n.Parent.Parent != nil && n.Parent.Parent.Data == "thead" {
			tallies = append(tallies, text(n))
		}
		if n.Data == "tr" && attr(n, "class") == "s-known" {
			propRow = n
		}
	})
	require.Contains(t, tallies, "PROP · 1 known")
	require.NotNil(t, propRow, "the known check is a row of its area")
	var href string
	walk(propRow, func(n *html.Node) {
		if n.Data == "a" {
			href = attr(n, "href")
		}
	})
	require.Equal(t, "#fail-SI-PROP-01", href, "a known failure's row links to its card, as a failure's does")
}

// TestHTMLRatesChartOnlyDocumentedActions: a deliberately unknown action
// (SI-PROTO's "StopInstancez") and a request with none have no documented
// limit, so no panel: they are counted in one line.
func TestHTMLRatesChartOnlyDocumentedActions(t *testing.T) {
	t.Parallel()
	r := htmlFixture()
	t0 := r.Activity.Events[0].Sent
	r.Activity.Events = append(r.Activity.Events,
		report.Event{Seq: 40, Sent: t0.Add(1500 * time.Millisecond), Lane: "lane-5", Account: "lane-5", Check: "SI-PROTO-03", Action: "StopInstancez", Code: "InvalidAction"},
		report.Event{Seq: 41, Sent: t0.Add(1600 * time.Millisecond), Lane: "lane-5", Account: "lane-5", Check: "SI-PROTO-04", Code: "MissingParameter"},
		report.Event{Seq: 42, Sent: t0.Add(1700 * time.Millisecond), Lane: "lane-5", Account: "lane-5", Check: "SI-PROTO-03", Action: "RebootInstances", Code: "InvalidAction"})
	doc := parseHTML(t, renderHTML(t, r))
	var panels []string
	uncharted := ""
	walk(doc, func(n *html.Node) {
		if n.Data == "div" && hasClass(n, "rate") {
			panels = append(panels, text(n))
		}
		if attr(n, "id") == "uncharted" {
			uncharted = text(n)
		}
	})
	require.Len(t, panels, 3, "the fixture's three documented panels, and none more")
	for _, p := range panels {
		require.NotContains(t, p, "lane-5", "no panel for an action without a documented limit")
	}
	require.Equal(t, "3 requests of other actions, not charted (no documented limit).", uncharted)

	// Only undocumented actions: no panel, and still the line.
	r.Activity.Events = r.Activity.Events[len(r.Activity.Events)-3:]
	doc = parseHTML(t, renderHTML(t, r))
	panels, uncharted = nil, ""
	walk(doc, func(n *html.Node) {
		if n.Data == "div" && hasClass(n, "rate") {
			panels = append(panels, text(n))
		}
		if attr(n, "id") == "uncharted" {
			uncharted = text(n)
		}
	})
	require.Empty(t, panels)
	require.Equal(t, "3 requests of other actions, not charted (no documented limit).", uncharted)
}

// TestHTMLVerdictQualifiedByKnownFailures: a run conformant but for known
// failures is not shown as a plain pass: its box is amber and its line
// names them.
func TestHTMLVerdictQualifiedByKnownFailures(t *testing.T) {
	t.Parallel()
	r := htmlFixture()
	var checks []report.Check
	for _, c := range r.Checks {
		switch c.Status {
		case report.Fail:
			if c.ID == "SI-STATE-02" {
				c.Status = report.Known
				checks = append(checks, c)
			}
		case report.Error:
		default:
			checks = append(checks, c)
		}
	}
	r.Checks = checks
	r.Baseline = &report.Baseline{File: "known.yaml", Entries: []report.BaselineEntry{
		{Check: "SI-STATE-02", Reason: "fix pending", State: report.BaselineKnown, Detail: "SI-STATE-02 still fails, as listed"}}}
	require.Equal(t, report.Conformant, r.Verdict())
	doc := parseHTML(t, renderHTML(t, r))
	var box *html.Node
	walk(doc, func(n *html.Node) {
		if n.Data == "section" && attr(n, "id") == "verdict" {
			box = n
		}
	})
	require.NotNil(t, box)
	require.Equal(t, "verdict known", attr(box, "class"), "amber, not the plain green of a pass")
	var big, line string
	walk(box, func(n *html.Node) {
		switch {
		case hasClass(n, "big"):
			big = text(n)
		case hasClass(n, "line"):
			line = text(n)
		}
	})
	require.Equal(t, "CONFORMANT", big)
	require.True(t, strings.HasPrefix(line, "on 1 of 3 checks (1 skipped: SI-ACCT-01), but for 1 known failure (SI-STATE-02)"), line)

	r.Checks[0].Status = report.Pass
	r.Baseline = nil
	doc = parseHTML(t, renderHTML(t, r))
	walk(doc, func(n *html.Node) {
		if n.Data == "section" && attr(n, "id") == "verdict" {
			require.Equal(t, "verdict pass", attr(n, "class"), "without known failures, a pass is green")
		}
	})
}
