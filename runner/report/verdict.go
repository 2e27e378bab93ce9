package report

// Verdict is a run's overall outcome, decided from its [Summary].
type Verdict string

// The three verdicts, in the words the console report uses.
const (
	// Conformant: no check failed or errored, and at least one passed.
	// Skipped checks are not passes; the console report counts them.
	// Known failures (a baseline's) do not fail the gate, but the
	// verdict line names them: "CONFORMANT but for 3 known failures".
	Conformant Verdict = "CONFORMANT"
	// NotConformant: at least one check failed, or an entry of the
	// baseline is stale or expired, whatever else happened.
	NotConformant Verdict = "NOT CONFORMANT"
	// Incomplete: no check failed, but conformance is undecided — a
	// check errored (could not be carried out), or no check passed
	// (none ran, or every one was skipped), or the run did not reach its
	// end, or it skipped a check and was asked to judge them all.
	Incomplete Verdict = "INCOMPLETE"
)

// Verdict decides the run's outcome: any failure, or any entry of its
// baseline that is stale or expired, makes it [NotConformant] (a known
// failure does not); otherwise a run that did not reach its end
// ([Run.Incomplete]), or that skipped a check under [Run.RequireAll], is
// [Incomplete], as is one that exercised fewer of the model's rules than
// its --min-coverage gate ([Run.MinCoverage]): the verdict would rest on
// less than it was asked to, and the target did not depart from the
// sources for that (DESIGN "A verdict is never greener than what ran");
// otherwise its [Summary] decides.
func (r Run) Verdict() Verdict {
	s := r.Summary()
	switch {
	case s.Fail > 0 || r.Baseline.failing() > 0:
		return NotConformant
	case r.Incomplete != "" || (r.RequireAll && s.Skip > 0) || r.belowCoverage():
		return Incomplete
	}
	return s.Verdict()
}

// Verdict decides the run's outcome, in this order of precedence: any
// failure makes it [NotConformant]; otherwise any error, or nothing
// judged (no pass, no known failure), makes it [Incomplete]; otherwise it is [Conformant]. Which exit
// status each verdict gets is the caller's decision.
func (s Summary) Verdict() Verdict {
	switch {
	case s.Fail > 0:
		return NotConformant
	case s.Error > 0 || s.Pass+s.Known == 0:
		return Incomplete // a known failure was judged: it failed as listed
	}
	return Conformant
}
