package conformance

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
)

// Checks over the whole run's transcript, made after every other check:
// what every answer must be (facts §5; seed §3, §6).

func finalChecks() []*Check {
	return []*Check{
		{ID: "SI-PROTO-01", Title: "Every answer is a {\"Response\": …} envelope; every error has a Code and a Message",
			Clause: "facts §5 envelope; seed §3", Severity: MUST, Final: true,
			Run: func(c *Ctx) error {
				for _, x := range c.run.target.Transcript().Since(0) {
					switch {
					case x.Err != nil:
					case x.ParseErr != nil:
						c.show(x)
						return c.Failf("request %d (%s) was answered with something else than an envelope: %s", x.Seq, x.Summary(), x.Answer())
					case x.Response.Error != nil && (x.Response.Error.Code == "" || x.Response.Error.Message == ""):
						c.show(x)
						return c.Failf("request %d (%s): an error without a Code or a Message: %s", x.Seq, x.Summary(), x.RawResponse)
					}
				}
				return nil
			}},
		{ID: "SI-PROTO-02", Title: "Every answer carries a RequestId, UUID-shaped and unique across the run",
			Clause: "seed §3 RequestId: \"returned for each request\"; facts §5", Severity: MUST, Final: true,
			Run: func(c *Ctx) error {
				seen := map[string]*runner.Exchange{}
				for _, x := range c.run.target.Transcript().Since(0) {
					if x.Err != nil || x.ParseErr != nil {
						continue
					}
					id := x.Response.RequestID
					switch {
					case !uuidShape.MatchString(id):
						c.show(x)
						return c.Failf("request %d (%s): RequestId %q is not UUID-shaped", x.Seq, x.Summary(), id)
					case seen[id] != nil:
						c.show(seen[id], x)
						return c.Failf("requests %d and %d were answered with the same RequestId %s", seen[id].Seq, x.Seq, id)
					}
					seen[id] = x
				}
				return nil
			}},
		{ID: "SI-PROTO-13", Title: "No request of the run was answered with an internal error",
			Clause: "seed §6 InternalServerError; facts §6 InternalError", Severity: MUST, Final: true,
			Run: func(c *Ctx) error {
				var bad []string
				for _, x := range c.run.target.Transcript().Since(0) {
					if strings.HasPrefix(x.Check, "SI-HOSTILE-") {
						continue // judged by SI-HOSTILE-06, a SHOULD: hostile input is not a valid request
					}
					if code := x.Outcome.Code; code == "InternalServerError" || code == model.CodeInternalError {
						bad = append(bad, fmt.Sprintf("%d (%s)", x.Seq, x.Check))
						c.show(x)
					}
				}
				if len(bad) > 0 {
					return c.Failf("%d request(s) answered with an internal error: %s", len(bad), strings.Join(bad[:min(len(bad), 5)], ", "))
				}
				return nil
			}},
	}
}

// show adds earlier exchanges of the run to the check's transcript.
func (c *Ctx) show(xs ...*runner.Exchange) {
	for _, x := range xs {
		c.steps = append(c.steps, step{text: renderStep(x.Seq, x, "", nil, nil) + "\n    (sent by " + orNone(x.Check) + ")", x: x})
	}
}

func orNone(s string) string {
	if s == "" {
		return "the harness"
	}
	return s
}

var uuidShape = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
