package runner

import (
	"slices"
	"time"

	"github.com/cvmconform/cvmconform/model"
)

// Partial knowledge (NewPartialJudging): what traffic the suite did not
// send leaves unknown is resolved from the answers, never guessed.

// elsewhere is the fleet in which every instance of account that the
// pipeline has not seen, and whose existence no answer has shown (it may
// still be Terminated, model.Unseen's stand-in for "no such instance"),
// belongs to another account instead: an ID a recording names may be
// someone else's, which the target may say as EXIST-OTHER-ACCOUNT allows
// (UnauthorizedOperation) rather than as a missing instance.
func (p *Judging) elsewhere(obs *model.Observer, account string) otherAccounts {
	o := otherAccounts{Observer: obs, ids: map[string]bool{}}
	for id := range p.unseen[account] {
		for _, q := range obs.Possible(id) {
			if q.State == model.Terminated {
				o.ids[id] = true
				break
			}
		}
	}
	return o
}

// otherAccounts is an observer's fleet with some instances another
// account's.
type otherAccounts struct {
	*model.Observer
	ids map[string]bool
}

// Possible implements model.Fleet.
func (o otherAccounts) Possible(id string) []model.Instance {
	ps := o.Observer.Possible(id)
	if !o.ids[id] || len(ps) == 0 {
		return ps
	}
	q := ps[0]
	q.Owner = "(another account)"
	return []model.Instance{q}
}

// explained reports whether a refusal the model did not accept is one
// that what partial knowledge leaves unknown allows (and a refusal
// changed nothing, so the observer stays as it is):
//
//   - the regions the target serves: a target may serve one region only
//     and refuse another listed one as unsupported (ledger L-26), which a
//     run judges against its own region (Env.Home) and traffic cannot;
//   - the owner of an instance never seen: it may be another account's
//     (see elsewhere).
func (p *Judging) explained(obs *model.Observer, account string, req model.Request, env model.Env, out model.Outcome) bool {
	if out.Unknown || out.Code == "" {
		return false
	}
	fleets := []model.Fleet{obs}
	if o := p.elsewhere(obs, account); len(o.ids) > 0 {
		fleets = append(fleets, o)
	}
	homes := []string{""}
	if model.KnownRegion(req.Region) {
		for _, r := range model.Regions {
			if r != req.Region {
				homes = append(homes, r)
				break
			}
		}
	}
	for _, f := range fleets {
		for _, home := range homes {
			e := env
			e.Home = home
			if model.Judge(f, req, e).Accepts(out.Code, p.cfg.Strictness) {
				return true
			}
		}
	}
	return false
}

// resolve decides what the exchange leaves unknown of a request (u): the
// first of the requests it may have been, in the order candidates gives
// them (authenticated, fresh and complete first), under which the model
// accepts the answer. When none is, the request is judged as the first,
// unless the answer is the code of an authentication rule another breaks:
// a failed authentication then, judged for what else it got wrong (a
// strict target must check the protocol first).
func (p *Judging) resolve(obs *model.Observer, req model.Request, u Unknowns, env model.Env, out model.Outcome, account string) model.Request {
	cs := candidates(req, u, env, account)
	if out.Unknown {
		return cs[0]
	}
	for _, c := range cs {
		if model.Judge(obs, c, env).Accepts(out.Code, p.cfg.Strictness) {
			return c
		}
	}
	for _, c := range cs[1:] {
		for _, v := range model.Judge(obs, c, env).Violations {
			if r := v.Rule.Rank(); r >= model.RuleAuthMissing.Rank() && r < model.RuleRateLimit.Rank() && v.Lenient.Has(out.Code) {
				return c
			}
		}
	}
	return cs[0]
}

// candidates are the requests req may have been, given what the exchange
// leaves unknown of it (u), authenticated as account, in the order the
// pipeline tries them: each authentication fact (u.Auth, or the decoded
// one), with a timestamp the target's clock finds fresh, one it finds
// expired and none (when u.Timestamp), with a nonce and without (when
// u.Nonce). Without the target's clock the timestamp window is not judged
// (model.Env.Now), so a timestamp then only needs to be there.
func candidates(req model.Request, u Unknowns, env model.Env, account string) []model.Request {
	auths := u.Auth
	if auths == nil {
		auths = []model.AuthFact{req.Auth}
	}
	stamps := []time.Time{req.Timestamp}
	if u.Timestamp {
		fresh := env.Now
		if fresh.IsZero() {
			fresh = time.Unix(0, 0)
		}
		stamps = []time.Time{fresh}
		if !env.Now.IsZero() {
			stamps = append(stamps, env.Now.Add(-2*model.TimestampWindow))
		}
		stamps = append(stamps, time.Time{})
	}
	nonces := []bool{req.NonceMissing}
	if u.Nonce {
		nonces = []bool{false, true}
	}
	var out []model.Request
	for _, a := range auths {
		for _, ts := range stamps {
			for _, nm := range nonces {
				c := req
				c.Auth, c.Account, c.Timestamp, c.NonceMissing = a, account, ts, nm
				// The other readings of the bytes (ledger L-27) are of the
				// same request: what the exchange leaves unknown is
				// resolved for them alike, so a scrubbed signature is not
				// read as a malformed one by one of them.
				c.Readings = slices.Clone(req.Readings)
				for i := range c.Readings {
					r := &c.Readings[i]
					if u.Auth != nil {
						r.Auth = a
					}
					r.Account, r.Timestamp, r.NonceMissing = account, ts, nm
				}
				out = append(out, c)
			}
		}
	}
	return out
}

// learn gives the instances met before they were seen the zone, charge
// type and disks their first observation shows, keeping the states that
// agree with what was assumed of them (StopChargingEligible: whether a
// STOP_CHARGING stop was accepted depends on it).
func (p *Judging) learn(account string, obs *model.Observer, views []model.View) {
	for _, v := range views {
		if !p.unseen[account][v.ID] {
			continue
		}
		delete(p.unseen[account], v.ID)
		ps := obs.Possible(v.ID)
		var agree, all []model.Instance
		for _, q := range ps {
			r := q
			r.Zone, r.ChargeType, r.SystemDisk, r.LocalDataDisk = v.Zone, v.ChargeType, v.SystemDisk, v.LocalDataDisk
			all = append(all, r)
			if model.StopChargingEligible(r) == model.StopChargingEligible(q) {
				agree = append(agree, r)
			}
		}
		if len(agree) == 0 {
			// Sound before complete: the target's earlier answers cannot
			// be judged again; believe what it shows now.
			agree = all
		}
		obs.Suppose(agree)
	}
}
