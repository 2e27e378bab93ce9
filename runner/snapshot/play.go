package snapshot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
)

// Config says which target a Player records and how the record names it.
type Config struct {
	Target runner.TargetConfig
	// TargetName names the target in a record's header, e.g.
	// "http://127.0.0.1:8080 (embedded emulator)". It must hold no secret.
	TargetName string
	// SettleTimeout bounds how long an operation may take;
	// runner.SettleTimeout(endpoint) if zero.
	SettleTimeout time.Duration
	// Now dates a record; time.Now if nil.
	Now func() time.Time

	_ struct{}
}

// ErrCannotPlay wraps every reason a scenario could not be played at all
// (as opposed to a target that answered differently, which is drift): an
// unreachable target, rejected credentials, a role that cannot be bound,
// an instance that does not settle or cannot be reset. The CLI exits 2 on
// it.
var ErrCannotPlay = errors.New("the scenario could not be played")

// Player plays scenarios against one target and records their normalised
// exchanges. It discovers the fleet once, binds each scenario's roles
// from what it discovered, and after each scenario brings the instances
// it moved back to the state they were bound in. It is not safe for
// concurrent use: scenarios are played one after the other.
type Player struct {
	cfg    Config
	target *runner.Target
	obs    *model.Observer
	fleet  []model.View
}

// NewPlayer connects to the target and discovers its fleet. An error
// wraps ErrCannotPlay.
func NewPlayer(ctx context.Context, cfg Config) (*Player, error) {
	if cfg.SettleTimeout == 0 {
		cfg.SettleTimeout = runner.SettleTimeout(cfg.Target.Endpoint)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	t, err := runner.NewTarget(cfg.Target)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCannotPlay, err)
	}
	p := &Player{cfg: cfg, target: t, obs: model.NewObserver(runner.AccountMain, cfg.Target.Region, model.Lenient)}
	if p.fleet, err = t.Discover(ctx, "snapshot/discovery"); err != nil {
		if xs := t.Transcript().Since(0); len(xs) > 0 && strings.HasPrefix(xs[len(xs)-1].Outcome.Code, "AuthFailure") {
			x := xs[len(xs)-1]
			return nil, fmt.Errorf("%w: the target refused the credentials (%s: %s)", ErrCannotPlay, x.Outcome.Code, x.Response.Error.Message)
		}
		return nil, fmt.Errorf("%w: cannot list the fleet with DescribeInstances: %v", ErrCannotPlay, err)
	}
	for _, v := range p.fleet {
		p.obs.Discover(v)
	}
	return p, nil
}

// Target is the player's target, with the transcript of every exchange.
func (p *Player) Target() *runner.Target { return p.target }

// CanPlay reports, without sending anything, whether sc's roles can all
// be bound in the fleet as discovered: an error wraps ErrCannotPlay and
// ErrUnbound. Check every scenario before playing the first, so that a
// record is not left half made.
func (p *Player) CanPlay(sc *Scenario) error {
	if _, err := bind(sc, p.fleet, p.target.Allowed); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrCannotPlay, sc.Name, err)
	}
	return nil
}

// Play binds sc's roles, plays its steps, records the normalised answers,
// and resets the instances the scenario moved. An error wraps
// ErrCannotPlay (and ErrUnbound when a role cannot be bound); the reset
// is attempted even after a failed step.
func (p *Player) Play(ctx context.Context, sc *Scenario) (rec *Record, err error) {
	b, err := bind(sc, p.fleet, p.target.Allowed)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrCannotPlay, sc.Name, err)
	}
	rec = &Record{Scenario: sc.Name, Title: sc.Title, Source: sc.Source, Target: p.cfg.TargetName,
		Region: p.cfg.Target.Region, Recorded: p.cfg.Now().UTC().Truncate(time.Second), Tool: "cvmconform " + runner.Version,
		Roles: rolesLine(sc), Normalise: normaliseLine(sc.Normalise)}
	norm := NewNormaliser(sc.Normalise, b.labels)
	touched := map[string]bool{}
	defer func() {
		// The reset runs even when ctx was cancelled (an interrupted
		// record must not leave instances stopped), within a bound.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*p.cfg.SettleTimeout)
		defer cancel()
		if rerr := p.reset(rctx, sc, b, touched); rerr != nil && err == nil {
			rec, err = nil, fmt.Errorf("%w: %s: resetting the fleet: %v", ErrCannotPlay, sc.Name, rerr)
		}
	}()
	for i, st := range sc.Steps {
		v, err := p.step(ctx, sc, b, st, norm, touched)
		if err != nil {
			return nil, fmt.Errorf("%w: %s / step %d (%s): %v", ErrCannotPlay, sc.Name, i+1, st.Name, err)
		}
		rec.Steps = append(rec.Steps, StepRecord{Name: st.Name, Request: st.Summary(), Response: v})
	}
	return rec, nil
}

func (p *Player) step(ctx context.Context, sc *Scenario, b binding, st Step, norm *Normaliser, touched map[string]bool) (any, error) {
	call, err := b.call(st)
	if err != nil {
		return nil, err
	}
	if st.Action == model.ActionStop || st.Action == model.ActionStart {
		for _, id := range b.instancesOf(call) {
			touched[id] = true
		}
	}
	send := runner.Send{Check: "snapshot/" + sc.Name, Call: call, ExactStyle: true}
	var v any
	if st.Burst > 1 {
		v, err = p.burst(ctx, send, st.Burst, norm)
	} else {
		v, err = p.one(ctx, send, st, norm)
	}
	if err != nil {
		return nil, err
	}
	if len(st.Settle) > 0 {
		var ids []string
		for _, r := range st.Settle {
			ids = append(ids, b.ids[r]...)
		}
		if err := p.settle(ctx, sc, ids); err != nil {
			return nil, err
		}
	}
	return canonical(v)
}

// one sends one request and normalises its answer.
func (p *Player) one(ctx context.Context, send runner.Send, st Step, norm *Normaliser) (any, error) {
	x, err := p.target.Do(ctx, send)
	if err != nil {
		return nil, err
	}
	p.observe(x)
	switch {
	case x.Err != nil:
		return map[string]any{"NoAnswer": "no answer in time: the outcome is unknown"}, nil
	case x.ParseErr != nil:
		return notEnvelope(x, norm), nil
	}
	v, err := norm.Response(st.Action, []byte(x.RawResponse), st.Accept)
	if err != nil {
		return notEnvelope(x, norm), nil
	}
	if x.Status != 200 {
		v.(map[string]any)["HTTPStatus"] = x.Status
	}
	return v, nil
}

// notEnvelope records an answer that is not a TencentCloud envelope: its
// status and the start of its body, normalised as text.
func notEnvelope(x *runner.Exchange, norm *Normaliser) any {
	body := []rune(x.RawResponse)
	if len(body) > 200 {
		body = append(body[:200], '…')
	}
	return map[string]any{"HTTPStatus": x.Status, "NotAnEnvelope": norm.text(string(body))}
}

// burst sends n copies of a request at once, outside the pacer, and
// records how many ended in each outcome. The StopInstances window is
// emptied before (so the burst alone decides the counts) and after (so
// the paced traffic that follows is not limited).
func (p *Player) burst(ctx context.Context, send runner.Send, n int, norm *Normaliser) (any, error) {
	action := send.Call.Action
	p.target.Pacer().Rest(action)
	if err := p.target.Pacer().Wait(ctx, action); err != nil {
		return nil, err
	}
	defer p.target.Pacer().Rest(action)
	send.Unpaced = true
	xs := make([]*runner.Exchange, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range xs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			xs[i], errs[i] = p.target.Do(ctx, send)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	type tally struct {
		count    int
		messages map[string]bool
	}
	outcomes := map[string]*tally{}
	for _, x := range xs {
		p.observe(x)
		key, msg, hasMsg := "(no answer)", "", false
		switch {
		case x.Err != nil:
		case x.ParseErr != nil:
			key = "(not an envelope)"
		default:
			code, m, has, err := norm.outcome([]byte(x.RawResponse))
			switch {
			case err != nil:
				key = "(not an envelope)"
			case code == "":
				key = "(success)"
			default:
				key, msg, hasMsg = code, m, has
			}
		}
		t := outcomes[key]
		if t == nil {
			t = &tally{messages: map[string]bool{}}
			outcomes[key] = t
		}
		t.count++
		if hasMsg {
			t.messages[msg] = true
		}
	}
	shape := map[string]any{}
	for key, t := range outcomes {
		o := map[string]any{"Count": t.count}
		if len(t.messages) > 0 {
			msgs := make([]string, 0, len(t.messages))
			for m := range t.messages {
				msgs = append(msgs, m)
			}
			slices.Sort(msgs)
			o["Messages"] = msgs
		}
		shape[key] = o
	}
	return map[string]any{"Burst": map[string]any{"Requests": n, "Outcomes": shape}}, nil
}

func (p *Player) observe(x *runner.Exchange) {
	p.obs.Exchange(x.Request, model.Env{Now: x.Sent, Limited: model.Maybe}, x.Outcome)
}

// settle waits until the instances are stable.
func (p *Player) settle(ctx context.Context, sc *Scenario, ids []string) error {
	res, err := p.target.Settle(ctx, "snapshot/"+sc.Name, p.obs, ids, p.cfg.SettleTimeout)
	if err != nil {
		return err
	}
	if len(res.Unsettled) > 0 {
		return fmt.Errorf("%s still in flight after %s", strings.Join(res.Unsettled, ", "), p.cfg.SettleTimeout)
	}
	return nil
}

// reset brings every instance the scenario may have moved back to the
// state it was bound in (runner.Target.Restore, the run's mechanism too):
// it starts again those that were RUNNING and stops again (StopType HARD)
// those that were STOPPED.
func (p *Player) reset(ctx context.Context, sc *Scenario, b binding, touched map[string]bool) error {
	if len(touched) == 0 {
		return nil
	}
	want := map[string]model.InstanceState{}
	for id := range touched {
		want[id] = b.want[id]
	}
	left, err := p.target.Restore(ctx, runner.Restore{Check: "snapshot/" + sc.Name + "/reset", Want: want,
		Settle: p.cfg.SettleTimeout, Obs: p.obs})
	if err != nil {
		return err
	}
	if len(left) > 0 {
		var parts []string
		for _, l := range left {
			parts = append(parts, l.String())
		}
		return fmt.Errorf("not back in the state they were bound in: %s", strings.Join(parts, "; "))
	}
	return nil
}

// canonical gives v the types a record read back from text has
// (map[string]any, []any, string, json.Number, bool, nil), so that a
// fresh record and a stored one compare equal when they read the same.
func canonical(v any) (any, error) {
	b, err := marshal(v, "")
	if err != nil {
		return nil, err
	}
	return decodeJSON(b)
}

// normaliseLine renders a scenario's normalisation for a record's header.
func normaliseLine(n Normalisation) string {
	var parts []string
	if len(n.Exclude) > 0 {
		parts = append(parts, "exclude "+strings.Join(n.Exclude, ", "))
	}
	if len(n.Keep) > 0 {
		parts = append(parts, "keep "+strings.Join(n.Keep, ", "))
	}
	if n.TotalCount {
		parts = append(parts, "keep TotalCount")
	}
	if len(parts) == 0 {
		return "defaults"
	}
	return strings.Join(parts, "; ")
}

// marshal encodes v as JSON with sorted keys, without HTML escaping (so
// that "<request-1>" stays readable), indented by indent unless "".
func marshal(v any, indent string) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if indent != "" {
		enc.SetIndent("", indent)
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(b.String(), "\n")), nil
}
