package report

import (
	"regexp"
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
		b.WriteString(cutRun(run, keep))
	}
	return b.String()
}

// minCut is the fewest bytes worth cutting: a cut that would leave out
// less shows the value whole.
const minCut = 16

// cutMarker is how a value already shortened says so: the model's
// "…(1000 digits)", "…(65 bytes)" (model.Value.String) or this file's
// "…(+9,812 bytes)".
var cutMarker = regexp.MustCompile(`…\(\+?[0-9,]+ (?:bytes|digits)\)`)

// cutRun cuts one value to its first keep runes and "…(+N bytes)". A
// value already cut before (model.Value.String shortens long strings and
// numbers) is never cut twice ("…(+67 bytes) bytes)"): a cut that falls
// inside the earlier marker moves past it, and one that falls before it
// keeps the marker, which gives the value's true size, and cuts what
// follows it on its own. A cut that would leave out fewer than minCut
// bytes leaves the value whole.
func cutRun(run string, keep int) string {
	kept := run
	for i := range run {
		if utf8.RuneCountInString(run[:i]) == keep {
			kept = run[:i]
			break
		}
	}
	for _, m := range cutMarker.FindAllStringIndex(run, -1) {
		switch {
		case m[1] <= len(kept):
			continue
		case m[0] < len(kept):
			kept = run[:m[1]]
		default:
			rest := run[m[1]:]
			if utf8.RuneCountInString(rest) > keep/2 {
				rest = cutRun(rest, keep/2)
			}
			return kept + run[m[0]:m[1]] + rest
		}
		break
	}
	if len(run)-len(kept) < minCut {
		return run
	}
	return kept + "…(+" + thousands(len(run)-len(kept)) + " bytes)"
}

// leadingRun is the longest prefix of s (not empty) that is all spaces
// or has none.
func leadingRun(s string) string {
	space := unicode.IsSpace(firstRune(s))
	for i, r := range s {
		if unicode.IsSpace(r) != space {
			if !space && inMarker(s, i) {
				continue // "…(1000 digits)" is one value with the one before it
			}
			return s[:i]
		}
	}
	return s
}

// markerHead is a cut marker up to its space: "…(1000", "…(+9,812".
var markerHead = regexp.MustCompile(`…\(\+?[0-9,]+$`)

// inMarker reports whether the space at s[i] is the one inside a cut
// marker.
func inMarker(s string, i int) bool {
	tail := s[i:]
	if !strings.HasPrefix(tail, " bytes)") && !strings.HasPrefix(tail, " digits)") {
		return false
	}
	return markerHead.MatchString(s[max(0, i-32):i])
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
