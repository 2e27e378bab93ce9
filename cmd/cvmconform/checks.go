package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/cvmconform/cvmconform/conformance"
	"github.com/cvmconform/cvmconform/conformance/selftest"
	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/report"
)

// catalogEntries turns the catalog into the reporter's rows.
func catalogEntries(checks []*conformance.Check) []report.CatalogEntry {
	var out []report.CatalogEntry
	for _, c := range checks {
		out = append(out, report.CatalogEntry{ID: c.ID, Title: c.Title, Clause: c.Clause, Severity: string(c.Severity), Needs: c.Needs.String()})
	}
	return out
}

// checkDetail is one check in full, as 'checks ID' prints it and
// 'checks --json' writes it.
type checkDetail struct {
	ID       string         `json:"id"`
	Title    string         `json:"title"`
	Severity string         `json:"severity"`
	Clause   string         `json:"clause"`
	Needs    string         `json:"needs"`
	Sources  []sourceDetail `json:"sources"` // each section the clause cites, from model/SOURCES.md
	Ledger   []string       `json:"ledger"`  // the ledger entries the clause cites
	Faults   []string       `json:"faults"`  // the emulator faults that prove it (selftest.FaultProofs)
}

type sourceDetail struct {
	Citation string `json:"citation"`
	Heading  string `json:"heading"`
	Text     string `json:"text"`
}

func detailOf(c *conformance.Check) checkDetail {
	d := checkDetail{ID: c.ID, Title: c.Title, Severity: string(c.Severity), Clause: c.Clause, Needs: c.Needs.String(),
		Sources: []sourceDetail{}, Ledger: []string{}, Faults: []string{}}
	for _, ref := range model.Citations(c.Clause) {
		heading, text, ok := model.SourceText(ref)
		if !ok {
			continue // TestCitationsResolve keeps this from happening
		}
		if ref.Doc == "ledger" {
			if !slices.Contains(d.Ledger, ref.Section) {
				d.Ledger = append(d.Ledger, ref.Section)
			}
			continue
		}
		d.Sources = append(d.Sources, sourceDetail{Citation: ref.String(), Heading: heading, Text: text})
	}
	for _, p := range selftest.FaultProofs {
		if slices.ContainsFunc(p.Catch, func(prefix string) bool { return strings.HasPrefix(c.ID, prefix) }) && !slices.Contains(d.Faults, p.Fault) {
			d.Faults = append(d.Faults, p.Fault)
		}
	}
	return d
}

// writeDetail prints one check in full; the layout is for people.
func writeDetail(w io.Writer, d checkDetail) error {
	var b strings.Builder
	needs := d.Needs
	if needs == "" {
		needs = "nothing of the fleet"
	}
	fmt.Fprintf(&b, "%s  %s\n  severity: %s\n  needs:    %s\n  clause:   %s\n", d.ID, d.Title, d.Severity, needs, d.Clause)
	for _, s := range d.Sources {
		fmt.Fprintf(&b, "\n  %s (model/SOURCES.md)\n", s.Heading)
		for _, l := range strings.Split(s.Text, "\n") {
			fmt.Fprintf(&b, "    %s\n", l)
		}
	}
	for _, id := range d.Ledger {
		for _, e := range model.Ledger {
			if e.ID == id {
				fmt.Fprintf(&b, "\n  ledger %s %s\n    sources: %s\n    choice:  %s\n", e.ID, e.Topic, e.Sources, e.Choice)
			}
		}
	}
	if len(d.Ledger) == 0 {
		b.WriteString("\n  ledger: its clause cites no entry ('cvmconform checks --ledger' lists them all)\n")
	}
	if len(d.Faults) > 0 {
		fmt.Fprintf(&b, "\n  proven by the emulator faults: %s\n  (cvmconform run --fault NAME --only %s fails it)\n", strings.Join(d.Faults, ", "), d.ID)
	} else {
		b.WriteString("\n  proven by: no fault names it as one it catches (conformance/selftest/proofs.go)\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (c cli) checks(args []string) int {
	fs := flag.NewFlagSet("checks", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	ledger := fs.Bool("ledger", false, "print the ambiguity ledger: where the seed and the current docs disagree or are silent, and what the model accepts")
	only := fs.String("only", "", "list only the checks whose ID starts with one of these comma-separated `PREFIXES` (as 'run --only')")
	asJSON := fs.Bool("json", false, "write the checks as JSON, each in full (title, severity, clause, the sources' text, ledger entries, faults)")
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "Usage: cvmconform checks [--only PREFIXES] [--json] [ID]\n       cvmconform checks --ledger\n\n"+
			"Lists the check catalog (id, severity, title, clause, needs). With a check ID, prints that\n"+
			"check in full: its clause with the text of each section it cites (model/SOURCES.md), the\n"+
			"ledger entries it cites and the emulator faults that prove it.\n\n")
		printFlags(fs)
	}
	if code, ok := parse(fs, args); !ok {
		return code
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(c.stderr, "cvmconform checks: "+format+"\n", a...)
		return exitUsage
	}
	if fs.NArg() > 1 {
		return fail("unexpected argument %q", fs.Arg(1))
	}
	if *ledger {
		if fs.NArg() > 0 || *only != "" || *asJSON {
			return fail("--ledger takes no check, --only or --json")
		}
		if err := report.Ledger(c.stdout, model.Ledger); err != nil {
			return fail("%v", err)
		}
		return exitOK
	}
	checks := conformance.Catalog()
	var err error
	if *only != "" {
		if checks, err = conformance.Select(checks, splitList(*only)); err != nil {
			return fail("%v", err)
		}
	}
	if fs.NArg() == 1 {
		id := fs.Arg(0)
		i := slices.IndexFunc(checks, func(ch *conformance.Check) bool { return ch.ID == id })
		if i < 0 {
			return fail("no check %q (see 'cvmconform checks')", id)
		}
		checks = checks[i : i+1]
		if !*asJSON {
			if err := writeDetail(c.stdout, detailOf(checks[0])); err != nil {
				return fail("%v", err)
			}
			return exitOK
		}
	}
	if *asJSON {
		details := []checkDetail{}
		for _, ch := range checks {
			details = append(details, detailOf(ch))
		}
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(details); err != nil {
			return fail("%v", err)
		}
		return exitOK
	}
	if err := report.Catalog(c.stdout, catalogEntries(checks)); err != nil {
		return fail("%v", err)
	}
	return exitOK
}
