package main

import (
	"flag"
	"fmt"

	"github.com/cvmconform/cvmconform/conformance"
	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/report"
)

// catalogEntries turns the catalog into the reporter's rows.
func catalogEntries() []report.CatalogEntry {
	var out []report.CatalogEntry
	for _, c := range conformance.Catalog() {
		out = append(out, report.CatalogEntry{ID: c.ID, Title: c.Title, Clause: c.Clause, Severity: string(c.Severity), Needs: c.Needs.String()})
	}
	return out
}

func (c cli) checks(args []string) int {
	fs := flag.NewFlagSet("checks", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	ledger := fs.Bool("ledger", false, "print the ambiguity ledger: where the seed and the current docs disagree or are silent, and what the model accepts")
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "Usage: cvmconform checks [--ledger]\n\nLists the check catalog (id, title, clause).\n\n")
		fs.PrintDefaults()
	}
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(c.stderr, "cvmconform checks: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if *ledger {
		if err := report.Ledger(c.stdout, model.Ledger); err != nil {
			fmt.Fprintf(c.stderr, "cvmconform checks: %v\n", err)
			return exitUsage
		}
		return exitOK
	}
	if err := report.Catalog(c.stdout, catalogEntries()); err != nil {
		fmt.Fprintf(c.stderr, "cvmconform checks: %v\n", err)
		return exitUsage
	}
	return exitOK
}
