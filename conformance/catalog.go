package conformance

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/model"
)

// Severity is how strongly the specification states a requirement.
type Severity string

// The severities.
const (
	MUST   Severity = "MUST"
	SHOULD Severity = "SHOULD"
)

// Check is one entry of the catalog: a requirement with a stable ID, the
// clause it enforces, what it needs of the fleet, and the function that
// checks a target against it.
type Check struct {
	ID       string // SI-<AREA>-<NN>, stable: never derived from position
	Title    string
	Clause   string // seed section or facts-sheet section
	Severity Severity
	Needs    Needs
	// Run carries the check out. It returns nil for a pass, an error made
	// by Ctx.Failf or Ctx.Fail for a departure from the specification, one
	// made by Ctx.Skipf when the target lacks what the check needs, and
	// any other error when the check could not be carried out.
	Run func(*Ctx) error
	// Final checks run after all others, over the whole run's transcript.
	Final bool
	// Sharded checks run Config.Sequences random sequences (the state
	// machine), which the plan splits into shards, one a lane, and
	// estimates by the sequence.
	Sharded bool
	// Takes is a rough estimate of the check's own time (its pacing and
	// sleeps, not counting operations), for the plan only.
	Takes time.Duration

	_ struct{}
}

// Needs is what a check requires of the target; when the target lacks it
// the check is skipped with the reason.
type Needs struct {
	Running       int                   // allow-listed RUNNING instances it acts on
	Kind          *Kind                 // of what kind its RUNNING instances must be; nil for any
	Stopped       int                   // allow-listed STOPPED instances (made from RUNNING ones if none)
	States        []model.InstanceState // discovered instances in these states (the suite cannot create them)
	SecondAccount bool                  // TENCENTCLOUD_SECRET_ID_2 / _KEY_2
	// WholeAccount: the check sends unpaced traffic and judges the
	// account's limiter, so it needs the account's whole rate budget: no
	// other check runs on its account meanwhile (facts §15: the limits
	// are per account).
	WholeAccount bool
}

// Kind is a kind of instance a check needs, such as a prepaid one: the
// plan puts the check on a lane whose share of the instances holds
// one.
type Kind struct {
	What string // in words, for skip reasons: "prepaid or local-disk instance"
	Is   func(model.Instance) bool
}

// String describes the needs in words, for the catalog listing.
func (n Needs) String() string {
	var parts []string
	if n.Running > 0 && n.Kind != nil {
		parts = append(parts, fmt.Sprintf("%d RUNNING %s", n.Running, n.Kind.What))
	} else if n.Running > 0 {
		parts = append(parts, fmt.Sprintf("%d RUNNING", n.Running))
	}
	if n.Stopped > 0 {
		parts = append(parts, fmt.Sprintf("%d STOPPED", n.Stopped))
	}
	for _, s := range n.States {
		parts = append(parts, s.Article()+" "+string(s))
	}
	if n.SecondAccount {
		parts = append(parts, "a second account")
	}
	if n.WholeAccount {
		parts = append(parts, "the account to itself")
	}
	return strings.Join(parts, ", ")
}

// Catalog returns every check, in order: one group per area of the
// specification, each from its own file.
func Catalog() []*Check {
	var all []*Check
	for _, group := range [][]*Check{
		protocolChecks(), authChecks(), paramChecks(), batchChecks(), idChecks(),
		stateChecks(), asyncChecks(), atomicChecks(), accountChecks(), rateChecks(), concChecks(),
		hostileChecks(),
		propertyChecks(), finalChecks(),
	} {
		all = append(all, group...)
	}
	return all
}

var checkID = regexp.MustCompile(`^SI-(PROTO|AUTH|PARAM|BATCH|ID|STATE|ASYNC|ATOMIC|ACCT|PROP|RATE|CONC|SNAP|RUN|HOSTILE)-\d\d$`)

// validate reports a malformed catalog: bad or duplicate IDs, missing
// titles or clauses.
func validate(checks []*Check) error {
	seen := map[string]bool{}
	for _, c := range checks {
		switch {
		case !checkID.MatchString(c.ID):
			return fmt.Errorf("check ID %q is not SI-<AREA>-<NN>", c.ID)
		case seen[c.ID]:
			return fmt.Errorf("check ID %s appears twice", c.ID)
		case c.Title == "" || c.Clause == "" || c.Run == nil:
			return fmt.Errorf("check %s lacks a title, a clause or a Run", c.ID)
		case c.Severity != MUST && c.Severity != SHOULD:
			return fmt.Errorf("check %s has severity %q", c.ID, c.Severity)
		}
		seen[c.ID] = true
	}
	return nil
}

// Selected is the catalog's checks that --only (prefixes to keep; none
// keeps all) and --skip (prefixes to leave out) select, in catalog order:
// the one selection, which the command line consults to refuse a bad
// selection before anything starts, and the engine to run it. A prefix
// that matches no check, or a selection that leaves none, is an error.
func Selected(only, skip []string) ([]*Check, error) {
	checks, err := Select(Catalog(), only)
	if err != nil {
		return nil, err
	}
	if checks, err = Exclude(checks, skip); err != nil {
		return nil, err
	}
	if len(checks) == 0 {
		return nil, errors.New("nothing was judged: --only and --skip leave no check to run")
	}
	return checks, nil
}

// Select returns the checks whose ID starts with one of the prefixes
// (case-insensitive): "SI-BATCH" selects an area, "SI-BATCH-02" one check.
// No prefixes select everything. An unmatched prefix is an error.
func Select(checks []*Check, prefixes []string) ([]*Check, error) {
	if len(prefixes) == 0 {
		return checks, nil
	}
	var out []*Check
	for _, p := range prefixes {
		p = strings.ToUpper(strings.TrimSpace(p))
		n := 0
		for _, c := range checks {
			if strings.HasPrefix(c.ID, p) {
				n++
				if !slices.Contains(out, c) {
					out = append(out, c)
				}
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("--only %s matches no check (see 'cvmconform checks')", p)
		}
	}
	slices.SortStableFunc(out, func(a, b *Check) int { return index(checks, a) - index(checks, b) })
	return out, nil
}

func index(checks []*Check, c *Check) int { return slices.Index(checks, c) }

// Exclude leaves out the checks whose ID starts with one of the prefixes
// (--skip, the inverse of Select). A prefix that matches no check is an
// error, as for Select.
func Exclude(checks []*Check, prefixes []string) ([]*Check, error) {
	out := checks
	for _, p := range prefixes {
		p = strings.ToUpper(strings.TrimSpace(p))
		if !slices.ContainsFunc(checks, func(c *Check) bool { return strings.HasPrefix(c.ID, p) }) {
			return nil, fmt.Errorf("--skip %s matches no check (see 'cvmconform checks')", p)
		}
		out = slices.DeleteFunc(slices.Clone(out), func(c *Check) bool { return strings.HasPrefix(c.ID, p) })
	}
	return out, nil
}
