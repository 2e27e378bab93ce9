package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cvmconform/cvmconform/conformance"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

func (c cli) emulate(args []string) int {
	fs := flag.NewFlagSet("emulate", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	var f emulateFlags
	f.register(fs)
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
	f.args = fs.Args()
	conf, err := resolveEmulate(f, c.env)
	if err != nil {
		fmt.Fprintf(c.stderr, "cvmconform emulate: %v\n", err)
		return exitUsage
	}
	if conf.listFaults {
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "FAULT\tBREAKS\tWHAT THE EMULATOR DOES INSTEAD")
		for _, f := range emulator.Faults {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Name, f.Breaks, f.What)
		}
		tw.Flush()
		return exitOK
	}
	if conf.listVariants {
		fmt.Fprintf(c.stdout, "%d variants: ways a conforming target may answer where the sources leave room.\n", len(emulator.Variants))
		fmt.Fprintln(c.stdout, "Choose with --variant NAME=CHOICE,… (the first choice is the default), or --variant random[:SEED].")
		for _, v := range emulator.Variants {
			fmt.Fprintf(c.stdout, "\n%s  [%s]\n    choices: %s\n    %s\n", v.Name, v.Ledger, strings.Join(v.Choices, " | "), v.What)
		}
		return exitOK
	}
	cfg := conf.emulator
	cfg.Logger = slog.New(slog.NewTextHandler(c.stderr, nil))
	if conf.fleet == "" {
		cfg.Fleet = emulator.WithLanes(emulator.DefaultFleet(), conf.lanes)
	} else if cfg.Fleet, err = emulator.LoadFleet(conf.fleet); err != nil {
		fmt.Fprintf(c.stderr, "cvmconform emulate: %v\n", err)
		return exitUsage
	}
	// The fleet's accounts take the environment's credentials in order:
	// the default account the main pair, the second _2, the lanes _3, ….
	given := map[string]bool{}
	cfg.Keys = map[string]tcapi.Credential{}
	for i, a := range cfg.Fleet.Accounts {
		if cred := conf.creds.at(i); cred.SecretID != "" {
			cfg.Keys[a.Name] = tcapi.Credential{SecretID: cred.SecretID, SecretKey: cred.SecretKey}
			given[a.Name] = true
		}
	}
	e, err := emulator.New(cfg)
	if err != nil {
		fmt.Fprintf(c.stderr, "cvmconform emulate: %v\n", err)
		return exitUsage
	}
	srv, err := emulator.Listen(conf.listen, e)
	if err != nil {
		fmt.Fprintf(c.stderr, "cvmconform emulate: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(c.stdout, "listening on %s\n", srv.URL)
	for i, a := range e.Accounts() {
		cred := e.Credentials(a)
		idVar, keyVar := conformance.CredentialVars(i)
		fmt.Fprintf(c.stdout, "# account %q%s\n", a, map[bool]string{true: " (default)", false: ""}[i == 0])
		fmt.Fprintf(c.stdout, "export %s=%s\n", idVar, cred.SecretID)
		if given[a] {
			fmt.Fprintf(c.stdout, "# %s: the one in your environment\n", keyVar)
		} else {
			fmt.Fprintf(c.stdout, "export %s=%s\n", keyVar, cred.SecretKey)
		}
	}
	if len(cfg.Faults) > 0 {
		fmt.Fprintf(c.stdout, "# faults: %s\n", strings.Join(cfg.Faults, ", "))
	}
	if v := cfg.Variants.String(); v != "" {
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
