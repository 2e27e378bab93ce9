package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// faultFlags collects repeated --fault values.
type faultFlags []string

func (f *faultFlags) String() string     { return strings.Join(*f, ",") }
func (f *faultFlags) Set(v string) error { *f = append(*f, v); return nil }

// variantFlags collects repeated --variant values.
type variantFlags []string

func (f *variantFlags) String() string     { return strings.Join(*f, ",") }
func (f *variantFlags) Set(v string) error { *f = append(*f, v); return nil }

// choices merges the --variant values in order, later ones winning.
func (f variantFlags) choices() (emulator.Choices, error) {
	out := emulator.Choices{}
	for _, spec := range f {
		c, _, err := emulator.ParseChoices(spec)
		if err != nil {
			return nil, err
		}
		out = out.Merge(c)
	}
	return out, nil
}

// credentialVars are the environment variables holding the credentials of
// the account at position i: the first account is the default one, the
// second the isolation checks' second account, the others lanes.
func credentialVars(i int) (id, key string) {
	if i == 0 {
		return "TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"
	}
	return fmt.Sprintf("TENCENTCLOUD_SECRET_ID_%d", i+1), fmt.Sprintf("TENCENTCLOUD_SECRET_KEY_%d", i+1)
}

func (c cli) emulate(args []string) int {
	fs := flag.NewFlagSet("emulate", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address `HOST:PORT` to serve on (port 0 picks a free one)")
	fleet := fs.String("fleet", "", "fleet fixture `FILE` (JSON, see fixtures/README.md); default: the embedded default fleet")
	rate := fs.Int("rate-limit", 10, "StopInstances requests `N` a second and account; 0 turns every rate limit off")
	latency := fs.Duration("stop-latency", emulator.DefaultLatency, "how long `D` STOPPING and STARTING last (a Go duration: 300ms, 2s)")
	listFaults := fs.Bool("list-faults", false, "list the faults --fault can inject, with the rule each breaks, and exit")
	lanes := fs.Int("lanes", emulator.DefaultLanes, "with the default fleet: how many lane accounts `N` to serve besides the main and the second, each a copy of the main fleet under its own IDs and credentials (a run spreads its checks over them)")
	listVariants := fs.Bool("list-variants", false, "list the variants --variant can choose, each with the ledger entry it comes from and its choices (the first is the default), and exit")
	var variants variantFlags
	fs.Var(&variants, "variant", "answer another defensible way: `NAME=CHOICE,…` from --list-variants, random[:SEED], or a corner: lenient (every variant at its most permissive choice) or strict (its most refusing) (repeatable; later ones win)")
	var faults faultFlags
	fs.Var(&faults, "fault", "break one rule: a fault `NAME` from --list-faults (repeatable)")
	fs.Usage = func() {
		fmt.Fprint(c.stderr, `Usage: cvmconform emulate [flags]

Serves the reference CVM emulator (StopInstances, StartInstances,
DescribeInstances over the TencentCloud API 3.0 protocol) until SIGINT or
SIGTERM. The official SDKs work against it with only the endpoint and
protocol set. Its first line on stdout is "listening on http://HOST:PORT",
then the credentials to use, as export lines. With TENCENTCLOUD_SECRET_ID
and TENCENTCLOUD_SECRET_KEY set, that pair owns the default fleet (and
TENCENTCLOUD_SECRET_ID_2 / _KEY_2 the second account's); otherwise a pair
is generated and printed. One log line a request goes to stderr.

Flags:
`)
		printFlags(fs)
	}
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(c.stderr, "cvmconform emulate: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if *listFaults {
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "FAULT\tBREAKS\tWHAT THE EMULATOR DOES INSTEAD")
		for _, f := range emulator.Faults {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Name, f.Breaks, f.What)
		}
		tw.Flush()
		return exitOK
	}
	if *listVariants {
		fmt.Fprintf(c.stdout, "%d variants: ways a conforming target may answer where the sources leave room.\n", len(emulator.Variants))
		fmt.Fprintln(c.stdout, "Choose with --variant NAME=CHOICE,… (the first choice is the default), or --variant random[:SEED].")
		for _, v := range emulator.Variants {
			fmt.Fprintf(c.stdout, "\n%s  [%s]\n    choices: %s\n    %s\n", v.Name, v.Ledger, strings.Join(v.Choices, " | "), v.What)
		}
		return exitOK
	}
	if *lanes < 0 {
		fmt.Fprintln(c.stderr, "cvmconform emulate: --lanes must be ≥ 0")
		return exitUsage
	}
	if *rate < 0 || *latency <= 0 {
		fmt.Fprintln(c.stderr, "cvmconform emulate: --rate-limit must be ≥ 0 and --stop-latency > 0")
		return exitUsage
	}
	choices, err := variants.choices()
	if err != nil {
		fmt.Fprintf(c.stderr, "cvmconform emulate: --variant: %v\n", err)
		return exitUsage
	}
	cfg := emulator.Config{Latency: *latency, RateLimit: *rate, Faults: faults, Variants: choices,
		Logger: slog.New(slog.NewTextHandler(c.stderr, nil))}
	if *rate == 0 {
		cfg.RateLimit = -1
	}
	if *fleet == "" {
		cfg.Fleet = emulator.WithLanes(emulator.DefaultFleet(), *lanes)
	} else if cfg.Fleet, err = emulator.LoadFleet(*fleet); err != nil {
		fmt.Fprintf(c.stderr, "cvmconform emulate: %v\n", err)
		return exitUsage
	}
	given := map[string]bool{}
	cfg.Keys = map[string]tcapi.Credential{}
	for i, a := range cfg.Fleet.Accounts {
		idVar, keyVar := credentialVars(i)
		id, okID := c.env(idVar)
		key, okKey := c.env(keyVar)
		if okID && okKey && id != "" && key != "" {
			cfg.Keys[a.Name] = tcapi.Credential{SecretID: id, SecretKey: key}
			given[a.Name] = true
		}
	}
	e, err := emulator.New(cfg)
	if err != nil {
		fmt.Fprintf(c.stderr, "cvmconform emulate: %v\n", err)
		return exitUsage
	}
	srv, err := emulator.Listen(*listen, e)
	if err != nil {
		fmt.Fprintf(c.stderr, "cvmconform emulate: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(c.stdout, "listening on %s\n", srv.URL)
	for i, a := range e.Accounts() {
		cred := e.Credentials(a)
		suffix := ""
		if i > 0 {
			suffix = fmt.Sprintf("_%d", i+1)
		}
		fmt.Fprintf(c.stdout, "# account %q%s\n", a, map[bool]string{true: " (default)", false: ""}[i == 0])
		fmt.Fprintf(c.stdout, "export TENCENTCLOUD_SECRET_ID%s=%s\n", suffix, cred.SecretID)
		if given[a] {
			fmt.Fprintf(c.stdout, "# TENCENTCLOUD_SECRET_KEY%s: the one in your environment\n", suffix)
		} else {
			fmt.Fprintf(c.stdout, "export TENCENTCLOUD_SECRET_KEY%s=%s\n", suffix, cred.SecretKey)
		}
	}
	if len(faults) > 0 {
		fmt.Fprintf(c.stdout, "# faults: %s\n", strings.Join(faults, ", "))
	}
	if v := choices.String(); v != "" {
		fmt.Fprintf(c.stdout, "# variants: %s\n", v)
	}
	fmt.Fprintf(c.stdout, "# then: cvmconform run --endpoint %s --region ap-guangzhou --all-instances\n", srv.URL)
	<-c.ctx.Done()
	cfg.Logger.Info("shutting down")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		fmt.Fprintf(c.stderr, "cvmconform emulate: shutdown: %v\n", err)
		return exitFailed
	}
	return exitOK
}
