package passive

import (
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/report"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// mostExchanges bounds the exchanges a recording's failure carries in
// its report: a proxy may see thousands of findings, and the first show
// what to fix.
const mostExchanges = 20

// evidence is a judged exchange of a recording as a report shows one of
// a failure's exchanges (report.Exchange): secrets redacted as a run's
// transcript redacts them (whatever the recording kept), the answer,
// what the model expected, the finding, and the call line when call can
// send the request again.
func evidence(x *Exchange, rd reading, expect, finding string) report.Exchange {
	headers := runner.RedactHeaders(x.Header)
	host := x.Host
	u, err := url.Parse(x.URL)
	if host == "" && err == nil {
		host = u.Host
	}
	if host != "" && !slices.ContainsFunc(headers, func(h string) bool { return strings.HasPrefix(h, "Host: ") }) {
		headers = append(headers, "Host: "+host)
		slices.SortStableFunc(headers, func(a, b string) int {
			an, _, _ := strings.Cut(a, ":")
			bn, _, _ := strings.Cut(b, ":")
			return strings.Compare(an, bn)
		})
	}
	shownURL, body := x.URL, string(x.Body)
	v1 := rd.req.Transport.Signature != model.SigTC3
	if v1 && err == nil && u.RawQuery != "" {
		q := *u
		q.RawQuery = runner.RedactForm(u.RawQuery)
		shownURL = q.String()
	}
	if ct := strings.ToLower(x.Header.Get("Content-Type")); strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		body = runner.RedactForm(body)
	}
	ev := report.Exchange{Seq: x.Index, Action: rd.req.Action, Style: styleOf(rd.req).String(), Region: rd.req.Region,
		Sent: x.Sent, Took: x.Received.Sub(x.Sent), Method: x.Method, URL: shownURL, Headers: headers, Body: body,
		Status: x.Status, Code: rd.out.Code, Answer: answer(x, rd), Expected: expect, Finding: finding}
	if len(body) > runner.EvidenceLimit {
		ev.Body = strings.ToValidUTF8(body[:runner.EvidenceLimit], "") + "…(+" + strconv.Itoa(len(body)-runner.EvidenceLimit) + " bytes)"
	}
	if call, ok := callOf(rd.req, rd.unknown); ok {
		ev.Call = runner.CallLineFor(call, x.URL)
	}
	return ev
}

// styleOf is the request style of a decoded request (facts §1).
func styleOf(r model.Request) tcapi.Style {
	switch {
	case r.Transport.Signature == model.SigTC3 && r.Transport.Method == http.MethodGet:
		return tcapi.StyleTC3Get
	case r.Transport.Signature == model.SigTC3:
		return tcapi.StyleTC3JSON
	case r.Transport.Method == http.MethodGet:
		return tcapi.StyleV1Get
	}
	return tcapi.StyleV1PostForm
}

// callOf is the request as call would send it, or false when call would
// send another: one the target could not read as sent (a decode fault,
// bytes another parser reads as other parameters), one of a method or content type call
// does not send, or one whose signature was broken (a recording that
// scrubbed its signatures, which cannot tell, gets its line). Its
// parameters are in name order: a recording's decoded request keeps no
// other.
func callOf(r model.Request, unknown runner.Unknowns) (tcapi.Call, bool) {
	t := r.Transport
	switch {
	case t.Decode != model.DecodeOK, slices.ContainsFunc(r.Readings, func(o model.Request) bool {
		return o.Action != r.Action || !reflect.DeepEqual(o.Params, r.Params)
	}), r.Auth != model.AuthOK && !slices.Contains(unknown.Auth, model.AuthOK),
		t.Method != http.MethodGet && t.Method != http.MethodPost,
		t.Signature == model.SigTC3 && t.Method == http.MethodPost && t.ContentType != "application/json",
		t.Signature != model.SigTC3 && t.Method == http.MethodPost && t.ContentType != "application/x-www-form-urlencoded":
		return tcapi.Call{}, false
	}
	c := tcapi.Call{Action: r.Action, Version: r.Version, Region: r.Region, Style: styleOf(r)}
	if t.Signature == model.SigHmacSHA256 {
		c.V1Method = tcapi.HmacSHA256
	} else if t.Signature == model.SigHmacSHA1 {
		c.V1Method = tcapi.HmacSHA1
	}
	for _, name := range slices.Sorted(maps.Keys(r.Params)) {
		c.Params = append(c.Params, tcapi.Param{Name: name, Value: r.Params[name]})
	}
	return c, true
}
