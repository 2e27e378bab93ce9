package passive

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// ProxyConfig configures a Proxy.
type ProxyConfig struct {
	// Upstream is the target's base URL, e.g. "http://127.0.0.1:8080" or
	// "https://cvm.tencentcloudapi.com".
	Upstream string
	// Judge is how the traffic is judged. Its Keys, when set, verify the
	// clients' signatures.
	Judge Config
	// Resign, when not nil, holds the keys the clients sign with: a
	// request that verifies with them (for the Host the client addressed,
	// the proxy's) is signed again, with the same key, for the upstream's
	// host, and sent with that Host. A request that does not verify is
	// sent as it came, with the upstream's Host, for the target to
	// refuse. Without Resign every request is forwarded unchanged, Host
	// included, so the client's signature stays valid for the Host it
	// signed: enough for any target that does not insist on being
	// addressed by its own name, which the real cloud does.
	Resign tcapi.KeyMap
	// Client sends the requests upstream; nil for one that follows no
	// redirect, adds no compression of its own and gives up after a
	// minute.
	Client *http.Client
	// OnFinding is told of each finding as it is found, in order; it runs
	// with the proxy's judge locked, so it should be quick.
	OnFinding func(Finding)
	// Transcript, when set, receives every exchange as a transcript line
	// (see WriteTranscript), redacted, as it completes.
	Transcript io.Writer

	_ struct{}
}

// Proxy is a reverse proxy to one target that judges every exchange it
// forwards: an http.Handler. Each answer goes back to the client after
// the exchange is judged, so a client that waits for its answers sees the
// findings of its own requests before it goes on. It is safe for
// concurrent use.
type Proxy struct {
	cfg      ProxyConfig
	upstream *url.URL
	client   *http.Client

	mu       sync.Mutex
	judge    *Judge
	inflight map[*Exchange]bool
	done     []*Exchange // completed exchanges that may still overlap one in flight
	seq      int
	tw       *transcriptWriter
	twErr    error
	// unanswered counts the exchanges upstream never answered, judged
	// the ones the judge counted as judged, and unansweredWhy is the
	// first one's error (see Result.Unanswered).
	unanswered, unansweredJudged int
	unansweredWhy                string
}

// NewProxy returns a proxy for cfg. It fails when Upstream is not an
// http(s) URL, or the transcript header cannot be written.
func NewProxy(cfg ProxyConfig) (*Proxy, error) {
	u, err := url.Parse(cfg.Upstream)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("upstream %q is not an http(s) URL", cfg.Upstream)
	}
	p := &Proxy{cfg: cfg, upstream: u, client: cfg.Client, inflight: map[*Exchange]bool{},
		judge: NewJudge(cfg.Judge, u.Redacted(), FormatLive, false)}
	if p.client == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DisableCompression = true
		p.client = &http.Client{Transport: t, Timeout: time.Minute,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if cfg.Transcript != nil {
		if p.tw, err = newTranscriptWriter(cfg.Transcript); err == nil {
			err = p.tw.flush()
		}
		if err != nil {
			return nil, fmt.Errorf("transcript: %w", err)
		}
	}
	return p, nil
}

// Result returns how the traffic so far was judged (see Judge.Result).
func (p *Proxy) Result() *Result {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.judge.Result()
	r.Judged -= p.unansweredJudged
	r.Unanswered, r.UnansweredWhy = p.unanswered, p.unansweredWhy
	return r
}

// TranscriptErr is the first error writing the transcript, if any.
func (p *Proxy) TranscriptErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.twErr
}

// hopHeaders are the hop-by-hop headers (RFC 9110 §7.6.1) a proxy does
// not forward.
var hopHeaders = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// ServeHTTP forwards one request upstream, judges the exchange, and
// answers the client with what upstream answered. When upstream cannot be
// reached the client gets 502 and the exchange has no answer. CONNECT is
// refused (405): this is a reverse proxy, not a forward one.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		http.Error(w, "cvmconform proxy is a reverse proxy: set the client's endpoint to it, not its HTTP(S) proxy", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, tcapi.DefaultLimits().ReadLimit()))
	if err != nil {
		http.Error(w, "cvmconform proxy: reading the request: "+err.Error(), http.StatusBadRequest)
		return
	}
	out, x := p.outgoing(r, body)
	p.mu.Lock()
	p.inflight[x] = true
	p.mu.Unlock()

	res, err := p.client.Do(out)
	var rb []byte
	if err == nil {
		rb, err = io.ReadAll(io.LimitReader(res.Body, 64<<20))
		res.Body.Close()
	}
	x.Received = time.Now()
	if err != nil {
		x.Err = err.Error()
	} else {
		x.Answered, x.Status, x.ResponseHeader = true, res.StatusCode, res.Header.Clone()
		x.Response = decodeBody(res.Header, rb)
	}
	p.judgeOne(x)

	if err != nil {
		http.Error(w, "cvmconform proxy: upstream: "+err.Error(), http.StatusBadGateway)
		return
	}
	h := w.Header()
	for k, vs := range res.Header {
		h[k] = vs
	}
	for _, k := range hopHeaders {
		h.Del(k)
	}
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(rb) // a failed write means the client has gone
}

// outgoing builds the request to send upstream and the exchange as the
// target will see it.
func (p *Proxy) outgoing(r *http.Request, body []byte) (*http.Request, *Exchange) {
	u := *p.upstream
	u.Path = strings.TrimSuffix(p.upstream.Path, "/") + r.URL.Path
	u.RawPath = ""
	if p.upstream.Path == "" || p.upstream.Path == "/" {
		u.Path, u.RawPath = r.URL.Path, r.URL.RawPath
	}
	u.RawQuery = r.URL.RawQuery
	h := r.Header.Clone()
	for _, k := range hopHeaders {
		h.Del(k)
	}
	if _, ok := h["User-Agent"]; !ok {
		h["User-Agent"] = []string{""} // send none, not Go's
	}
	host := r.Host
	if p.cfg.Resign != nil {
		host = p.upstream.Host
		if rs, ok := resign(r, body, p.cfg.Resign, host); ok {
			if rs.authorization != "" {
				h.Set("Authorization", rs.authorization)
			}
			u.RawQuery, body = rs.query, rs.body
		}
	}
	out, _ := http.NewRequestWithContext(r.Context(), r.Method, u.String(), bytes.NewReader(body))
	if out == nil {
		out = &http.Request{Method: r.Method, URL: &u, Header: http.Header{}}
	}
	out.Header, out.Host, out.ContentLength = h, host, int64(len(body))
	if len(body) == 0 && r.ContentLength <= 0 && r.Method != http.MethodPost {
		out.Body, out.ContentLength = http.NoBody, 0
	}
	x := &Exchange{Method: r.Method, URL: out.URL.String(), Host: host, Header: h.Clone(), Body: body,
		Sent: time.Now(), Timing: TimingExact}
	x.Header.Del("User-Agent")
	if ua := r.Header.Get("User-Agent"); ua != "" {
		x.Header.Set("User-Agent", ua)
	}
	return out, x
}

// judgeOne judges a completed exchange against those that overlapped it,
// tells OnFinding, and writes the transcript line.
func (p *Proxy) judgeOne(x *Exchange) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.inflight, x)
	p.seq++
	x.Index = p.seq
	var concurrent []*Exchange
	cutoff := x.Sent
	for y := range p.inflight {
		concurrent = append(concurrent, y)
		if y.Sent.Before(cutoff) {
			cutoff = y.Sent
		}
	}
	kept := p.done[:0]
	for _, y := range p.done {
		if y.Received.After(x.Sent) {
			concurrent = append(concurrent, y)
		}
		if y.Received.After(cutoff) {
			kept = append(kept, y)
		}
	}
	p.done = append(kept, x)
	judged := p.judge.res.Judged
	findings := p.judge.Add(x, concurrent)
	if !x.Answered {
		// The model still learns that the request may have happened; the
		// exchange is not counted as judged.
		p.unanswered++
		p.unansweredJudged += p.judge.res.Judged - judged
		if p.unansweredWhy == "" {
			p.unansweredWhy = x.Err
		}
	}
	for _, f := range findings {
		if p.cfg.OnFinding != nil {
			p.cfg.OnFinding(f)
		}
	}
	if p.tw != nil && p.twErr == nil {
		p.twErr = p.tw.writeExchange(x.Index, x)
	}
}
