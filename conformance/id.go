package conformance

import (
	"strings"
)

// Instance IDs (seed §6; facts §11: ^ins-[a-z0-9]{8}$).

func idChecks() []*Check {
	return []*Check{
		// seed §6: "ins-1122 has an invalid ID length".
		{ID: "SI-ID-01", Title: "The seed's malformed ID ins-1122 is refused with InvalidInstanceId.Malformed",
			Clause: "seed §6 InvalidInstanceId.Malformed; facts §11", Severity: MUST,
			Run: func(c *Ctx) error { return c.Expect(stopCall([]string{"ins-1122"})) }},
		// seed §6 InvalidInstanceId.NotFound: "No instance found".
		{ID: "SI-ID-02", Title: "A well-formed ID that names no instance is refused with InvalidInstanceId.NotFound",
			Clause: "seed §6 InvalidInstanceId.NotFound", Severity: MUST,
			Run: func(c *Ctx) error { return c.Expect(stopCall(c.unknownIDs(1))) }},
		// facts §11: lower-case letters only; ledger L-18.
		{ID: "SI-ID-03", Title: "A RUNNING instance's ID in upper case names no instance",
			Clause: "facts §11; ledger L-18", Severity: SHOULD, Needs: Needs{Running: 1},
			Run: func(c *Ctx) error {
				ids, err := c.Running(1)
				if err != nil {
					return err
				}
				if err := c.Expect(stopCall([]string{"ins-" + strings.ToUpper(ids[0][4:])})); err != nil {
					return err
				}
				return c.Observe(ids...)
			}},
		// facts §11: other malformed shapes.
		{ID: "SI-ID-04", Title: "IDs of the wrong shape (empty, another prefix, too long) are refused as malformed",
			Clause: "facts §11; seed §6 InvalidInstanceId.Malformed", Severity: MUST,
			Run: func(c *Ctx) error {
				for _, id := range []string{"", "i-" + randomSuffix(c, 8), "ins-" + randomSuffix(c, 9), "ins-" + randomSuffix(c, 7) + "_"} {
					if err := c.Expect(stopCall([]string{id})); err != nil {
						return err
					}
				}
				return nil
			}},
	}
}
