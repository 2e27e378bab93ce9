package conformance

import (
	"net/url"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Protocol: common parameters, encodings, hosts and signature styles
// (facts §1, §6, §12; seed §1 Note, §2 common parameters).

func protocolChecks() []*Check {
	return []*Check{
		// facts §6 InvalidAction: "no such action".
		{ID: "SI-PROTO-03", Title: "An Action the API does not have is refused with InvalidAction",
			Clause: "facts §6 InvalidAction", Severity: MUST,
			Run: func(c *Ctx) error {
				return c.Expect(describeWith(func(call *tcapi.Call) { call.Action = "StopInstancez" }))
			}},
		// seed §2: Action, Required Yes.
		{ID: "SI-PROTO-04", Title: "A request without Action is refused",
			Clause: "seed §2 Action: Required Yes", Severity: MUST,
			Run: func(c *Ctx) error { return c.Expect(describeWith(func(call *tcapi.Call) { call.Action = "" })) }},
		// seed §2: Version, "The value used for this API: 2017-03-12".
		{ID: "SI-PROTO-05", Title: "A Version other than 2017-03-12 is refused",
			Clause: "seed §2 Version; facts §6 NoSuchVersion", Severity: MUST,
			Run: func(c *Ctx) error {
				return c.Expect(describeWith(func(call *tcapi.Call) { call.Version = "2020-02-02" }))
			}},
		// facts §6 UnsupportedRegion; §12 the region list.
		{ID: "SI-PROTO-06", Title: "A Region the product does not list is refused",
			Clause: "seed §2 Region; facts §6 UnsupportedRegion, §12", Severity: MUST,
			Run: func(c *Ctx) error {
				return c.Expect(describeWith(func(call *tcapi.Call) { call.Region = "xx-nowhere" }))
			}},
		// seed §1 Note: "If the common parameter Region is a Finance region, a
		// domain name with the Finance region needs to be specified."
		{ID: "SI-PROTO-07", Title: "A Finance-region request sent to the nearest-access host is refused",
			Clause: "seed §1 Note (Finance regions); facts §12", Severity: MUST,
			Run: financeAtNearestHost},
		// facts §6 InvalidParameter: a body that is not JSON.
		{ID: "SI-PROTO-08", Title: "A properly signed body that is not JSON is refused",
			Clause: "facts §1 request styles; §6 InvalidParameter", Severity: MUST,
			Run: func(c *Ctx) error {
				return c.Expect(describeWith(func(call *tcapi.Call) { call.Body = []byte(`{"Limit": `) }))
			}},
		// facts §1: a POST is application/json (TC3) or form-encoded (v1).
		{ID: "SI-PROTO-09", Title: "A properly signed POST with a content type the API does not take is refused",
			Clause: "facts §1 request styles table", Severity: SHOULD,
			Run: func(c *Ctx) error {
				return c.Expect(describeWith(func(call *tcapi.Call) { call.ContentType = "text/plain" }))
			}},
		// facts §1 style B; §2: TC3 GET, action parameters flattened in the query.
		{ID: "SI-PROTO-10", Title: "A TC3-signed GET with flattened InstanceIds.N stops the instance",
			Clause: "facts §1 style B, §2; seed §2 InstanceIds.N", Severity: MUST, Needs: Needs{Running: 1},
			Run: func(c *Ctx) error { return stopInStyle(c, runner.Signing{Style: tcapi.StyleTC3Get}) }},
		// facts §3: the older signature, HmacSHA256.
		{ID: "SI-PROTO-11", Title: "A GET signed with HmacSHA256 (signature v1) stops the instance",
			Clause: "facts §1 style C, §3 (SignatureMethod=HmacSHA256)", Severity: MUST, Needs: Needs{Running: 1},
			Run: func(c *Ctx) error { return stopInStyle(c, runner.SignHmacSHA256) }},
		// facts §3: the older signature, HmacSHA1, form-encoded POST.
		{ID: "SI-PROTO-12", Title: "A form POST signed with HmacSHA1 (signature v1) stops the instance",
			Clause: "facts §1 style D, §3 (HmacSHA1)", Severity: MUST, Needs: Needs{Running: 1},
			Run: func(c *Ctx) error { return stopInStyle(c, runner.SignHmacSHA1) }},
		// seed §6 InvalidInstanceId.NotFound; facts §9: DescribeInstances
		// lists the instances of the request's Region. An instance exists
		// in its own region only: a target that serves every region from
		// one fleet lists it everywhere.
		{ID: "SI-PROTO-14", Title: "An instance listed in its region is absent from another region's listing",
			Clause: "seed §2 Region; facts §9, §12; ledger L-26", Severity: MUST,
			Run: listedInItsRegionOnly},
		// seed §6 InvalidInstanceId.NotFound: a stop or start naming an
		// instance with another Region names no instance there: it is
		// refused (not found, or the region unsupported: ledger L-26) and
		// changes nothing (ledger L-13).
		{ID: "SI-PROTO-15", Title: "A stop or start naming an instance with another region is refused and changes nothing",
			Clause: "seed §2 Region, §6 InvalidInstanceId.NotFound; facts §12; ledger L-13, L-26", Severity: MUST,
			Needs: Needs{Running: 2},
			Run:   actedOnInItsRegionOnly},
	}
}

// otherRegion is a listed region, not a Finance one, other than the run's:
// ap-shanghai, or ap-guangzhou for a run in ap-shanghai.
func (c *Ctx) otherRegion() string {
	if c.run.cfg.target.Region == "ap-shanghai" {
		return "ap-guangzhou"
	}
	return "ap-shanghai"
}

// servesOtherRegion probes that the target serves another region, with a
// DescribeInstances there filtered on an ID that names nothing (so that
// the probe asks only whether the region is served), and returns it. A
// target that refuses it serves one region only (ledger L-26) and skips
// the check.
func (c *Ctx) servesOtherRegion() (string, error) {
	other := c.otherRegion()
	_, err := c.Probe(describeWith(func(call *tcapi.Call) {
		call.Region = other
		call.Params = []tcapi.Param{{Name: "Filters", Value: model.Arr(model.Obj(map[string]model.Value{
			"Name": model.Str("instance-id"), "Values": model.Strs(c.unknownIDs(1)...)}))}}
	}), "a target that serves a second region, "+other+" (one that serves only "+c.run.cfg.target.Region+" cannot show where an instance lives; ledger L-26)")
	return other, err
}

// listedInItsRegionOnly describes an instance of the run's region, by ID,
// in another region: the model wants it left out (DESCRIBE-ISOLATION).
func listedInItsRegionOnly(c *Ctx) error {
	// The instance is one of this lane's share, which its observer
	// judges: an instance another lane holds is ceded here, and a listing
	// of it in the wrong region would not be judged at all.
	var id string
	for _, v := range c.run.obs.IDs() {
		ps := c.run.obs.Possible(v)
		if len(ps) > 0 && ps[0].Owner == runner.AccountMain && ps[0].Region() == c.run.cfg.target.Region && !allIn(ps, model.Terminated) {
			id = v
			break
		}
	}
	if id == "" {
		return c.Skipf("no instance was discovered in %s", c.run.cfg.target.Region)
	}
	other, err := c.servesOtherRegion()
	if err != nil {
		return err
	}
	c.Note("%s is listed in %s; it must not be listed in %s", id, c.run.cfg.target.Region, other)
	s := describeWith(func(call *tcapi.Call) {
		call.Region = other
		call.Params = []tcapi.Param{{Name: "InstanceIds", Value: model.Strs(id)}}
	})
	if err := c.Expect(s); err != nil {
		return err
	}
	return c.Observe(id)
}

// actedOnInItsRegionOnly stops a RUNNING instance and starts a STOPPED one,
// each named with another region: both must be refused, and both
// instances stay as they were.
func actedOnInItsRegionOnly(c *Ctx) error {
	other, err := c.servesOtherRegion()
	if err != nil {
		return err
	}
	stopped, err := c.Stopped(1)
	if err != nil {
		return err
	}
	running, err := c.Running(1)
	if err != nil {
		return err
	}
	stop := stopCall(running, "StopType", model.Str("HARD"))
	stop.Call.Region = other
	start := startCall(stopped...)
	start.Call.Region = other
	for _, s := range []runner.Send{stop, start} {
		if err := c.Expect(s); err != nil {
			return err
		}
	}
	return c.Observe(append(running, stopped...)...)
}

// describeWith is a valid TC3 DescribeInstances, changed by mutate.
func describeWith(mutate func(*tcapi.Call)) runner.Send {
	s := runner.Send{ExactStyle: true, Call: tcapi.Call{Action: model.ActionDescribe, Params: []tcapi.Param{{Name: "Limit", Value: model.Num(1)}}}}
	mutate(&s.Call)
	return s
}

// stopInStyle stops one RUNNING instance with the given signature style and
// checks that it reaches a stopped state.
func stopInStyle(c *Ctx, sg runner.Signing) error {
	ids, err := c.Running(1)
	if err != nil {
		return err
	}
	s := stopCall(ids, "StopType", model.Str("HARD"))
	s.Call.Style, s.Call.V1Method, s.ExactStyle = sg.Style, sg.V1Method, true
	if err := c.Expect(s); err != nil {
		return err
	}
	return c.Settle(ids...)
}

// financeAtNearestHost sends DescribeInstances for a Finance region to that
// region's Finance host, a probe, then to the nearest-access host, which
// must refuse it. A target that does not serve the Finance region at its
// own host (one that serves only its own region, ledger L-26) is not
// checked: the probe skips.
func financeAtNearestHost(c *Ctx) error {
	region := model.FinanceRegions[0]
	at := func(host string) runner.Send {
		s := describeWith(func(call *tcapi.Call) { call.Region = region })
		c.atHost(&s, host)
		return s
	}
	if _, err := c.Probe(at(model.RegionHost(region)), "a target that serves the Finance region "+region+" at "+model.RegionHost(region)); err != nil {
		return err
	}
	return c.Expect(at(model.NearestHost))
}

// atHost addresses s to host: on a real cloud by connecting to that host,
// elsewhere (an emulator on this machine) by sending its Host header,
// which the emulator routes by (facts §12).
func (c *Ctx) atHost(s *runner.Send, host string) {
	u, err := url.Parse(c.run.cfg.target.Endpoint)
	if err == nil {
		if kind, _ := model.ClassifyHost(u.Host); kind != model.HostOther {
			s.Endpoint = "https://" + host
			return
		}
	}
	s.Call.Host = host
}
