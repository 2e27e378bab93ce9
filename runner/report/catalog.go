package report

import (
	"fmt"
	"io"
)

// CatalogEntry is one check as `cvmconform checks` lists it.
type CatalogEntry struct {
	ID, Title, Clause, Severity, Needs string
}

// Catalog writes the check catalog as a table: ID, severity, title, the
// clause each check enforces and what it needs of the fleet. The layout is
// for people and may change.
func Catalog(w io.Writer, entries []CatalogEntry) error {
	t := &table{header: []string{"ID", "SEVERITY", "TITLE", "CLAUSE", "NEEDS"}, widths: []int{0, 0, 38, 36, 16}}
	for _, e := range entries {
		t.add(e.ID, e.Severity, e.Title, e.Clause, e.Needs)
	}
	if _, err := fmt.Fprintf(w, "%d checks. Run a subset with 'cvmconform run --only PREFIX,…' (e.g. --only SI-BATCH,SI-ID-01).\n"+
		"A check whose needs the target lacks is skipped, with the reason.\n\n", len(entries)); err != nil {
		return err
	}
	return t.render(w)
}
