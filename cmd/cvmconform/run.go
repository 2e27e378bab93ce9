package main

import "fmt"

func (c cli) run(args []string) int {
	fmt.Fprintln(c.stdout, "cvmconform run: not built yet. The reference model is in place ('cvmconform checks --ledger');")
	fmt.Fprintln(c.stdout, "the emulator and the conformance run against it come next.")
	return exitOK
}
