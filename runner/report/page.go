package report

import (
	"bytes"
	"fmt"
	"io"
)

// Page is a report for people that is not a run's: a verdict, facts and
// tables, such as the self-test's (its precision and recall), rendered by
// [HTMLPage] in the HTML report's style.
type Page struct {
	Title string // the first line, e.g. "cvmconform selftest"
	// Headline is the outcome in a few words ("SELF-TEST PASSED"), shown
	// large, green when OK, red otherwise.
	Headline string
	OK       bool
	// Line says what the headline rests on, in one line.
	Line   string
	Facts  [][2]string // label, value
	Tables []PageTable

	_ struct{}
}

// PageTable is one table of a [Page].
type PageTable struct {
	Title, Note string
	Header      []string
	Rows        []PageRow
}

// PageRow is a row of a [PageTable]; Bad marks a row that failed (shown
// red, and first among the details), Details what a reader needs to act
// on it: its failures and the command that replays it.
type PageRow struct {
	Cells   []string
	Bad     bool
	Details []string

	_ struct{}
}

// HTMLPage writes p as one self-contained HTML page (inline CSS, no
// script, nothing fetched). The layout is for people and may change.
func HTMLPage(w io.Writer, p Page) error {
	var buf bytes.Buffer
	class := "fail"
	if p.OK {
		class = "pass"
	}
	if err := htmlReport.ExecuteTemplate(&buf, "page", struct {
		Page
		VerdictClass string
	}{p, class}); err != nil {
		return fmt.Errorf("report: rendering HTML: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}
