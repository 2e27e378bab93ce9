package report

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// clean makes text that came from a target (reasons, transcripts, titles)
// safe to show in a terminal and to put in XML 1.0. It writes every rune
// that a terminal would interpret or that XML forbids as a visible escape:
// C0 controls and DEL as \xNN (\r as \r, and \n and \t as \n and \t unless
// multiline), C1 controls and the noncharacters U+FFFE and U+FFFF as \uNNNN,
// and each byte of invalid UTF-8 as \xNN. With multiline, CRLF becomes LF
// and LF and tab are kept. Everything else is kept as is.
func clean(s string, multiline bool) string {
	if multiline {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	if isClean(s, multiline) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case (r == '\n' || r == '\t') && multiline:
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// isClean reports whether clean would return s unchanged.
func isClean(s string, multiline bool) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return false
		case (r == '\n' || r == '\t') && multiline:
		case r < 0x20 || r == 0x7f || unsafeRune(r):
			return false
		}
		i += size
	}
	return true
}

// unsafeRune reports the runes above DEL that clean escapes: the C1
// controls (a terminal may read U+009B as CSI) and the two noncharacters
// XML 1.0 forbids.
func unsafeRune(r rune) bool {
	return (r >= 0x80 && r <= 0x9f) || r == 0xfffe || r == 0xffff
}

// seconds formats a duration for people: 0.21s under a second, 3.1s under
// a minute, 2m05s above.
func seconds(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
}

// plural is "1 check", "2 checks".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
