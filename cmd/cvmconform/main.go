// Command cvmconform checks an implementation of the Tencent Cloud CVM
// StopInstances API against a reference model: the embedded emulator, a
// third-party emulator, or the real cloud.
//
// Usage:
//
//	cvmconform run [flags]        run the conformance suite against a target
//	cvmconform emulate [flags]    serve the reference emulator
//	cvmconform checks [ID]        list the checks, one in full, or (--ledger) the ambiguity ledger
//	cvmconform snapshot ...       record, verify and diff normalised responses
//	cvmconform selftest [flags]   prove the suite: precision over emulator variants, recall over faults
//	cvmconform judge FILE...      judge recorded traffic (cassettes, HAR files, transcripts)
//	cvmconform proxy [flags]      judge live traffic between any client and a target
//	cvmconform call ACTION [JSON] sign and send one request, print the answer and judge it
//	cvmconform coverage REPORT    print a JSON report's rule coverage
//	cvmconform profile A [B]      print a JSON report's target profile, or what changed between two
//	cvmconform schema             print the JSON Schema of the JSON report
//
// Exit status: 0 conformant, 1 at least one check failed, 2 the run could
// not be made (usage, configuration, target unreachable, credentials) or
// its verdict is INCOMPLETE (cut short, nothing judged; see run -h).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/cvmconform/cvmconform/runner"
)

// Exit statuses (DESIGN "Command line").
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

const usage = `cvmconform checks an implementation of the Tencent Cloud CVM StopInstances API
(version 2017-03-12) against a reference model of its state machine and rules.

Usage:
  cvmconform <command> [flags]

Commands:
  run       run the conformance suite against a target (default: the embedded emulator)
  emulate   serve the reference CVM emulator, a local fake the official SDKs work against
  checks    list the checks (checks ID: one in full, with its sources); --ledger prints
            where the documentation does not decide
  snapshot  record a target's normalised responses, verify a target against a record, diff two records
  selftest  prove the suite itself: it passes random emulator variants and catches every emulator fault
  judge     judge recorded traffic (cassettes, HAR files, transcripts) with the model
  proxy     a reverse proxy that judges live traffic between any client and a target
  call      sign and send one request with the environment's credentials, print the answer, judge it
  coverage  print a JSON report's rule coverage: which rules, codes, transitions and ledger entries it exercised
  profile   print the defensible choices a JSON report's target made, or what changed between two reports
  repro     write a Go program (the official SDK) that sends a reported failure's request again
  schema    print the JSON Schema (draft 2020-12) of the JSON report of run, judge and proxy

Run 'cvmconform <command> -h' for a command's flags; flags may come
anywhere among a command's arguments. 'cvmconform --version' prints the
version.
Exit status: 0 conformant, 1 a check failed, 2 the run could not be made
or its verdict is INCOMPLETE (cut short, nothing judged).
`

// versionLine is what --version prints: the suite's version, the one its
// requests carry (X-TC-RequestClient cvmconform/…), then the module
// version when the build recorded another than "(devel)", and the VCS
// revision it was built from.
func versionLine(info *debug.BuildInfo, ok bool) string {
	line := "cvmconform " + runner.Version
	if !ok {
		return line + " (no build information)"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" && v != "v"+runner.Version {
		line += " (module " + v + ")"
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		line += " " + rev
		if settings["vcs.modified"] == "true" {
			line += " (modified)"
		}
		if t := settings["vcs.time"]; t != "" {
			line += " " + t
		}
	}
	return line + " " + info.GoVersion
}

// environment reads a variable; main passes os.LookupEnv, tests a map.
type environment func(string) (string, bool)

// cli is one invocation: its output streams and environment. Nothing
// below cmd prints or reads the environment; everything here does.
type cli struct {
	// ctx ends on SIGINT or SIGTERM.
	ctx            context.Context
	stdout, stderr io.Writer
	env            environment
	// halt ends on a second SIGINT or SIGTERM: a run then skips putting
	// back the instances it moved. nil never ends.
	halt context.Context
}

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	halt, cancelHalt := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		// The cause names the signal, so that a report cut short says why.
		sig := <-sigs
		cancel(fmt.Errorf("interrupted by %s", signalName(sig)))
		sig = <-sigs
		cancelHalt(fmt.Errorf("interrupted again by %s", signalName(sig)))
	}()
	code := cli{ctx: ctx, halt: halt, stdout: os.Stdout, stderr: os.Stderr, env: os.LookupEnv}.main(os.Args[1:])
	signal.Stop(sigs)
	cancel(nil)
	cancelHalt(nil)
	os.Exit(code)
}

func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

func (c cli) main(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "run":
		return c.run(args[1:])
	case "emulate":
		return c.emulate(args[1:])
	case "checks":
		return c.checks(args[1:])
	case "snapshot":
		return c.snapshot(args[1:])
	case "selftest":
		return c.selftest(args[1:])
	case "judge":
		return c.judge(args[1:])
	case "proxy":
		return c.proxy(args[1:])
	case "call":
		return c.call(args[1:])
	case "coverage":
		return c.coverage(args[1:])
	case "profile":
		return c.profile(args[1:])
	case "repro":
		return c.repro(args[1:])
	case "schema":
		return c.schema(args[1:])
	case "-h", "-help", "--help", "help":
		fmt.Fprint(c.stdout, usage)
		return exitOK
	case "--version", "-version", "version":
		fmt.Fprintln(c.stdout, versionLine(debug.ReadBuildInfo()))
		return exitOK
	}
	fmt.Fprintf(c.stderr, "cvmconform: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}

// parse parses a subcommand's flags, which may come anywhere among its
// arguments (judge good.har --json j.json); "--" ends them. It reports
// !ok with the exit status to return: 0 after -h, which prints the
// usage; 2 for a bad flag, which prints one line pointing at -h.
func parse(fs *flag.FlagSet, args []string) (int, bool) {
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	defer func() { fs.SetOutput(out); fs.Usage = usage }()
	var positional []string
	for {
		err := fs.Parse(args)
		switch {
		case errors.Is(err, flag.ErrHelp):
			fs.SetOutput(out)
			usage()
			return exitOK, false
		case err != nil:
			fmt.Fprintf(out, "cvmconform %s: %v (see 'cvmconform %s -h')\n", fs.Name(), err, fs.Name())
			return exitUsage, false
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			positional = append(positional, rest...) // after "--", no flags
			break
		}
		i := 0
		for i < len(rest) && (rest[i] == "-" || !strings.HasPrefix(rest[i], "-")) {
			i++
		}
		positional = append(positional, rest[:i]...)
		if i == len(rest) {
			break
		}
		if rest[i] == "--" {
			positional = append(positional, rest[i+1:]...)
			break
		}
		args = rest[i:]
	}
	// What was not a flag becomes fs.Args(), as if it had come last.
	_ = fs.Parse(append([]string{"--"}, positional...))
	return exitOK, true
}

// helpWidth is how wide printFlags wraps a flag's description.
const helpWidth = 100

// printFlags is flag.PrintDefaults wrapped to the screen: each flag as
// "  -name value", then its description in lines of at most helpWidth
// columns, indented, with its default when it is not the zero value.
func printFlags(fs *flag.FlagSet) {
	w := fs.Output()
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		head := "  -" + f.Name
		if name != "" {
			head += " " + name
		}
		switch f.DefValue {
		case "", "0", "false", "0s", "[]":
		default:
			if name == "string" || name == "" {
				usage += fmt.Sprintf(" (default %q)", f.DefValue)
			} else {
				usage += fmt.Sprintf(" (default %s)", f.DefValue)
			}
		}
		fmt.Fprintln(w, head)
		fmt.Fprintln(w, wrapWords(usage, "        ", helpWidth))
	})
}

// wrapWords wraps text at spaces into lines of at most width columns,
// each starting with indent (a word longer than a line has one to itself).
func wrapWords(text, indent string, width int) string {
	var lines []string
	line := indent
	for _, word := range strings.Fields(text) {
		if line != indent && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > width {
			lines = append(lines, line)
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += word
	}
	return strings.Join(append(lines, line), "\n")
}
