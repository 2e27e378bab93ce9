package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/passive"
	"github.com/cvmconform/cvmconform/runner/report"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

const callUsage = `Usage: cvmconform call --endpoint URL [flags] ACTION [JSON]

Signs one request with the credentials in the environment
(TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY and, for temporary
credentials, TENCENTCLOUD_SESSION_TOKEN), sends it to --endpoint, prints
the answer, and judges that one exchange with the reference model, as
'judge' and 'proxy' judge recorded and live traffic.

Unlike 'run', 'call' has no allow-list: it sends exactly the request
given, a stop of a real instance included.

JSON is the action's parameters as one JSON object (default {}); they are
sent in its order, as a JSON body (TC3, the SDKs' default), or flattened
(InstanceIds.0=…) into the query (--get) or a form body (v1 signatures).

  --signature tc3         POST application/json, TC3-HMAC-SHA256 (default)
  --signature tc3 --get   GET, parameters in the query, TC3
  --signature hmacsha1    POST application/x-www-form-urlencoded, v1 (also --form)
  --signature hmacsha256  the same with HmacSHA256; --get sends v1 as a GET

On stderr: the request as sent, its signature, SecretId and token
redacted; then what the model expected and whether the answer is
acceptable. On stdout: the answer, as indented JSON (--raw: the body as
received, a gzip body decompressed), for jq and scripts.

A single call knows nothing of the fleet beforehand, so the model judges
with partial knowledge: an instance it has not seen may be in any state,
or not exist. A refusal it cannot explain, an answer outside the
envelope, or a success where every possibility needs a refusal, is not
acceptable.

Examples:
  cvmconform emulate --listen 127.0.0.1:8080   # elsewhere; export the credentials it prints
  cvmconform call --endpoint http://127.0.0.1:8080 DescribeInstances '{"Limit":1}'
  cvmconform call --endpoint http://127.0.0.1:8080 StopInstances '{"InstanceIds":["ins-1122"]}'
  cvmconform call --endpoint http://127.0.0.1:8080 --signature hmacsha256 --get DescribeInstances
  cvmconform call --endpoint tencentcloud --region ap-guangzhou DescribeInstances '{"InstanceIds":["ins-r8hr2upy"]}' | jq .Response.InstanceSet

Exit status: 0 the answer is acceptable, 1 it is not, 2 the request
could not be sent or judged (usage, no credentials, unreachable, no
answer, an action the model does not judge, or an AuthFailure the model
did not expect: the credentials may not be the target's).

Flags:
`

// callTimeout bounds the one request of 'call' unless --timeout says
// otherwise.
const callTimeout = 30 * time.Second

func (c cli) call(args []string) int {
	fs := flag.NewFlagSet("call", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	var f callFlags
	f.register(fs)
	fs.Usage = func() { fmt.Fprint(c.stderr, callUsage); printFlags(fs) }
	if code, ok := parse(fs, args); !ok {
		return code
	}
	f.args = fs.Args()
	fail := func(format string, a ...any) int {
		fmt.Fprintf(c.stderr, "cvmconform call: "+format+"\n", a...)
		return exitUsage
	}
	cfg, err := resolveCall(f, c.env)
	if err != nil {
		return fail("%v", err)
	}
	call := cfg.call
	// v1's Nonce is a random positive integer (facts §1), so that two
	// calls in one second are not taken for a replay.
	call.Nonce = 1 + rand.Uint64N(1<<31-1)
	tg, err := runner.NewTarget(cfg.target)
	if err != nil {
		return fail("%v", err)
	}
	// Sent as given: no pacing, no allow-list (the one request is the
	// user's own), the style exactly as asked.
	x, err := tg.Do(c.ctx, runner.Send{Check: "call", Call: call, ExactStyle: true, Unpaced: true})
	if x != nil {
		c.printRequest(x)
	}
	if err != nil {
		return fail("%v", err)
	}
	if x.Err != nil {
		fmt.Fprintf(c.stderr, "< no answer: %v (the outcome is unknown: the request may or may not have taken effect)\n", x.Err)
		return exitUsage
	}
	fmt.Fprintf(c.stderr, "< HTTP %d, %s\n", x.Status, millis(x.Duration()))
	c.printAnswer([]byte(x.RawResponse), cfg.raw)
	return c.judgeCall(x, cfg.target.Endpoint, cfg.judge)
}

// callStyle is the request style of --signature, --get and --form (facts
// §1): TC3 as a JSON POST or a GET; v1 as a form POST (the SDKs' v1
// default) or a GET. A form POST is signed with v1 only.
func callStyle(signature string, get, form bool) (runner.Signing, error) {
	sgs, err := parseSignature(signature)
	switch {
	case err == nil && len(sgs) != 1:
		err = fmt.Errorf("--signature %q: want tc3, hmacsha256 or hmacsha1 (one request, one signature)", signature)
	case err == nil && get && form:
		err = errors.New("give --get or --form, not both")
	}
	if err != nil {
		return runner.Signing{}, err
	}
	sg := sgs[0]
	switch {
	case sg.Style == tcapi.StyleTC3JSON && form:
		return sg, errors.New("--form: a form POST is signed with v1 only (facts §1 style D): add --signature hmacsha1 or hmacsha256")
	case sg.Style == tcapi.StyleTC3JSON && get:
		sg.Style = tcapi.StyleTC3Get
	case sg.Style != tcapi.StyleTC3JSON && get:
		sg.Style = tcapi.StyleV1Get
	case sg.Style != tcapi.StyleTC3JSON:
		sg.Style = tcapi.StyleV1PostForm
	}
	return sg, nil
}

// printRequest shows the request as it was sent, redacted by the runner
// (runner.RedactHeaders, RedactForm): never a signature, token or whole
// SecretId.
func (c cli) printRequest(x *runner.Exchange) {
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s\n> Host: %s\n", x.Method, x.URL, x.Host)
	for _, h := range x.Headers {
		b.WriteString("> " + h + "\n")
	}
	if x.Body != "" {
		b.WriteString(">\n> " + x.Body + "\n")
	}
	c.printLines(b.String())
}

// printLines writes text to stderr line by line, each made printable (a
// target's bytes never reach the terminal as control sequences).
func (c cli) printLines(text string) {
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		fmt.Fprintln(c.stderr, printable(line))
	}
}

// printAnswer writes the answer to stdout: indented when it is JSON and
// raw is false, else the bytes as received.
func (c cli) printAnswer(body []byte, raw bool) {
	if !raw {
		var out bytes.Buffer
		if json.Indent(&out, body, "", "  ") == nil {
			out.WriteByte('\n')
			_, _ = c.stdout.Write(out.Bytes())
			return
		}
	}
	_, _ = c.stdout.Write(body)
}

// judgeCall judges the exchange with the passive judge, exactly as 'judge'
// judges the transcript of a run: the exchange goes through the
// transcript format (redacted, its authentication as the runner read it
// with the key that signed it) into passive.Read and a passive.Judge. It
// prints what the model expected and the verdict, and returns the exit
// status.
func (c cli) judgeCall(x *runner.Exchange, target string, cfg passive.Config) int {
	var t bytes.Buffer
	if err := passive.WriteTranscript(&t, []*runner.Exchange{x}); err != nil {
		fmt.Fprintf(c.stderr, "cvmconform call: %v\n", err)
		return exitUsage
	}
	rec, err := passive.Read(target, t.Bytes())
	if err != nil || len(rec.Exchanges) != 1 {
		fmt.Fprintf(c.stderr, "cvmconform call: reading the exchange back: %v\n", err)
		return exitUsage
	}
	strictness := model.Lenient
	if cfg.Strict {
		strictness = model.Strict
	}
	j := passive.NewJudge(cfg, rec.Name, rec.Format, rec.Scrubbed)
	ex := rec.Exchanges[0]
	j.Add(ex, nil)
	res := j.Result()
	if len(res.NotJudged) > 0 {
		fmt.Fprintf(c.stderr, "verdict: not judged: the model judges StopInstances, StartInstances and DescribeInstances, not %s\n",
			printable(res.NotJudged[0].What))
		return exitUsage
	}
	fmt.Fprintln(c.stderr, report.Fit(fmt.Sprintf("model:   expected %s; %s", fewAnswers(j.Expected(ex)), strictness), callHang))
	switch {
	case len(res.Findings) == 0:
		fmt.Fprintln(c.stderr, "verdict: acceptable")
		return exitOK
	case strings.HasPrefix(x.Outcome.Code, "AuthFailure"):
		// As a run that is refused its credentials (conformance's
		// discover): whether the target holds this key and token, and
		// whose clock is right, is not for the model to say.
		fmt.Fprintf(c.stderr, "verdict: not judged: the target refused the credentials (%s): TENCENTCLOUD_SECRET_ID, _KEY or _SESSION_TOKEN may not be this target's, "+
			"or its clock and this machine's disagree; a misconfigured credential is not the target's fault\n", printable(x.Outcome.Code))
		return exitUsage
	}
	fmt.Fprintln(c.stderr, "verdict: NOT acceptable")
	for _, f := range res.Findings {
		fmt.Fprintln(c.stderr, report.Fit("finding: "+printable(f.String()), callHang))
		if f.Detail != "" {
			c.printLines(f.Detail)
		}
	}
	return exitFailed
}

// callHang indents the continuation of call's model, verdict and finding
// lines under their text.
const callHang = "         "

// mostAnswers is how many of the answers the model accepts call names; a
// call that knows nothing of the fleet may accept some 25.
const mostAnswers = 8

// fewAnswers shortens the model's "a | b | c …" to its first mostAnswers
// and how many more: the verdict line says whether the answer got is
// among them all.
func fewAnswers(expected string) string {
	alts := strings.Split(expected, " | ")
	if len(alts) <= mostAnswers {
		return expected
	}
	return fmt.Sprintf("%s | … and %d more (%d answers in all)", strings.Join(alts[:mostAnswers], " | "), len(alts)-mostAnswers, len(alts))
}

// millis is d to the millisecond, "<1ms" below one (never "0s").
func millis(d time.Duration) string {
	if d < time.Millisecond {
		return "<1ms"
	}
	return d.Round(time.Millisecond).String()
}
