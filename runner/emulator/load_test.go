package emulator

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// make load (issue 12): many clients on loopback for a fixed time, each
// owning some instances of one account and stopping, starting and
// describing them as fast as the emulator answers. The documented rate
// limits stay on, so most requests are refused; what must hold:
//
//   - the only error is RequestLimitExceeded: every stop a client sends
//     names its own RUNNING instances, every start its own STOPPED ones;
//   - every accepted stop ends STOPPED (a start of it is accepted only
//     from STOPPED; at the end each instance is in the state, and carries
//     the RequestId, of the last operation accepted on it);
//   - every account still lists exactly its own instances;
//   - memory is flat: the heap after the run is near the heap after the
//     warm-up.
//
// It prints requests per second, p50/p99 latency and the process's RSS
// before and after. make test runs the short version (a second);
// make load runs it for -load.duration.

var (
	loadDuration = flag.Duration("load.duration", 0, "how long TestLoad sends (make load: 30s); 0: one second")
	loadClients  = flag.Int("load.clients", 32, "TestLoad's concurrent clients")
)

const (
	loadAccounts  = 8
	loadInstances = 64 // per account
	loadLatency   = 20 * time.Millisecond
)

// loadFleet is loadAccounts accounts of loadInstances RUNNING instances.
func loadFleet() *FleetFile {
	f := &FleetFile{}
	for a := range loadAccounts {
		acct := Account{Name: fmt.Sprintf("load-%d", a)}
		for i := range loadInstances {
			acct.Instances = append(acct.Instances, FixtureInstance{
				ID: fmt.Sprintf("ins-%02x%06x", a, i), Zone: "ap-guangzhou-3", State: "RUNNING",
				ChargeType: "POSTPAID_BY_HOUR", SystemDisk: Disk{Type: "CLOUD_PREMIUM", Size: 50},
			})
		}
		f.Accounts = append(f.Accounts, acct)
	}
	return f
}

// loadInstance is what a client knows of one of its instances.
type loadInstance struct {
	id      string
	state   model.InstanceState // RUNNING or STOPPED, once settled
	settled time.Time           // when its last accepted operation has surely ended
	lastRID string              // the RequestId of its last accepted operation
}

type loadStats struct {
	requests, accepted, limited int
	latencies                   []time.Duration
	errs                        []string
}

func TestLoad(t *testing.T) {
	t.Parallel()
	d := *loadDuration
	if d == 0 {
		d = time.Second
	}
	rssBefore := rssKB()
	e, err := New(Config{Fleet: loadFleet(), Latency: loadLatency})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Listen("127.0.0.1:0", e)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	clients := max(*loadClients, loadAccounts)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = clients
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	defer tr.CloseIdleConnections()

	// Each client owns a slice of one account's instances.
	perAccount := (clients + loadAccounts - 1) / loadAccounts
	own := make([][]*loadInstance, clients)
	for c := range clients {
		a := c % loadAccounts
		k := c / loadAccounts
		for i := k; i < loadInstances; i += perAccount {
			own[c] = append(own[c], &loadInstance{id: fmt.Sprintf("ins-%02x%06x", a, i), state: model.Running})
		}
	}

	var warmHeap, warmRSS atomic.Uint64
	warm := time.AfterFunc(d/5, func() { warmHeap.Store(heapInUse()); warmRSS.Store(uint64(max(rssKB(), 0))) })
	defer warm.Stop()
	start := time.Now()
	deadline := start.Add(d)
	stats := make([]loadStats, clients)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cred := e.Credentials(fmt.Sprintf("load-%d", c%loadAccounts))
			loadClient(hc, srv.URL, cred, own[c], deadline, rand.New(rand.NewPCG(uint64(c), 12)), &stats[c])
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	heapEnd := heapInUse()
	heapWarm := warmHeap.Load()

	var total loadStats
	for _, s := range stats {
		total.requests += s.requests
		total.accepted += s.accepted
		total.limited += s.limited
		total.latencies = append(total.latencies, s.latencies...)
		total.errs = append(total.errs, s.errs...)
	}
	for _, msg := range total.errs[:min(len(total.errs), 5)] {
		t.Error(msg)
	}
	if len(total.errs) > 5 {
		t.Errorf("… and %d more errors", len(total.errs)-5)
	}

	// The end state: every instance where its last accepted operation
	// left it, every account listing exactly its own.
	time.Sleep(3 * loadLatency)
	want := map[string]*loadInstance{}
	for _, is := range own {
		for _, in := range is {
			want[in.id] = in
		}
	}
	for a := range loadAccounts {
		name := fmt.Sprintf("load-%d", a)
		set := describeAll(t, hc, srv.URL, e.Credentials(name))
		if len(set) != loadInstances {
			t.Errorf("account %s lists %d instances; want %d", name, len(set), loadInstances)
		}
		for _, w := range set {
			in := want[w.InstanceID]
			switch {
			case in == nil || !strings.HasPrefix(w.InstanceID, fmt.Sprintf("ins-%02x", a)):
				t.Errorf("account %s lists %s, which is not its own", name, w.InstanceID)
			case w.InstanceState != string(in.state):
				t.Errorf("%s is %s; its last accepted operation (%s) leaves it %s", in.id, w.InstanceState, in.lastRID, in.state)
			case in.lastRID != "" && str(w.LatestOperationRequestID) != in.lastRID:
				t.Errorf("%s: LatestOperationRequestId %s; the last accepted operation was %s", in.id, str(w.LatestOperationRequestID), in.lastRID)
			}
		}
	}

	// Memory: flat once warm.
	if heapWarm > 0 && heapEnd > 2*heapWarm+(32<<20) {
		t.Errorf("the heap grew from %d MB after the warm-up to %d MB", heapWarm>>20, heapEnd>>20)
	}
	slices.Sort(total.latencies)
	t.Logf("load: %d clients over %d accounts for %v: %d requests, %.0f req/s (%d accepted, %d RequestLimitExceeded); latency p50 %v, p99 %v; heap in use %d MB after the warm-up (%v), %d MB at the end; RSS %s before the emulator started, %s after the warm-up, %s at the end",
		clients, loadAccounts, elapsed.Round(time.Millisecond), total.requests, float64(total.requests)/elapsed.Seconds(),
		total.accepted, total.limited, percentile(total.latencies, 50), percentile(total.latencies, 99),
		heapWarm>>20, d/5, heapEnd>>20, kb(rssBefore), kb(int(warmRSS.Load())), kb(rssKB()))
}

// loadClient sends until the deadline: a stop of a settled RUNNING
// instance, a start of a settled STOPPED one, or a DescribeInstances of
// its own instances or of a page of the account.
func loadClient(hc *http.Client, url string, cred tcapi.Credential, own []*loadInstance, deadline time.Time, r *rand.Rand, s *loadStats) {
	for time.Now().Before(deadline) {
		now := time.Now()
		var ready []*loadInstance
		for _, in := range own {
			if now.After(in.settled) {
				ready = append(ready, in)
			}
		}
		call := tcapi.Call{Action: model.ActionDescribe, Version: model.APIVersion, Region: "ap-guangzhou", Timestamp: now}
		var targets []*loadInstance
		switch n := r.IntN(10); {
		case n < 6 && len(ready) > 0:
			in := ready[r.IntN(len(ready))]
			targets = []*loadInstance{in}
			// Batch the instances settled in the same state.
			for _, o := range ready {
				if o != in && o.state == in.state && len(targets) < 4 {
					targets = append(targets, o)
				}
			}
			var ids []string
			for _, o := range targets {
				ids = append(ids, o.id)
			}
			call.Action = model.ActionStop
			if in.state == model.Stopped {
				call.Action = model.ActionStart
			}
			call.Params = []tcapi.Param{{Name: "InstanceIds", Value: model.Strs(ids...)}}
			if call.Action == model.ActionStop {
				call.Params = append(call.Params, tcapi.Param{Name: "StopType", Value: model.Str("HARD")})
			}
		case n < 8 && len(own) > 0:
			ids := []string{own[r.IntN(len(own))].id}
			call.Params = []tcapi.Param{{Name: "InstanceIds", Value: model.Strs(ids...)}}
		default:
			call.Params = []tcapi.Param{{Name: "Offset", Value: model.Num(r.IntN(loadInstances))}, {Name: "Limit", Value: model.Num(20)}}
		}
		req, err := tcapi.NewRequest(context.Background(), url, call, cred)
		if err != nil {
			s.errs = append(s.errs, err.Error())
			return
		}
		sent := time.Now()
		res, err := hc.Do(req)
		if err != nil {
			s.errs = append(s.errs, fmt.Sprintf("%s: %v", call.Action, err))
			return
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		took := time.Since(sent)
		s.requests++
		s.latencies = append(s.latencies, took)
		if err != nil {
			s.errs = append(s.errs, fmt.Sprintf("%s: reading the answer: %v", call.Action, err))
			return
		}
		ans, err := tcapi.ParseResponse(body)
		switch {
		case err != nil:
			s.errs = append(s.errs, fmt.Sprintf("%s: not an envelope: %v", call.Action, err))
			return
		case ans.Error != nil && ans.Error.Code == model.CodeRequestLimitExceeded:
			s.limited++
		case ans.Error != nil:
			s.errs = append(s.errs, fmt.Sprintf("%s %v: %s: %s (only RequestLimitExceeded may refuse a valid request)", call.Action, call.Params[0].Value, ans.Error.Code, ans.Error.Message))
		default:
			s.accepted++
			for _, in := range targets {
				in.lastRID = ans.RequestID
				in.settled = time.Now().Add(2 * loadLatency)
				if call.Action == model.ActionStop {
					in.state = model.Stopped
				} else {
					in.state = model.Running
				}
			}
		}
	}
}

// describeAll lists every instance of cred's account, page by page.
func describeAll(t *testing.T, hc *http.Client, url string, cred tcapi.Credential) []wireInstance {
	t.Helper()
	var all []wireInstance
	for offset := 0; ; offset += 100 {
		var res tcapi.Response
		for try := 0; ; try++ {
			req, err := tcapi.NewRequest(context.Background(), url, tcapi.Call{Action: model.ActionDescribe, Version: model.APIVersion,
				Region: "ap-guangzhou", Timestamp: time.Now(), Params: []tcapi.Param{{Name: "Offset", Value: model.Num(offset)}, {Name: "Limit", Value: model.Num(100)}}}, cred)
			if err != nil {
				t.Fatal(err)
			}
			r, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(r.Body)
			r.Body.Close()
			if res, err = tcapi.ParseResponse(body); err != nil {
				t.Fatal(err)
			}
			if res.Error == nil || res.Error.Code != model.CodeRequestLimitExceeded || try == 20 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if res.Error != nil {
			t.Fatalf("DescribeInstances: %s: %s", res.Error.Code, res.Error.Message)
		}
		var set []wireInstance
		if err := json.Unmarshal(res.Fields["InstanceSet"], &set); err != nil {
			t.Fatal(err)
		}
		all = append(all, set...)
		if len(set) < 100 {
			return all
		}
	}
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)].Round(time.Microsecond)
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// rssKB is the process's resident set size in kB, from /proc (Linux);
// -1 elsewhere.
func rssKB() int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return -1
}

func kb(n int) string {
	if n < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1024)
}
