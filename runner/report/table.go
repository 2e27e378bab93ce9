package report

import (
	"io"
	"strings"
	"unicode/utf8"
)

// table renders rows as plain-text columns, wrapping long cells onto
// continuation lines so that a table stays readable in a terminal.
type table struct {
	header []string
	widths []int // maximum width of each column; 0 = as wide as needed
	rows   [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// render writes the table with a header rule.
func (t *table) render(w io.Writer) error {
	widths := make([]int, len(t.header))
	all := append([][]string{t.header}, t.rows...)
	for _, r := range all {
		for i, c := range r {
			n := 0
			for _, line := range wrap(c, t.widths[i]) {
				n = max(n, utf8.RuneCountInString(line))
			}
			widths[i] = max(widths[i], n)
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		wrapped := make([][]string, len(cells))
		height := 1
		for i, c := range cells {
			wrapped[i] = wrap(c, t.widths[i])
			height = max(height, len(wrapped[i]))
		}
		for h := range height {
			var parts []string
			for i := range cells {
				s := ""
				if h < len(wrapped[i]) {
					s = wrapped[i][h]
				}
				if i < len(cells)-1 {
					s += strings.Repeat(" ", widths[i]-utf8.RuneCountInString(s))
				}
				parts = append(parts, s)
			}
			b.WriteString(strings.TrimRight(strings.Join(parts, "  "), " ") + "\n")
		}
	}
	line(t.header)
	var rule []string
	for _, w := range widths {
		rule = append(rule, strings.Repeat("-", w))
	}
	b.WriteString(strings.Join(rule, "  ") + "\n")
	for _, r := range t.rows {
		line(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// wrap splits s into lines of at most width runes at spaces, a longer
// word after a '.', '_' or '-' (breakWord); width 0 means no wrapping.
// Newlines in s are kept.
func wrap(s string, width int) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		if width <= 0 || utf8.RuneCountInString(para) <= width {
			out = append(out, para)
			continue
		}
		cur := ""
		var words []string
		for _, word := range strings.Fields(para) {
			words = append(words, breakWord(word, width)...)
		}
		for _, word := range words {
			switch {
			case cur == "":
				cur = word
			case utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(word) <= width:
				cur += " " + word
			default:
				out = append(out, cur)
				cur = word
			}
		}
		out = append(out, cur)
	}
	return out
}

// breakWord splits a word longer than width after the last '.', '_' or
// '-' that keeps a piece within width ("UnsupportedOperation." and
// "InstanceStateEnterServiceLiveMigrate"), and otherwise at width.
func breakWord(word string, width int) []string {
	var out []string
	for utf8.RuneCountInString(word) > width {
		runes := []rune(word)
		cut := width
		for i := width; i > 0; i-- {
			if strings.ContainsRune("._-", runes[i-1]) {
				cut = i
				break
			}
		}
		out = append(out, string(runes[:cut]))
		word = string(runes[cut:])
	}
	return append(out, word)
}
