package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/cvmconform/cvmconform/runner/baseline"
	"github.com/cvmconform/cvmconform/runner/passive"
	"github.com/cvmconform/cvmconform/runner/report"
)

const proxyUsage = `Usage: cvmconform proxy --upstream URL [flags]

Serves a reverse proxy to the target at --upstream that judges, live, every
exchange it forwards, as 'judge' judges a recording: point any client (an
SDK, Terraform, a script) at the proxy instead of the target. Each request
goes upstream unchanged, Host included, so the client's signature stays
valid for the Host it signed; each answer goes back after it is judged.

Its first line on stdout is "listening on http://HOST:PORT" (--listen
127.0.0.1:0 picks a free port); then one line per finding as it happens.
On SIGINT or SIGTERM it prints the report, headed "traffic through the
proxy judged", and writes the JSON report (the keys of 'run --json',
"kind": "proxy", no seed) to --report, also every --report-every.

A target that checks the Host it is addressed by (the real cloud, over
HTTPS) refuses what a client signed for the proxy. --resign verifies each
request with TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY (and _2)
and signs it again for the upstream's host; one that does not verify is
forwarded as it came, for the target to refuse. The same keys, when set,
let the judge verify signatures. Secrets are never printed or written:
--transcript redacts them.

An exchange the upstream never answered (a refused connection, a
timeout: the client gets the proxy's own 502) is not judged: the report
says INCOMPLETE, with how many.

Exit status: 0 no finding, 1 a finding, 2 the proxy could not be
started, nothing was judged, or the upstream left exchanges unanswered.

Flags:
`

func (c cli) proxy(args []string) int {
	fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	var f proxyFlags
	f.register(fs)
	fs.Usage = func() { fmt.Fprint(c.stderr, proxyUsage); printFlags(fs) }
	if code, ok := parse(fs, args); !ok {
		return code
	}
	f.args = fs.Args()
	fail := func(format string, a ...any) int {
		fmt.Fprintf(c.stderr, "cvmconform proxy: "+format+"\n", a...)
		return exitUsage
	}
	cfg, err := resolveProxy(f, c.env)
	if err != nil {
		return fail("%v", err)
	}
	if err := c.checkOutputs(cfg.report, cfg.transcript, cfg.html, cfg.gate.markdown, cfg.gate.writeBaseline); err != nil {
		return fail("%v", err)
	}
	// The proxy's report has one check, named for the upstream.
	known, err := c.loadBaseline(cfg.gate.baseline, baseline.Scope{Checks: []string{cfg.name}, What: "upstream of this proxy (" + cfg.name + ")"})
	if err != nil {
		return fail("%v", err)
	}
	screen := c.console(cfg.report, cfg.transcript, cfg.html, cfg.gate.markdown, cfg.gate.writeBaseline)
	out := &lockedWriter{w: screen}
	pc := cfg.proxy
	pc.OnFinding = func(f passive.Finding) { fmt.Fprintln(out, "finding: "+printable(f.String())) }
	if cfg.transcript.path != "" {
		f, err := c.createOutput(cfg.transcript)
		if err != nil {
			return fail("%v", err)
		}
		defer f.Close()
		pc.Transcript = f
	}
	p, err := passive.NewProxy(pc)
	if err != nil {
		return fail("%v", err)
	}
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return fail("listen on %q: %v", cfg.listen, err)
	}
	started := time.Now()
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(out, "listening on http://%s\n", ln.Addr())

	printed := map[string]bool{}
	snapshot := func() report.Run {
		res := p.Result()
		for _, f := range res.Findings {
			// Rate-limit findings are judged on the timeline, so they
			// are printed when a report is made.
			if f.Index == 0 && !printed[f.String()] {
				printed[f.String()] = true
				fmt.Fprintln(out, "finding: "+printable(f.String()))
			}
		}
		run := withBaseline(passive.Report(passive.ReportInfo{Strict: pc.Judge.Strict, Started: started}, res), known, time.Now())
		run.MinCoverage = cfg.minCoverage
		return run
	}
	write := func(run report.Run) error {
		if err := c.writeOutput(cfg.report, func(w io.Writer) error { return report.JSON(w, run) }); err != nil {
			return err
		}
		return c.writeOutput(cfg.html, func(w io.Writer) error { return report.HTML(w, run) })
	}
	var tick <-chan time.Time
	if cfg.every > 0 {
		t := time.NewTicker(cfg.every)
		defer t.Stop()
		tick = t.C
	}
	for running := true; running; {
		select {
		case <-tick:
			if err := write(snapshot()); err != nil {
				fmt.Fprintf(c.stderr, "cvmconform proxy: %v\n", err)
			}
		case err := <-served:
			fmt.Fprintf(c.stderr, "cvmconform proxy: %v\n", err)
			return exitUsage
		case <-c.ctx.Done():
			running = false
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(c.stderr, "cvmconform proxy: shutdown: %v\n", err)
	}
	if err := p.TranscriptErr(); err != nil {
		fmt.Fprintf(c.stderr, "cvmconform proxy: --transcript: %v\n", err)
	}
	run := snapshot()
	if err := write(run); err != nil {
		fmt.Fprintf(c.stderr, "cvmconform proxy: %v\n", err)
		return exitUsage
	}
	onScreen := c
	onScreen.stdout = screen
	return onScreen.finishPassive("proxy", run, outputFile{}, outputFile{}, outputFile{}, cfg.gate)
}

// lockedWriter serialises the lines the proxy's handlers and its main
// loop print.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
