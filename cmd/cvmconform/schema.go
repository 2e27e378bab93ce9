package main

import (
	"flag"
	"fmt"

	"github.com/cvmconform/cvmconform/runner/report"
)

const schemaUsage = `Usage: cvmconform schema

Prints the JSON Schema (draft 2020-12) of the JSON report that 'run --json',
'judge --json' and 'proxy --report' write: every key with its type, and no
other. The report's "schema_version" says which version of it a report
follows. The schema is also in the repository, at
runner/report/report.schema.json; the binary prints the one it writes to,
so a CI can validate a report with the schema of the build that made it.
`

// schema prints the JSON report's schema, as embedded in the binary.
func (c cli) schema(args []string) int {
	fs := flag.NewFlagSet("schema", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() { fmt.Fprint(c.stderr, schemaUsage) }
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(c.stderr, "cvmconform schema: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if _, err := c.stdout.Write(report.Schema()); err != nil {
		return exitUsage
	}
	return exitOK
}
