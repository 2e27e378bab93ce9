package report

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fitting text to a screen. A target's answers, the IDs a check sends
// and the model's expectations can be of any length (a 10,000-ID batch,
// a body of 10 MB); the console shows them cut and wrapped, so that no
// line is longer than lineWidth, and the JSON report keeps them whole.

// lineWidth is the most runes a console line takes (the live progress
// line takes fewer: liveWidth).
const lineWidth = 120

// A value — a run of text without a space, or a run of spaces — longer
// than longValue runes is cut (see [cutValues]).
const longValue = 80

// cutValues cuts every value of s longer than most runes to its first
// three quarters and "…(+N bytes)", N being how much was cut: a JSON
// array of 10,000 IDs becomes `{"InstanceIds":["ins-…","ins-…"` and
// "…(+149,957 bytes)".
func cutValues(s string, most int) string {
	if utf8.RuneCountInString(s) <= most {
		return s
	}
	keep := most * 3 / 4
	var b strings.Builder
	for len(s) > 0 {
		run := leadingRun(s)
		s = s[len(run):]
		if utf8.RuneCountInString(run) <= most {
			b.WriteString(run)
			continue
		}
		kept := run
		for i := range run {
			if utf8.RuneCountInString(run[:i]) == keep {
				kept = run[:i]
				break
			}
		}
		b.WriteString(kept)
		b.WriteString("…(+" + thousands(len(run)-len(kept)) + " bytes)")
	}
	return b.String()
}

// leadingRun is the longest prefix of s (not empty) that is all spaces
// or has none.
func leadingRun(s string) string {
	space := unicode.IsSpace(firstRune(s))
	for i, r := range s {
		if unicode.IsSpace(r) != space {
			return s[:i]
		}
	}
	return s
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// thousands writes n with a comma every three digits: 9,812.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// fit makes one line of console text — which must already be cleaned —
// fit the screen: it cuts long values, then wraps the line at spaces to
// lineWidth runes, each continuation line starting with hang (the
// column where the line's value starts, so that it reads as one
// paragraph). It returns the lines joined with "\n", without a final one.
func fit(line, hang string) string {
	line = cutValues(line, longValue)
	if utf8.RuneCountInString(line) <= lineWidth {
		return line
	}
	var lines []string
	cur, gap := "", ""
	for rest := line; rest != ""; {
		run := leadingRun(rest)
		rest = rest[len(run):]
		switch {
		case unicode.IsSpace(firstRune(run)):
			gap += run
		case strings.TrimSpace(cur) == "":
			cur, gap = cur+gap+run, ""
		case utf8.RuneCountInString(cur)+utf8.RuneCountInString(gap)+utf8.RuneCountInString(run) <= lineWidth:
			cur, gap = cur+gap+run, ""
		default:
			lines = append(lines, cur)
			cur, gap = hang+run, ""
		}
	}
	return strings.Join(append(lines, cur), "\n")
}

// Fit is how every console report fits a line of text from a run to the
// screen, for a command that writes its own lines: control characters
// and invalid UTF-8 escaped, values longer than 80 characters cut with
// how much was cut ("…(+9,812 bytes)"), and the line wrapped at spaces
// to 120 columns, each continuation line starting with hang. The result
// has no final newline. Its layout is for people and may change.
func Fit(line, hang string) string { return fit(clean(line, false), hang) }
