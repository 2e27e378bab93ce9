package report

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// markdownCut is how much of a counterexample the Markdown summary keeps:
// a job summary or a pull-request comment is read, not searched (the JSON
// report keeps it whole).
const markdownCut = 3000

// Markdown writes a short GitHub-flavoured summary of the run, for a CI
// job summary ($GITHUB_STEP_SUMMARY) or a pull-request comment:
//
//  1. a heading with the verdict, and the verdict line; its mark is ✅
//     only for a run conformant without known failures, ⚠️ for one
//     conformant but for them or incomplete, ❌ for one not conformant;
//  2. a table of counts (pass, fail, skip, error; with a baseline, known
//     failures and stale and expired entries), and what was checked;
//  3. each failure and error: its ID and title, clause, one-line reason,
//     replay command, and its counterexample in a <details> block, cut to
//     3000 characters;
//  4. with a baseline, the known failures (each with the baseline's
//     reason and its own) and the entries that fail the gate.
//
// Text from the run is escaped for Markdown and HTML (a target cannot
// inject markup or a link), control characters as clean escapes them.
// The layout and wording are for people and may change. Markdown writes
// nothing and returns an error if the run's Kind is not one of the four;
// otherwise an error is the writer's.
func Markdown(w io.Writer, r Run) error {
	t, err := r.text()
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, markdown(r, t))
	return err
}

func markdown(r Run, t kindText) string {
	var b strings.Builder
	v := r.Verdict()
	icon := map[Verdict]string{Conformant: "✅", NotConformant: "❌", Incomplete: "⚠️"}[v]
	if v == Conformant && r.Summary().Known > 0 {
		icon = "⚠️" // a known failure is still a failure: never plainly green
	}
	fmt.Fprintf(&b, "### %s cvmconform: %s\n\n", icon, v)
	b.WriteString(mdText(verdictLine(r, t)) + "\n\n")
	s := r.Summary()
	head, cells := []string{"pass", "fail", "skip", "error"}, []int{s.Pass, s.Fail, s.Skip, s.Error}
	if r.Baseline != nil {
		head = append(head, "known", "stale", "expired")
		cells = append(cells, s.Known, r.Baseline.count(BaselineStale), r.Baseline.count(BaselineExpired))
	}
	b.WriteString("| " + strings.Join(head, " | ") + " |\n|" + strings.Repeat("---:|", len(head)) + "\n|")
	for _, n := range cells {
		fmt.Fprintf(&b, " %d |", n)
	}
	b.WriteString("\n\n")
	what := fmt.Sprintf("%s %s", t.target, mdCode(clean(r.Target, false)))
	if r.Region != "" {
		what += " · region " + mdText(r.Region)
	}
	if t.run {
		what += fmt.Sprintf(" · seed %d", r.Seed)
	}
	what += " · " + plural(r.Requests, t.request) + " · " + plural(len(r.Checks), t.item)
	if r.Baseline != nil {
		what += " · baseline " + mdCode(clean(r.Baseline.File, false))
	}
	b.WriteString(what + "\n")
	for _, sec := range failingSections {
		cs := r.With(sec.status)
		if len(cs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n#### %s (%d)\n", sec.title, len(cs))
		for _, c := range cs {
			mdCheck(&b, c)
		}
	}
	mdBaseline(&b, r)
	return b.String()
}

// mdCheck writes one failed or errored check.
func mdCheck(b *strings.Builder, c Check) {
	fmt.Fprintf(b, "\n**%s** %s\n\n", mdText(c.ID), mdText(c.Title))
	if c.Spec != "" {
		b.WriteString("- clause: " + mdText(c.Spec) + "\n")
	}
	if c.Reason != "" {
		b.WriteString("- reason: " + mdText(c.Reason) + "\n")
	}
	if c.Replay != "" {
		b.WriteString("- replay: " + mdCode(clean(c.Replay, false)) + "\n")
	}
	ce := strings.TrimRight(clean(c.Counterexample, true), "\n")
	if ce == "" {
		return
	}
	if len(ce) > markdownCut {
		cut := markdownCut
		for cut > 0 && !utf8.RuneStart(ce[cut]) {
			cut--
		}
		ce = ce[:cut] + fmt.Sprintf("\n…(+%s bytes: the JSON report has it whole)", thousands(len(ce)-cut))
	}
	fence := "```"
	for strings.Contains(ce, fence) {
		fence += "`"
	}
	// Inside <details>, a fenced block needs the blank lines around it to
	// be read as Markdown; its text is never markup, so nothing there is
	// escaped but the fence.
	b.WriteString("\n<details><summary>counterexample</summary>\n\n" + fence + "\n" + ce + "\n" + fence + "\n\n</details>\n")
}

// mdBaseline writes the known failures and the entries that fail the
// gate; nothing without a baseline.
func mdBaseline(b *strings.Builder, r Run) {
	if r.Baseline == nil {
		return
	}
	if known := r.With(Known); len(known) > 0 {
		fmt.Fprintf(b, "\n#### Known failures (%d)\n\n| check | why it is known | failure |\n|---|---|---|\n", len(known))
		for _, c := range known {
			fmt.Fprintf(b, "| %s | %s | %s |\n", mdCell(c.ID), mdCell(r.KnownReason(c.ID)), mdCell(c.Reason))
		}
	}
	failing := baselineFailures(r)
	if len(failing) == 0 {
		return
	}
	fmt.Fprintf(b, "\n#### Baseline entries that fail the gate (%d)\n\n", len(failing))
	for _, e := range failing {
		fmt.Fprintf(b, "- **%s** %s: %s\n", e.State, mdText(e.Subject()), mdText(e.Detail))
	}
}

// mdSpecial are the characters that could make text markup in GitHub's
// Markdown (emphasis, links, headings, tables, HTML, autolinks).
var mdSpecial = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;",
	"&", "&amp;", "|", `\|`, "#", `\#`, "~", `\~`, "!", `\!`, "@", "@\u2060",
)

// mdText is one line of the run's text as Markdown that shows it as is.
func mdText(s string) string { return mdSpecial.Replace(clean(s, false)) }

// mdCell is text for a table cell: one line, cut at 300 characters.
func mdCell(s string) string {
	s = clean(s, false)
	if r := []rune(s); len(r) > 300 {
		s = string(r[:299]) + "…"
	}
	return mdSpecial.Replace(s)
}

// mdCode is s as inline code, with a fence longer than any run of
// backticks it holds.
func mdCode(s string) string {
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}
