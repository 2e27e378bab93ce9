package runner

import (
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/report"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// A failure's evidence: an exchange as a report carries it
// (report.Exchange), and the `cvmconform call` line that sends its
// request again, so that whoever must fix the target can replay the one
// request with their own client or ours, without the suite, its fleet or
// its seed.

// Evidence is x as a report shows one of a failure's exchanges: the
// request as sent (secrets redacted, as x holds it), the answer, what
// the model expected, its finding ("" when the answer was acceptable),
// and the call line (CallLine).
func (x *Exchange) Evidence(expected, finding string) report.Exchange {
	headers := slices.Clone(x.Headers)
	if x.Host != "" {
		headers = append(headers, "Host: "+x.Host)
		slices.SortStableFunc(headers, func(a, b string) int {
			an, _, _ := strings.Cut(a, ":")
			bn, _, _ := strings.Cut(b, ":")
			return strings.Compare(an, bn)
		})
	}
	return report.Exchange{Seq: x.Seq, Lane: x.Lane, Action: x.Call.Action, Style: x.Call.Style.String(), Region: x.Call.Region,
		Sent: x.Sent, Took: x.Duration(), Method: x.Method, URL: x.URL, Headers: headers, Body: cut(x.Body, EvidenceLimit),
		Status: x.Status, Code: x.Outcome.Code, Answer: x.Answer(), Expected: expected, Finding: finding, Call: CallLine(x)}
}

// EvidenceLimit bounds the body an exchange's evidence keeps, and the
// parameters a call line holds: the hostile corpus sends bodies of
// megabytes, which would swell every report (and exceed a command
// line's limits) while the first kilobytes show what was sent.
const EvidenceLimit = 32 << 10

// cut is s, or its first n bytes and how many more there were.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return fmt.Sprintf("%s…(+%d bytes)", strings.ToValidUTF8(s[:n], ""), len(s)-n)
}

// CallLine is the `cvmconform call` command line that sends x's request
// again, in the call command's own argument format (cmd/cvmconform's
// resolveCall reads it back into the same action, parameters and style),
// with the credentials of the environment: those of the account that
// sent it (x.Lane) to see the same answer. It is "" when call cannot
// express the request: a hand-made body, header, method, version or
// content type; a request changed after it was signed; a signature or
// credential broken on purpose (anything but a good signature); no
// Action; parameters over EvidenceLimit; parameters whose JSON does not read back as they were (a
// deliberately invalid literal).
func CallLine(x *Exchange) string {
	if x.Mutated || x.Request.Auth != model.AuthOK {
		return ""
	}
	return CallLineFor(x.Call, x.URL)
}

// CallLineFor is the `cvmconform call` line that sends call to the
// endpoint of rawURL (its scheme and host), or "" when call cannot
// express it (see CallLine); for traffic the suite did not send (judge,
// proxy), which has no runner.Exchange.
func CallLineFor(c tcapi.Call, rawURL string) string {
	if c.Action == "" || c.Body != nil || c.HTTPMethod != "" || c.Host != "" || c.UnsignedPayload ||
		len(c.Omit) > 0 || c.ContentType != "" || c.Language != "" || (c.Version != "" && c.Version != model.APIVersion) {
		return ""
	}
	params := tcapi.ParamsJSON(c.Params)
	if len(params) > EvidenceLimit {
		return ""
	}
	if back, err := tcapi.ParseParams(params); err != nil || !sameParams(back, c.Params) {
		return ""
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return ""
	}
	args := []string{"cvmconform", "call", "--endpoint", shellQuote(u.Scheme + "://" + u.Host)}
	if c.Region != "" {
		args = append(args, "--region", shellQuote(c.Region))
	}
	switch c.Style {
	case tcapi.StyleTC3Get:
		args = append(args, "--get")
	case tcapi.StyleV1Get, tcapi.StyleV1PostForm:
		sig := "hmacsha1"
		if c.V1Method == tcapi.HmacSHA256 {
			sig = "hmacsha256"
		}
		args = append(args, "--signature", sig)
		if c.Style == tcapi.StyleV1Get {
			args = append(args, "--get")
		}
	}
	args = append(args, shellQuote(c.Action))
	if len(c.Params) > 0 {
		args = append(args, shellQuote(string(params)))
	}
	return strings.Join(args, " ")
}

// sameParams reports whether two parameter lists are the same, names,
// kinds and values in order (nil and empty alike).
func sameParams(a, b []tcapi.Param) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}

// shellQuote quotes s for a POSIX shell: as it is when it holds nothing
// a shell reads specially, else in single quotes.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@,+=", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
