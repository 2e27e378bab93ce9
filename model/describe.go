package model

import (
	"fmt"
	"slices"
)

// DescribeResult is what a successful DescribeInstances returned: TotalCount
// and the page of instances (facts §9).
type DescribeResult struct {
	TotalCount int
	Instances  []View
}

const describeClause = "facts §9 DescribeInstances: TotalCount counts all matches; Offset default 0; Limit default 20, max 100"

// ObserveDescribe judges a successful DescribeInstances answer to the
// request judged as j, then observes every instance it lists. It checks
// the page against Offset and Limit, that TotalCount is consistent, that
// every listed instance is the caller's and matches the request's
// InstanceIds and Filters, and that no instance that certainly matches is
// missing. Filters the model does not evaluate (vpc-id, tags, …) are
// trusted.
func (o *Observer) ObserveDescribe(j Judgement, r Request, res DescribeResult) []*Finding {
	account, region := r.Account, r.Region
	if account == "" {
		account = o.account
	}
	if region == "" {
		region = o.region
	}
	var out []*Finding
	find := func(rule, id, expected, actual string) {
		out = append(out, &Finding{Rule: rule, Clause: describeClause, Instance: id, Expected: expected, Actual: actual})
	}
	want := min(j.Limit, max(0, res.TotalCount-j.Offset))
	if len(res.Instances) != want {
		find("DESCRIBE-PAGE", "", fmt.Sprintf("%d instances (TotalCount %d, Offset %d, Limit %d)", want, res.TotalCount, j.Offset, j.Limit),
			fmt.Sprintf("%d", len(res.Instances)))
	}
	requested := requestedIDs(r)
	listed := map[string]bool{}
	for _, v := range res.Instances {
		if listed[v.ID] {
			find("DESCRIBE-DUPLICATE", v.ID, "each instance listed once", "listed twice")
		}
		listed[v.ID] = true
		if ps := o.possible[v.ID]; len(ps) > 0 && !ps[0].Visible(account, region) {
			find("DESCRIBE-ISOLATION", v.ID, fmt.Sprintf("only account %q's instances in %s", account, region),
				fmt.Sprintf("an instance of account %q in %s", ps[0].Owner, ps[0].Region()))
			continue
		}
		if requested != nil && !slices.Contains(requested, v.ID) {
			find("DESCRIBE-FILTER", v.ID, "only the requested InstanceIds", "an instance not requested")
		}
		for _, f := range j.Filters {
			if ok, known := viewMatches(v, f); known && !ok {
				find("DESCRIBE-FILTER", v.ID, fmt.Sprintf("instances with %s in %v", f.Name, f.Values), v.String())
			}
		}
	}
	certain := 0
	for _, id := range o.IDs() {
		if !o.certainlyListed(account, region, id, requested, j.Filters) {
			continue
		}
		certain++
		if j.Offset == 0 && res.TotalCount <= j.Limit && !listed[id] {
			find("DESCRIBE-MISSING", id, "listed: it exists and matches the request", "absent")
		}
	}
	if res.TotalCount < certain {
		find("DESCRIBE-TOTAL", "", fmt.Sprintf("TotalCount ≥ %d (instances that certainly match)", certain), fmt.Sprint(res.TotalCount))
	}
	for _, v := range res.Instances {
		if ps := o.possible[v.ID]; len(ps) > 0 && !ps[0].Visible(account, region) {
			continue
		}
		if f := o.observeAs(account, v); f != nil {
			out = append(out, f)
		}
	}
	return out
}

// certainlyListed reports whether instance id is account's in region, surely not
// terminated, and matches the request in every state it may be in.
func (o *Observer) certainlyListed(account, region, id string, requested []string, filters []Filter) bool {
	if requested != nil && !slices.Contains(requested, id) {
		return false
	}
	for _, p := range o.possible[id] {
		if !p.Visible(account, region) || p.State == Terminated {
			return false
		}
		for _, f := range filters {
			if ok, known := viewMatches(ViewOf(p), f); !ok || !known {
				return false
			}
		}
	}
	return len(o.possible[id]) > 0
}

// requestedIDs returns the InstanceIds of a DescribeInstances request, or
// nil when it names none.
func requestedIDs(r Request) []string {
	v, ok := r.Params["InstanceIds"]
	if !ok || v.Kind != KindArray || len(v.Items) == 0 {
		return nil
	}
	ids := make([]string, 0, len(v.Items))
	for _, it := range v.Items {
		ids = append(ids, it.Text)
	}
	return ids
}

// viewMatches evaluates filter f on v for the filters the model knows
// (facts §9); known is false for the others.
func viewMatches(v View, f Filter) (ok, known bool) {
	var field string
	switch f.Name {
	case "instance-id":
		field = v.ID
	case "instance-state":
		field = string(v.State)
	case "zone":
		field = v.Zone
	case "instance-charge-type":
		field = string(v.ChargeType)
	default:
		return false, false
	}
	return slices.Contains(f.Values, field), true
}
