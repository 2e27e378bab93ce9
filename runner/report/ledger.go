package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/cvmconform/cvmconform/model"
)

// Ledger writes the model's ambiguity ledger as a table: each entry's
// topic, what the sources say, and what the model accepts in lenient and
// strict mode (from the rules that carry the choice). The layout is for
// people and may change.
func Ledger(w io.Writer, entries []model.LedgerEntry) error {
	t := &table{header: []string{"ID", "TOPIC", "SOURCES SAY", "MODEL ACCEPTS"}, widths: []int{0, 24, 52, 60}}
	for _, e := range entries {
		t.add(e.ID, e.Topic, e.Sources, accepts(e))
	}
	if _, err := fmt.Fprintf(w, "Ambiguity ledger: %d points where the seed (2020) and the current documentation disagree or are silent.\n"+
		"Lenient mode (the default) accepts every outcome listed; --strict accepts the strict outcome only.\n\n", len(entries)); err != nil {
		return err
	}
	if err := t.render(w); err != nil {
		return err
	}
	return precedence(w)
}

// precedence writes the check order strict mode follows (ledger L-05).
func precedence(w io.Writer) error {
	if _, err := io.WriteString(w, "\nCheck order: strict mode expects the code of the first rule a request breaks; lenient accepts any.\n\n"); err != nil {
		return err
	}
	t := &table{header: []string{"#", "STAGE", "RULES, IN ORDER"}, widths: []int{0, 0, 90}}
	var ids []string
	stage := ""
	flush := func() {
		if stage != "" {
			t.add(fmt.Sprint(len(t.rows)+1), stage, strings.Join(ids, ", "))
		}
	}
	for _, r := range model.Rules {
		if r.Stage != stage {
			flush()
			stage, ids = r.Stage, nil
		}
		ids = append(ids, r.ID)
	}
	flush()
	return t.render(w)
}

func accepts(e model.LedgerEntry) string {
	var b strings.Builder
	b.WriteString(e.Choice)
	for _, r := range e.Rules {
		fmt.Fprintf(&b, "\n%s: lenient %s; strict %s.", r.ID, r.Lenient, r.Strict)
	}
	if e.Decision != "" {
		fmt.Fprintf(&b, "\nDecision: %s.", e.Decision)
	}
	b.WriteString("\n ")
	return b.String()
}
