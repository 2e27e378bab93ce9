package main

import (
	"flag"
	"fmt"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/report"
)

func (c cli) checks(args []string) int {
	fs := flag.NewFlagSet("checks", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	ledger := fs.Bool("ledger", false, "print the ambiguity ledger: where the seed and the current docs disagree or are silent, and what the model accepts")
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "Usage: cvmconform checks [--ledger]\n\nLists the check catalog (id, title, clause).\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
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
	fmt.Fprintln(c.stdout, "The check catalog is not built yet: it arrives with 'cvmconform run'. Try 'cvmconform checks --ledger'.")
	return exitOK
}
