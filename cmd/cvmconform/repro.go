package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"io"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"text/template"

	cvm "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/cvm/v20170312"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/report"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

const reproUsage = `Usage: cvmconform repro CHECK --from REPORT.json [--out FILE]

Writes a reproduction of a failed check of a JSON report (run, judge or
proxy --json): a short Go program that sends the failing request again
with the official Go SDK (tencentcloud-sdk-go), for whoever must fix the
target, in their own client and without this suite, its fleet or its
seed.

The program sends the request to the endpoint of the report (-endpoint
URL or CVMCONFORM_ENDPOINT to send it elsewhere) with the credentials of
TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY (those of the account
that sent it in the run: the report's exchange names its lane), prints
the answer, and exits 1 when the answer is the one the failure reported
(reproduced), 0 when it is another, 2 when no answer came. Put it in a
module that requires github.com/tencentcloud/tencentcloud-sdk-go's
tencentcloud/common and tencentcloud/cvm, and 'go run' it.

The failing request is the check's first exchange with a finding (else
its last). Where the SDK cannot express it — a hand-made body, a broken
signature or header, an action or parameters its typed requests lack —
repro says so and writes, instead, a shell script with the 'cvmconform
call' line that sends it (when call can) and the request as a curl
command (its signature redacted, as in the report).

Exit status: 0 written, 2 it could not be (usage, no such report or
check, the check did not fail, it has no exchange).

Flags:
`

func (c cli) repro(args []string) int {
	fs := flag.NewFlagSet("repro", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	var f reproFlags
	f.register(fs)
	fs.Usage = func() { fmt.Fprint(c.stderr, reproUsage); printFlags(fs) }
	if code, ok := parse(fs, args); !ok {
		return code
	}
	f.args = fs.Args()
	fail := func(format string, a ...any) int {
		fmt.Fprintf(c.stderr, "cvmconform repro: "+format+"\n", a...)
		return exitUsage
	}
	cfg, err := resolveRepro(f)
	if err != nil {
		return fail("%v", err)
	}
	if err := c.checkOutputs(cfg.out); err != nil {
		return fail("%v", err)
	}
	data, err := os.ReadFile(cfg.from)
	if err != nil {
		return fail("--from: %v", err)
	}
	check, x, err := failingExchange(data, cfg.check)
	if err != nil {
		return fail("%s: %v", cfg.from, err)
	}
	text, why := reproduction(check, x)
	if why != "" {
		fmt.Fprintf(c.stderr, "cvmconform repro: the official Go SDK cannot send this request as it was (%s); writing the call line and a curl command instead\n", why)
	}
	if err := c.writeOutput(cfg.out, func(w io.Writer) error { _, err := io.WriteString(w, text); return err }); err != nil {
		return fail("%v", err)
	}
	return exitOK
}

// failingExchange finds the check id in a JSON report and its failing
// exchange: the first with a finding, else the last.
func failingExchange(data []byte, id string) (report.Check, report.Exchange, error) {
	r, err := report.ReadJSON(bytes.NewReader(data))
	if err != nil {
		return report.Check{}, report.Exchange{}, err
	}
	for _, c := range r.Checks {
		if !strings.EqualFold(c.ID, id) {
			continue
		}
		switch {
		case c.Status != report.Fail && c.Status != report.Known:
			return c, report.Exchange{}, fmt.Errorf("%s did not fail (%s): there is nothing to reproduce", c.ID, c.Status)
		case len(c.Exchanges) == 0:
			return c, report.Exchange{}, fmt.Errorf("%s failed, but the report holds none of its exchanges (a report of an older cvmconform?)", c.ID)
		}
		for _, x := range c.Exchanges {
			if x.Finding != "" {
				return c, x, nil
			}
		}
		return c, c.Exchanges[len(c.Exchanges)-1], nil
	}
	return report.Check{}, report.Exchange{}, fmt.Errorf("no check %s in the report", id)
}

// sdkRequest is a failing exchange as the official Go SDK sends it: the
// typed request's action and parameters, the client profile's method and
// signature, and where.
type sdkRequest struct {
	Action, Params, Region, Endpoint string
	ReqMethod, SignMethod            string
}

// sdkActions are the actions whose typed requests the program uses.
var sdkActions = map[string]interface{ FromJsonString(string) error }{
	model.ActionStop:     cvm.NewStopInstancesRequest(),
	model.ActionStart:    cvm.NewStartInstancesRequest(),
	model.ActionDescribe: cvm.NewDescribeInstancesRequest(),
}

// sdkExpress reads the exchange's call line (in call's own argument
// format) into the SDK's request, or says why the SDK cannot send it:
// call cannot (a hand-made request), the action has no typed request
// here, or its typed request would not carry the parameters as they
// were sent (an unknown name, a value of another type).
func sdkExpress(x report.Exchange) (sdkRequest, string) {
	if x.Call == "" {
		return sdkRequest{}, "the request was made by hand (its body, a header or its signature): neither call nor an SDK sends it so"
	}
	words, err := splitShell(x.Call)
	if err != nil || len(words) < 3 {
		return sdkRequest{}, fmt.Sprintf("the call line does not read: %v", err)
	}
	fs := flag.NewFlagSet("call", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var f callFlags
	f.register(fs)
	if err := fs.Parse(words[2:]); err != nil || len(fs.Args()) == 0 {
		return sdkRequest{}, fmt.Sprintf("the call line does not read: %v", err)
	}
	f.args = fs.Args()
	style, err := callStyle(f.signature, f.get, f.form)
	if err != nil {
		return sdkRequest{}, err.Error()
	}
	params := "{}"
	if len(f.args) > 1 {
		params = f.args[1]
	}
	req := sdkRequest{Action: f.args[0], Params: params, Region: f.region, Endpoint: f.endpoint, ReqMethod: "POST", SignMethod: "TC3-HMAC-SHA256"}
	switch style.Style {
	case tcapi.StyleTC3Get:
		req.ReqMethod = "GET"
	case tcapi.StyleV1Get:
		req.ReqMethod, req.SignMethod = "GET", orHmacSHA1(style.V1Method)
	case tcapi.StyleV1PostForm:
		req.SignMethod = orHmacSHA1(style.V1Method)
	}
	typed, ok := sdkActions[req.Action]
	if !ok {
		return sdkRequest{}, fmt.Sprintf("the program sends StopInstances, StartInstances and DescribeInstances with the SDK's typed requests, not %s", req.Action)
	}
	if why := sameThroughSDK(typed, params); why != "" {
		return sdkRequest{}, why
	}
	return req, ""
}

func orHmacSHA1(m string) string {
	if m == "" {
		return tcapi.HmacSHA1
	}
	return m
}

// sameThroughSDK says why the SDK's typed request would not send params
// as they are ("" when it would): it refuses them (an unknown name, a
// value of another type), or its JSON differs from theirs (a value
// dropped or changed).
func sameThroughSDK(typed interface{ FromJsonString(string) error }, params string) string {
	fresh := reflect.New(reflect.TypeOf(typed).Elem()).Interface().(interface {
		FromJsonString(string) error
		ToJsonString() string
	})
	if err := fresh.FromJsonString(params); err != nil {
		return "the SDK's typed request refuses the parameters: " + err.Error()
	}
	var want, got any
	if json.Unmarshal([]byte(params), &want) != nil || json.Unmarshal([]byte(fresh.ToJsonString()), &got) != nil || !reflect.DeepEqual(want, got) {
		return "the SDK's typed request would send other parameters: " + fresh.ToJsonString()
	}
	return ""
}

// reproduction is the text repro writes: the Go program, or, when the SDK
// cannot send the request (why), a shell script with the call line and a
// curl command.
func reproduction(c report.Check, x report.Exchange) (text, why string) {
	req, why := sdkExpress(x)
	if why != "" {
		return shellRepro(c, x, why), why
	}
	var b bytes.Buffer
	if err := reproTemplate.Execute(&b, reproData{Check: c, X: x, Req: req}); err != nil {
		panic(err) // the template and its data are ours: caught by TestRepro
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		panic(fmt.Sprintf("repro: the generated program does not parse: %v\n%s", err, b.Bytes())) // caught by TestRepro
	}
	return string(src), ""
}

type reproData struct {
	Check report.Check
	X     report.Exchange
	Req   sdkRequest
}

// goString is s as a Go string literal: a raw one where it can be.
func goString(s string) string {
	if !strings.ContainsAny(s, "`\r") && strconv.CanBackquote(s) {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}

// comment is s as the text of // comments, one line each.
func comment(s string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n// ")
}

var reproTemplate = template.Must(template.New("repro").Funcs(template.FuncMap{"q": goString, "comment": comment}).Parse(`// Command repro sends again the request that failed {{.Check.ID}} in a
// cvmconform run, with the official Go SDK (tencentcloud-sdk-go), prints
// the answer, and exits 1 when it is the one the failure reported.
//
// {{comment .Check.Title}} [{{comment .Check.Spec}}]
// {{comment .Check.Reason}}
//
// Written by: cvmconform repro {{.Check.ID}}. Run it with the credentials
// of the account that sent it (lane {{.X.Lane}}) in TENCENTCLOUD_SECRET_ID
// and TENCENTCLOUD_SECRET_KEY; -endpoint URL (or CVMCONFORM_ENDPOINT)
// sends it elsewhere than the run's target. Exit status: 1 reproduced,
// 0 another answer, 2 no answer.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	cvm "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/cvm/v20170312"
)

// The failing exchange, as the report gives it.
const (
	reportedEndpoint = {{q .Req.Endpoint}}
	region           = {{q .Req.Region}}
	params           = {{q .Req.Params}}
	// reportedCode is the answer the failure reported: its error code, or
	// "" for a success.
	reportedCode = {{q .X.Code}}
	// expected is what the reference model would have accepted.
	expected = {{q .X.Expected}}
)

func main() {
	endpoint := os.Getenv("CVMCONFORM_ENDPOINT")
	if endpoint == "" {
		endpoint = reportedEndpoint
	}
	flag.StringVar(&endpoint, "endpoint", endpoint, "the target's base URL")
	flag.Parse()
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		fmt.Fprintf(os.Stderr, "-endpoint %q: want a URL such as http://127.0.0.1:8080\n", endpoint)
		os.Exit(2)
	}
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = u.Host
	cpf.HttpProfile.Scheme = strings.ToUpper(u.Scheme)
	cpf.HttpProfile.ReqMethod = {{q .Req.ReqMethod}}
	cpf.SignMethod = {{q .Req.SignMethod}}
	cred := common.NewTokenCredential(os.Getenv("TENCENTCLOUD_SECRET_ID"), os.Getenv("TENCENTCLOUD_SECRET_KEY"), os.Getenv("TENCENTCLOUD_SESSION_TOKEN"))
	client, err := cvm.NewClient(cred, region, cpf)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	request := cvm.New{{.Req.Action}}Request()
	if err := request.FromJsonString(params); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Fprintf(os.Stderr, "> {{.Req.Action}} %s (%s %s) to %s\n", params, cpf.HttpProfile.ReqMethod, cpf.SignMethod, endpoint)
	response, err := client.{{.Req.Action}}(request)
	code := ""
	var sdkErr *tcerr.TencentCloudSDKError
	switch {
	case errors.As(err, &sdkErr) && !strings.HasPrefix(sdkErr.GetCode(), "ClientError."):
		code = sdkErr.GetCode()
		fmt.Printf("%s: %s (RequestId %s)\n", code, sdkErr.GetMessage(), sdkErr.GetRequestId())
	case err != nil:
		fmt.Fprintf(os.Stderr, "no answer: %v\n", err)
		os.Exit(2)
	default:
		fmt.Println(response.ToJsonString())
	}
	if code == reportedCode {
		fmt.Fprintf(os.Stderr, "reproduced: the answer is the one the failure reported (%s); the model expected %s\n", orSuccess(code), expected)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "not reproduced: the answer is %s; the failure reported %s\n", orSuccess(code), orSuccess(reportedCode))
}

func orSuccess(code string) string {
	if code == "" {
		return "success"
	}
	return code
}
`))

// shellRepro is the reproduction of a request the SDK cannot send: a
// shell script with why, the call line (when call can send it) and the
// request as a curl command, its signature redacted as in the report.
func shellRepro(c report.Check, x report.Exchange, why string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/sh\n# %s failed: %s\n", c.ID, comment(strings.ReplaceAll(c.Reason, "\n", " ")))
	fmt.Fprintf(&b, "# The official Go SDK cannot send this request as it was: %s.\n", why)
	fmt.Fprintf(&b, "# The answer the failure reported: %s\n# What the model expected: %s\n\n", x.Answer, x.Expected)
	if x.Call != "" {
		fmt.Fprintf(&b, "# Sends it again, signed with TENCENTCLOUD_SECRET_ID and _KEY (lane %s's), and judges the answer:\n%s\n\n", x.Lane, x.Call)
	} else {
		b.WriteString("# cvmconform call cannot send it either (it sends parameters, signed afresh).\n\n")
	}
	b.WriteString("# The request as it was sent; its signature and token are redacted, so a target that\n" +
		"# checks them refuses it: sign it again, or use it to see what was sent.\n")
	b.WriteString(": curl -sS -X " + shellQuoteArg(x.Method) + " " + shellQuoteArg(x.URL))
	for _, h := range x.Headers {
		if strings.HasPrefix(h, "Host: ") {
			if u, err := url.Parse(x.URL); err == nil && "Host: "+u.Host == h {
				continue
			}
		}
		b.WriteString(" \\\n    -H " + shellQuoteArg(h))
	}
	if x.Body != "" {
		b.WriteString(" \\\n    --data-binary " + shellQuoteArg(x.Body))
	}
	b.WriteString("\n")
	return b.String()
}

// shellQuoteArg quotes s for a POSIX shell, in single quotes.
func shellQuoteArg(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// splitShell splits a command line written with shellQuote's quoting
// (runner.CallLine): words separated by spaces, single-quoted stretches
// kept whole, a backslash escaping the next byte outside them.
func splitShell(line string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord, quoted := false, false
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case quoted && ch == '\'':
			quoted = false
		case quoted:
			w.WriteByte(ch)
		case ch == '\'':
			quoted, inWord = true, true
		case ch == '\\' && i+1 < len(line):
			i++
			w.WriteByte(line[i])
			inWord = true
		case ch == ' ':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteByte(ch)
			inWord = true
		}
	}
	if quoted {
		return nil, errors.New("an unclosed quote")
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}
