package model

import (
	_ "embed"
	"regexp"
	"strings"
)

// sources is SOURCES.md: the project's own account of the documents its
// clauses cite, one heading a citable section.
//
//go:embed SOURCES.md
var sources string

// A Citation is one section a clause cites: Doc is "seed", "facts",
// "facts silent", "DESIGN" or "ledger"; Section its number, title or
// entry ID ("6", "The model", "L-13").
type Citation struct {
	Doc, Section string
}

// String is the citation as clauses write it.
func (c Citation) String() string {
	switch c.Doc {
	case "seed", "facts":
		return c.Doc + " §" + c.Section
	case "facts silent":
		return `facts "silent" ` + c.Section
	case "DESIGN":
		return `DESIGN "` + c.Section + `"`
	}
	return c.Doc + " " + c.Section
}

// citationToken is one word of a clause that matters to its citations.
var citationToken = regexp.MustCompile(`(?i:\bseed\b|\bfacts\b)|\bDESIGN\b|\bledger\b|"silent"\s+\d+|§\d+|"[^"]*"|\bL-\d+`)

// Citations lists the sections clause cites, in order: "seed §1, §2"
// cites seed §1 and §2 (a bare § continues the document last named);
// "facts §7–§9" cites §7 and §9 (the ends of a range); `facts "silent" 8`,
// DESIGN "The model" and "ledger L-13" (or a bare L-13) as written. Other
// text — a quotation, a code — cites nothing.
func Citations(clause string) []Citation {
	var out []Citation
	doc, prev := "", ""
	for _, tok := range citationToken.FindAllString(clause, -1) {
		if t := strings.ToLower(tok); t == "seed" || t == "facts" {
			tok = t // "Facts §12" opening a sentence
		}
		switch {
		case tok == "seed" || tok == "facts" || tok == "DESIGN" || tok == "ledger":
			doc = tok
		case strings.HasPrefix(tok, `"silent"`) && prev == "facts":
			out = append(out, Citation{"facts silent", strings.TrimSpace(strings.TrimPrefix(tok, `"silent"`))})
		case strings.HasPrefix(tok, "§") && (doc == "seed" || doc == "facts"):
			out = append(out, Citation{doc, strings.TrimPrefix(tok, "§")})
		case strings.HasPrefix(tok, `"`) && prev == "DESIGN":
			out = append(out, Citation{"DESIGN", strings.Trim(tok, `"`)})
		case strings.HasPrefix(tok, "L-"):
			out = append(out, Citation{"ledger", tok})
		}
		prev = tok
	}
	return out
}

// SourceText is the section of SOURCES.md that c names: its heading and
// its text, up to the next heading. A ledger citation is looked up in
// [Ledger] instead. ok is false when there is no such section.
func SourceText(c Citation) (heading, text string, ok bool) {
	if c.Doc == "ledger" {
		for _, e := range Ledger {
			if e.ID == c.Section {
				return e.ID + " " + e.Topic, e.Sources + "\n" + e.Choice, true
			}
		}
		return "", "", false
	}
	want := c.String()
	lines := strings.Split(sources, "\n")
	for i, l := range lines {
		h, isHeading := strings.CutPrefix(l, "### ")
		if !isHeading || (h != want && !strings.HasPrefix(h, want+" ")) {
			continue
		}
		var body []string
		for _, b := range lines[i+1:] {
			if strings.HasPrefix(b, "#") {
				break
			}
			body = append(body, b)
		}
		return h, strings.TrimSpace(strings.Join(body, "\n")), true
	}
	return "", "", false
}
