package main

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// targetFlags are the flags `run` and `snapshot record|verify` share: what
// to check, and which of its instances may be stopped and started.
type targetFlags struct {
	endpoint, region, instances *string
	all                         *bool
	rate                        *int
	settle                      *time.Duration
	variants                    variantFlags
	faults                      faultFlags
	seed                        *uint64 // the run's --seed, which also seeds the embedded emulator
}

// addTargetFlags registers the target flags; actor says who stops
// instances ("the suite", "the scenarios") in the help.
func addTargetFlags(fs *flag.FlagSet, actor string) *targetFlags {
	tf := &targetFlags{
		endpoint:  fs.String("endpoint", "", "target `URL` (e.g. http://127.0.0.1:8080), or \"tencentcloud\" / \"tencentcloud-intl\" for the real cloud's host for --region; default: the embedded emulator"),
		region:    fs.String("region", "", "region `REGION` (default $TENCENTCLOUD_REGION, else ap-guangzhou)"),
		instances: fs.String("instances", "", "comma-separated instance `IDs` "+actor+" may stop and start"),
		all:       fs.Bool("all-instances", false, "let "+actor+" stop and start every discovered instance (targets on this machine only)"),
		rate:      fs.Int("rate-limit", model.RateLimit(model.ActionStop), "the StopInstances limit per second `N` the target is expected to enforce; ordinary requests are paced under it"),
		settle: fs.Duration("settle-timeout", 0, "how long an operation (STOPPING, STARTING) may take before it counts as stuck, `D` (e.g. 5m); the API gives no bound. "+
			"Default: 90s on this machine, 10m elsewhere. The first operation past it fails once; later checks that need a transition skip at once"),
	}
	fs.Var(&tf.variants, "variant", "embedded emulator only: answer another defensible way, `NAME=CHOICE,…`, random[:SEED], lenient or strict (see 'cvmconform emulate --list-variants'); how 'cvmconform selftest' replays")
	fs.Var(&tf.faults, "fault", "embedded emulator only: break one rule, a fault `NAME` from 'cvmconform emulate --list-faults' (repeatable); how 'cvmconform selftest' replays")
	return tf
}

// target is a resolved target: its configuration, how reports name it,
// the flags that name it again in a replay command, and what to close.
type target struct {
	cfg      runner.TargetConfig
	name     string // e.g. "the embedded emulator" or the endpoint URL
	url      string
	embedded bool
	replay   []string
	settle   time.Duration // --settle-timeout; 0 for the target's default
	close    func()
}

// resolve checks the flags and builds the target, starting the embedded
// emulator when no endpoint is given. It refuses, before any request, a
// target that is not on this machine unless --instances names what may be
// stopped: the suite stops real machines. An error is a usage error.
func (c cli) resolve(tf *targetFlags, actor string) (target, error) {
	t := target{close: func() {}}
	region := *tf.region
	if region == "" {
		region = c.getenv("TENCENTCLOUD_REGION")
	}
	if region == "" {
		region = "ap-guangzhou"
	}
	switch {
	case !model.KnownRegion(region):
		return t, fmt.Errorf("--region %q is not a region the SDK lists (%s)", region, strings.Join(model.Regions, ", "))
	case *tf.rate <= 0:
		return t, errors.New("--rate-limit must be positive")
	case *tf.settle < 0:
		return t, errors.New("--settle-timeout must not be negative")
	}
	t.settle = *tf.settle
	t.cfg = runner.TargetConfig{Region: region, StopRateLimit: *tf.rate}
	if *tf.rate != model.RateLimit(model.ActionStop) {
		t.replay = append(t.replay, "--rate-limit", strconv.Itoa(*tf.rate))
	}
	if t.settle != 0 {
		t.replay = append(t.replay, "--settle-timeout", t.settle.String())
	}
	if *tf.endpoint == "" {
		if *tf.instances != "" || *tf.all {
			return t, errors.New("--instances and --all-instances are for an --endpoint; every instance of the embedded emulator may be stopped")
		}
		choices, err := tf.variants.choices()
		if err != nil {
			return t, fmt.Errorf("--variant: %w", err)
		}
		var seed uint64
		if tf.seed != nil {
			seed = *tf.seed
		}
		emu, err := emulator.StartEmbedded(emulator.EmbeddedOptions{Latency: embeddedLatency, RateLimit: *tf.rate,
			Variants: choices, Faults: tf.faults, Seed: seed})
		if err != nil {
			return t, fmt.Errorf("starting the embedded emulator: %w", err)
		}
		t.cfg.Endpoint, t.cfg.Cred, t.cfg.Cred2, t.cfg.Lanes = emu.URL, emu.Cred, emu.Cred2, emu.Lanes
		t.cfg.Allowed = func(string) bool { return true }
		t.name, t.url, t.embedded = "the embedded emulator", emu.URL, true
		for _, v := range tf.variants {
			t.replay = append(t.replay, "--variant", v)
		}
		for _, f := range tf.faults {
			t.replay = append(t.replay, "--fault", f)
		}
		t.close = func() { emu.Close() }
		return t, nil
	}
	if len(tf.variants) > 0 || len(tf.faults) > 0 {
		return t, errors.New("--variant and --fault change the embedded emulator; for another endpoint, start 'cvmconform emulate --variant … --fault …' and point --endpoint at it")
	}
	endpoint, err := runner.ResolveEndpoint(*tf.endpoint, region)
	if err != nil {
		return t, err
	}
	t.cfg.Endpoint, t.url, t.name = endpoint, endpoint, endpoint
	if u, err := url.Parse(endpoint); err == nil {
		t.name = u.Redacted() // a report names its target, never a password
	}
	t.replay = append([]string{"--endpoint", *tf.endpoint, "--region", region}, t.replay...)
	t.cfg.Cred = c.envCredential()
	if t.cfg.Cred.SecretID == "" || t.cfg.Cred.SecretKey == "" {
		return t, errors.New("set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY to the target's credentials")
	}
	t.cfg.Cred2 = tcapi.Credential{SecretID: c.getenv("TENCENTCLOUD_SECRET_ID_2"), SecretKey: c.getenv("TENCENTCLOUD_SECRET_KEY_2")}
	// Lanes: further accounts of the same target, _3, _4, … (as
	// 'cvmconform emulate' prints them), over which the run spreads its
	// checks; the first pair missing ends the list.
	for n := 3; ; n++ {
		id, key := c.getenv(fmt.Sprintf("TENCENTCLOUD_SECRET_ID_%d", n)), c.getenv(fmt.Sprintf("TENCENTCLOUD_SECRET_KEY_%d", n))
		if id == "" || key == "" {
			break
		}
		t.cfg.Lanes = append(t.cfg.Lanes, tcapi.Credential{SecretID: id, SecretKey: key})
	}
	switch ids := splitList(*tf.instances); {
	case len(ids) > 0 && *tf.all:
		return t, errors.New("give --instances or --all-instances, not both")
	case len(ids) > 0:
		for _, id := range ids {
			if !model.ValidInstanceID(id) {
				return t, fmt.Errorf("--instances: %q is not an instance ID (ins-xxxxxxxx)", id)
			}
		}
		t.cfg.Allowed = func(id string) bool { return slices.Contains(ids, id) }
		t.replay = append(t.replay, "--instances", *tf.instances)
	case *tf.all && runner.Loopback(endpoint):
		t.cfg.Allowed = func(string) bool { return true }
		t.replay = append(t.replay, "--all-instances")
	case *tf.all:
		return t, fmt.Errorf("--all-instances is only for a target on this machine; %s is not: name the instances %s may stop with --instances", t.name, actor)
	case runner.Loopback(endpoint):
		return t, fmt.Errorf("name the instances %s may stop and start with --instances, or allow all of them with --all-instances", actor)
	default:
		return t, fmt.Errorf("%s is not on this machine, and stopping instances there needs an allow-list: name the instances %s may stop and start with --instances", t.name, actor)
	}
	return t, nil
}

// envCredential is the main account's credential in the environment:
// TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY, with
// TENCENTCLOUD_SESSION_TOKEN for temporary credentials.
func (c cli) envCredential() tcapi.Credential {
	return tcapi.Credential{SecretID: c.getenv("TENCENTCLOUD_SECRET_ID"), SecretKey: c.getenv("TENCENTCLOUD_SECRET_KEY"),
		Token: c.getenv("TENCENTCLOUD_SESSION_TOKEN")}
}
