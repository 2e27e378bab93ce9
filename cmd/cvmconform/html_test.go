package main

import (
	"bufio"
	"encoding/json"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/cvmconform/cvmconform/conformance/selftest"
	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/report"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// htmlDoc reads and parses an HTML report, failing on a tag left open or
// closed out of turn (html.Parse alone would repair it).
func htmlDoc(t *testing.T, path string) (*html.Node, string) {
	t.Helper()
	page := mustRead(t, path)
	z := html.NewTokenizer(strings.NewReader(page))
	var open []string
	void := []string{"br", "col", "hr", "img", "input", "link", "meta", "wbr"}
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		name, _ := z.TagName()
		switch {
		case tt == html.StartTagToken && !slices.Contains(void, string(name)):
			open = append(open, string(name))
		case tt == html.EndTagToken:
			require.NotEmpty(t, open, "</%s> closes nothing", name)
			require.Equal(t, open[len(open)-1], string(name), "</%s> out of turn", name)
			open = open[:len(open)-1]
		}
	}
	require.ErrorIs(t, z.Err(), io.EOF)
	require.Empty(t, open, "every element closed")
	doc, err := html.Parse(strings.NewReader(page))
	require.NoError(t, err)
	return doc, page
}

func eachElement(n *html.Node, f func(*html.Node)) {
	if n.Type == html.ElementNode {
		f(n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		eachElement(c, f)
	}
}

func attrOf(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func textOf(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(textOf(c))
	}
	return b.String()
}

// shownStates reads a transcript and returns, per instance, the states
// its successful DescribeInstances answers showed: what the timelines
// must draw, found without the report's own code.
func shownStates(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var line struct{ Response string }
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line))
		var answer struct {
			Response struct {
				InstanceSet []struct{ InstanceId, InstanceState string }
			}
		}
		if json.Unmarshal([]byte(line.Response), &answer) != nil {
			continue
		}
		for _, i := range answer.Response.InstanceSet {
			if !slices.Contains(out[i.InstanceId], i.InstanceState) {
				out[i.InstanceId] = append(out[i.InstanceId], i.InstanceState)
			}
		}
	}
	require.NoError(t, sc.Err())
	return out
}

// The HTML report of a failing run, with credentials set and every
// signature style: it holds every check, a timeline band for each state
// each failing instance was shown in, and no secret.
func TestRunHTMLReport(t *testing.T) {
	t.Parallel()
	e := startEmulator(t, "stop-any-state")
	dir := t.TempDir()
	page, transcript, jsonPath := filepath.Join(dir, "r.html"), filepath.Join(dir, "t.jsonl"), filepath.Join(dir, "r.json")
	code, stdout, stderr := invoke(t, credsOf(e), "run", "--endpoint", e.URL, "--all-instances", "--only", "SI-STATE-0,SI-ID-01",
		"--signature", "all", "--seed", "44", "--html", page, "--transcript", transcript, "--json", jsonPath)
	require.Equal(t, exitFailed, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	doc, text := htmlDoc(t, page)

	requireNoSecret(t, "HTML report", text, e.Cred.SecretKey, e.Cred.SecretID, e.Cred2.SecretKey, e.Cred2.SecretID)
	for _, m := range regexp.MustCompile(`Signature=([^&\s"',<]*)`).FindAllStringSubmatch(text, -1) {
		require.Contains(t, []string{"(redacted)", "%28redacted%29"}, m[1], "a signature left in the report")
	}

	r, _ := readJSONReport(t, jsonPath)
	var ids, failed []string
	for _, c := range r.Checks {
		ids = append(ids, *c.ID)
		if *c.Status == "fail" {
			failed = append(failed, *c.ID)
		}
	}
	require.NotEmpty(t, failed, "stop-any-state fails the state checks")
	rows := map[string]bool{}
	articles := map[string]*html.Node{}
	eachElement(doc, func(n *html.Node) {
		if n.Data == "td" && attrOf(n, "class") == "id" {
			rows[strings.TrimSpace(textOf(n))] = true
		}
		if n.Data == "article" {
			articles[strings.TrimPrefix(attrOf(n, "id"), "fail-")] = n
		}
	})
	for _, id := range ids {
		require.True(t, rows[id], "check %s is in the report", id)
	}
	require.ElementsMatch(t, failed, slices.Collect(maps.Keys(articles)), "one article per failure")

	bands := map[string][]string{}
	eachElement(doc, func(n *html.Node) {
		if n.Data == "g" && attrOf(n, "data-instance") != "" {
			id := attrOf(n, "data-instance")
			eachElement(n, func(c *html.Node) {
				if c.Data == "rect" && strings.Contains(attrOf(c, "class"), "band") {
					bands[id] = append(bands[id], attrOf(c, "data-state"))
				}
			})
		}
	})
	shown := shownStates(t, transcript)
	concerned := 0
	for _, id := range failed {
		eachElement(articles[id], func(n *html.Node) {
			href := attrOf(n, "href")
			if n.Data != "a" || !strings.HasPrefix(href, "#tl-ins-") {
				return
			}
			instance := strings.TrimPrefix(href, "#tl-")
			concerned++
			require.NotEmpty(t, shown[instance], "%s: a listing showed %s", id, instance)
			for _, st := range shown[instance] {
				require.Contains(t, bands[instance], st, "%s: %s was shown %s; its timeline has a band for it", id, instance, st)
			}
		})
	}
	require.Positive(t, concerned, "the failures name their instances, linked to their timelines")
	require.Contains(t, text, "cvmconform run --endpoint "+e.URL, "the replay command")
}

// judge --html writes the same report for recorded traffic.
func TestJudgeHTMLReport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	faulty := startEmulator(t, "malformed-id-not-found")
	faultyT, _ := recordings(t, dir, "faulty", targetCycle(t, faulty, "ins-43jl0gw2"))
	page := filepath.Join(dir, "j.html")
	code, stdout, _ := invokeJudge(t, nil, "--html", page, faultyT)
	require.Equal(t, exitFailed, code, stdout)
	doc, text := htmlDoc(t, page)
	require.Contains(t, textOf(doc), "NOT CONFORMANT")
	require.Contains(t, text, `id="fail-`)
	require.Contains(t, text, `id="timelines"`, "a recording with times has timelines")
	requireNoSecret(t, "HTML report", text, faulty.Cred.SecretKey, faulty.Cred.SecretID)
}

// proxy --html writes the report when it stops, beside --report.
func TestProxyHTMLReport(t *testing.T) {
	t.Parallel()
	e := startEmulator(t, "malformed-id-not-found")
	dir := t.TempDir()
	page := filepath.Join(dir, "p.html")
	p := startProxyCmd(t, nil, "--upstream", e.URL, "--html", page)
	send(t, p.url, e.Cred, model.ActionDescribe, tcapi.Param{Name: "InstanceIds", Value: model.Strs("ins-43jl0gw2")})
	send(t, p.url, e.Cred, model.ActionStop, tcapi.Param{Name: "InstanceIds", Value: model.Strs("ins-1122")})
	require.Equal(t, exitFailed, p.stop())
	doc, text := htmlDoc(t, page)
	require.Contains(t, textOf(doc), "traffic through the proxy judged")
	require.Contains(t, textOf(doc), "ID-MALFORMED")
	requireNoSecret(t, "HTML report", text, e.Cred.SecretKey, e.Cred.SecretID)
}

// selftest --html renders its two tables, each failing row with what
// failed and its replay.
func TestSelftestHTMLPage(t *testing.T) {
	t.Parallel()
	res := selftest.Result{Seed: 9,
		Precision: []selftest.PrecisionRun{
			{Corner: emulator.CornerLenient, Result: report.Run{Checks: []report.Check{{ID: "SI-ID-01", Status: report.Pass}}}},
			{Seed: 4, Variants: emulator.Choices{"op-state": "lag"},
				Result: report.Run{Checks: []report.Check{{ID: "SI-ASYNC-01", Status: report.Fail, Reason: "OBSERVED-STATE: …"}}},
				Replay: "cvmconform run --variant random:4 --seed 4"}},
		Recall: []selftest.RecallRun{{Proof: selftest.FaultProof{Fault: "no-rate-limit", Catch: []string{"SI-RATE-01"}}, Seed: 6,
			Replay: "cvmconform run --variant random:6 --fault no-rate-limit --seed 6"}}}
	path := filepath.Join(t.TempDir(), "s.html")
	require.NoError(t, report.WriteFile(path, func(w io.Writer) error { return report.HTMLPage(w, selftestPage(res, 0)) }))
	doc, _ := htmlDoc(t, path)
	var bad []string
	eachElement(doc, func(n *html.Node) {
		if n.Data == "tr" && attrOf(n, "class") == "s-fail" {
			bad = append(bad, textOf(n))
		}
	})
	all := strings.Join(bad, "\n")
	for _, want := range []string{"random:4", "FAIL SI-ASYNC-01: OBSERVED-STATE", "replay:   cvmconform run --variant random:4 --seed 4",
		"no-rate-limit", "MISSED", "--fault no-rate-limit"} {
		require.Contains(t, all, want, "the failing rows and their details")
	}
	require.NotContains(t, all, "lenient corner", "a passing row is not marked")
	require.Contains(t, textOf(doc), "SELF-TEST FAILED", "a self-test is not a conformance verdict")
	require.NotContains(t, textOf(doc), "CONFORMANT")
	require.Contains(t, textOf(doc), res.Summary())
}
