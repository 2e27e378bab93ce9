package passive

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/cvmconform/cvmconform/model"
)

// Format names the kind of recording exchanges were read from.
type Format string

// The formats Read recognises, and the proxy's live traffic.
const (
	FormatVCRPy      Format = "vcrpy cassette"
	FormatGoVCR1     Format = "go-vcr cassette (version 1)"
	FormatGoVCR2     Format = "go-vcr cassette (version 2)"
	FormatHAR        Format = "HAR 1.2"
	FormatTranscript Format = "cvmconform transcript"
	FormatLive       Format = "live traffic"
)

// Timing says how an exchange's times are known.
type Timing uint8

// The timings, from least to most exact.
const (
	// TimingNone: the recording has no times.
	TimingNone Timing = iota
	// TimingDate: from the answer's Date header, in whole seconds. The
	// request arrived before Date+1s and, unless the round trip took
	// longer than the recorded duration (1 s when none is recorded),
	// after Date minus that duration.
	TimingDate
	// TimingExact: the client's own send and receipt times (HAR, a
	// transcript, the proxy).
	TimingExact
)

// Exchange is one recorded request and the answer to it, as any format
// holds it: the common ground of cassettes, HAR files, transcripts and the
// proxy.
type Exchange struct {
	// Index is the exchange's position in its recording, from 1.
	Index int

	Method string
	URL    string // absolute: scheme, host, path and query as sent
	// Host is the Host header the request was sent with; "" for the
	// URL's host.
	Host   string
	Header http.Header
	Body   []byte

	// Answered is false when no answer arrived; Err then says why, if the
	// recording does.
	Answered       bool
	Status         int
	ResponseHeader http.Header
	Response       []byte // the body, decompressed
	Err            string

	// Sent and Received bound the time the target received the request
	// (see Timing for how exactly); zero with TimingNone.
	Sent, Received time.Time
	Timing         Timing
	// Date is the answer's Date header, the target's own clock; zero when
	// there is none.
	Date time.Time

	// Check is the check that sent the request, in a run's transcript.
	Check string
	// Auth, when not nil, is the authentication fact the sender recorded:
	// a run verifies its own requests with its own keys, so its
	// transcript says whether a signature was deliberately broken. Nil:
	// the judge finds out what it can.
	Auth *model.AuthFact

	_ struct{}
}

// host is the Host the request was sent with.
func (x *Exchange) host() string {
	if x.Host != "" {
		return x.Host
	}
	if i := strings.Index(x.URL, "://"); i >= 0 {
		rest := x.URL[i+3:]
		if j := strings.IndexAny(rest, "/?#"); j >= 0 {
			rest = rest[:j]
		}
		return rest
	}
	return ""
}

// Recording is the exchanges of one recording, in the order it holds them.
type Recording struct {
	Name      string // the file, as given
	Format    Format
	Exchanges []*Exchange
	// Scrubbed says the recorder may have removed or replaced the
	// headers and parameters that carry credentials or the time, as
	// cassette and HAR recorders are commonly told to: a missing or
	// garbled Authorization, a missing timestamp, token or nonce then
	// proves nothing (see unknownOf).
	Scrubbed bool

	_ struct{}
}

// ErrUnknownFormat is the error of Read for content in no format it
// knows.
var ErrUnknownFormat = errors.New("not a recording cvmconform reads: want a vcrpy or go-vcr cassette (YAML or JSON), a HAR 1.2 file, or a transcript of 'cvmconform run --transcript'")

// Read reads a recording, detecting its format by content, in this
// order: a transcript (its first line is the transcript header); a JSON
// object with "log" (HAR 1.2); a JSON or YAML document with "interactions"
// (a cassette: vcrpy's when its requests have "uri", go-vcr's when they
// have "url", its "version" telling go-vcr's two layouts apart). name
// labels the recording and its errors.
func Read(name string, data []byte) (*Recording, error) {
	rec, err := readAny(name, data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for i, x := range rec.Exchanges {
		x.Index = i + 1
	}
	return rec, nil
}

// ReadFile reads the recording at path (see Read).
func ReadFile(path string) (*Recording, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Read(path, b)
}

func readAny(name string, data []byte) (*Recording, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("empty file")
	}
	if isTranscript(trimmed) {
		return readTranscript(name, trimmed)
	}
	if trimmed[0] == '{' {
		var top map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &top); err == nil {
			if _, ok := top["log"]; ok {
				return readHAR(name, trimmed)
			}
		}
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		if trimmed[0] == '{' || trimmed[0] == '[' {
			return nil, ErrUnknownFormat
		}
		return nil, fmt.Errorf("%w (%v)", ErrUnknownFormat, firstLine(err.Error()))
	}
	if _, ok := doc["interactions"]; ok {
		return readCassette(name, doc)
	}
	return nil, ErrUnknownFormat
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// decodeBody returns a response body as the client read it: a body a
// recorder kept compressed (gzip, with its magic number) is
// decompressed; anything else is returned as it is.
func decodeBody(h http.Header, body []byte) []byte {
	if !strings.Contains(strings.ToLower(h.Get("Content-Encoding")), "gzip") || !bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
		return body
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return body
	}
	out, err := io.ReadAll(io.LimitReader(zr, 64<<20))
	if err != nil {
		return body
	}
	return out
}

// dateTiming fills an exchange's times from the Date header of its
// answer and the round trip d a recorder measured (0 when none): see
// TimingDate.
func dateTiming(x *Exchange, d time.Duration) {
	date, err := http.ParseTime(x.ResponseHeader.Get("Date"))
	if err != nil {
		return
	}
	x.Date = date
	if d <= 0 {
		d = time.Second
	}
	x.Sent, x.Received, x.Timing = date.Add(-d), date.Add(time.Second), TimingDate
}
