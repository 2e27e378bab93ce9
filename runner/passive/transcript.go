package passive

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
)

// The transcript format: what `cvmconform run --transcript FILE` and
// `cvmconform proxy --transcript FILE` write, so that traffic can be
// judged again after a model change. JSON lines, UTF-8: a header line,
//
//	{"format":"cvmconform-transcript","version":1}
//
// then one exchange a line, in the order they were recorded (a run's:
// when each answer arrived):
//
//	{"seq": 1,                      position, from 1
//	 "check": "SI-BATCH-02",        the check that sent it (a run's)
//	 "method": "POST", "url": "http://127.0.0.1:8080/", "host": "127.0.0.1:8080",
//	 "headers": ["Authorization: TC3-HMAC-SHA256 Credential=AKID…r5wM/…, Signature=(redacted)", …],
//	 "body": "{\"InstanceIds\":[…]}",  or "body_base64" when not UTF-8
//	 "auth": "ok",                  the sender's own reading of the request's
//	                                authentication: ok, missing, malformed,
//	                                unknown-secret-id, bad-signature, bad-token
//	 "sent": "2026-…Z", "received": "2026-…Z",   RFC 3339, nanoseconds
//	 "status": 200, "response": "{\"Response\":…}",  or "response_base64"
//	 "error": "…"}                  instead of status and response: no answer
//
// Secrets are redacted as in reports (runner.Exchange): the TC3
// signature and X-TC-Token replaced, the SecretId masked (AKID…r5wM), and a
// v1 request's Signature and Token replaced and SecretId masked in its
// URL and body. A signature can therefore not be verified again; "auth"
// keeps what the sender found. Members may be added; none will be renamed.

const transcriptFormat = "cvmconform-transcript"

type transcriptHeader struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
}

type transcriptLine struct {
	Seq        int       `json:"seq"`
	Check      string    `json:"check,omitempty"`
	Method     string    `json:"method"`
	URL        string    `json:"url"`
	Host       string    `json:"host,omitempty"`
	Headers    []string  `json:"headers"`
	Body       string    `json:"body,omitempty"`
	Body64     string    `json:"body_base64,omitempty"`
	Auth       string    `json:"auth,omitempty"`
	Sent       time.Time `json:"sent"`
	Received   time.Time `json:"received"`
	Status     int       `json:"status,omitempty"`
	Response   string    `json:"response,omitempty"`
	Response64 string    `json:"response_base64,omitempty"`
	Error      string    `json:"error,omitempty"`
}

// authNames are the transcript's names of the authentication facts.
var authNames = map[model.AuthFact]string{
	model.AuthOK: "ok", model.AuthMissing: "missing", model.AuthMalformed: "malformed",
	model.AuthUnknownSecretID: "unknown-secret-id", model.AuthBadSignature: "bad-signature", model.AuthBadToken: "bad-token",
}

// WriteTranscript writes the exchanges of a run as a transcript (see the
// format above), redacted as the run's reports are. It writes the header
// even for no exchanges; an error is the writer's.
func WriteTranscript(w io.Writer, xs []*runner.Exchange) error {
	tw, err := newTranscriptWriter(w)
	if err != nil {
		return err
	}
	for i, x := range xs {
		l := transcriptLine{Seq: x.Seq, Check: x.Check, Method: x.Method, URL: x.URL, Host: x.Host,
			Headers: x.Headers, Auth: authNames[x.Request.Auth], Sent: x.Sent, Received: x.Received}
		if l.Seq == 0 {
			l.Seq = i + 1
		}
		l.Body, l.Body64 = textOr64([]byte(x.Body))
		if x.Err != nil {
			l.Error = x.Err.Error()
		} else {
			l.Status = x.Status
			l.Response, l.Response64 = textOr64([]byte(x.RawResponse))
		}
		if err := tw.write(l); err != nil {
			return err
		}
	}
	return tw.flush()
}

// transcriptWriter writes a transcript line by line.
type transcriptWriter struct {
	bw *bufio.Writer
}

func newTranscriptWriter(w io.Writer) (*transcriptWriter, error) {
	tw := &transcriptWriter{bw: bufio.NewWriter(w)}
	if err := tw.encode(transcriptHeader{Format: transcriptFormat, Version: 1}); err != nil {
		return nil, err
	}
	return tw, nil
}

func (tw *transcriptWriter) encode(v any) error {
	enc := json.NewEncoder(tw.bw)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func (tw *transcriptWriter) write(l transcriptLine) error { return tw.encode(l) }

func (tw *transcriptWriter) flush() error { return tw.bw.Flush() }

// writeExchange writes one of the proxy's exchanges, redacted, and
// flushes it.
func (tw *transcriptWriter) writeExchange(seq int, x *Exchange) error {
	h := x.Header.Clone()
	if x.Host != "" {
		h.Del("Host")
	}
	l := transcriptLine{Seq: seq, Method: x.Method, URL: redactURL(x.URL), Host: x.Host, Headers: runner.RedactHeaders(h),
		Sent: x.Sent, Received: x.Received}
	l.Body, l.Body64 = textOr64(redactBody(x.Header.Get("Content-Type"), x.Body))
	if x.Answered {
		l.Status = x.Status
		l.Response, l.Response64 = textOr64(x.Response)
	} else {
		l.Error = x.Err
		if l.Error == "" {
			l.Error = "no answer"
		}
	}
	if err := tw.write(l); err != nil {
		return err
	}
	return tw.flush()
}

func textOr64(b []byte) (string, string) {
	if utf8.Valid(b) {
		return string(b), ""
	}
	return "", base64.StdEncoding.EncodeToString(b)
}

// isTranscript reports whether data starts with the transcript header.
func isTranscript(data []byte) bool {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	var h transcriptHeader
	return json.Unmarshal(first, &h) == nil && h.Format == transcriptFormat
}

func readTranscript(name string, data []byte) (*Recording, error) {
	rec := &Recording{Name: name, Format: FormatTranscript}
	r := bufio.NewReader(bytes.NewReader(data))
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 && n > 1 {
			x, perr := transcriptExchange(line)
			if perr != nil {
				return nil, fmt.Errorf("line %d: %w", n, perr)
			}
			rec.Exchanges = append(rec.Exchanges, x)
		} else if n == 1 {
			var h transcriptHeader
			if jerr := json.Unmarshal(line, &h); jerr != nil || h.Version != 1 {
				return nil, fmt.Errorf("line 1: transcript version %d; this cvmconform reads version 1", h.Version)
			}
		}
		if errors.Is(err, io.EOF) {
			return rec, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func transcriptExchange(line []byte) (*Exchange, error) {
	var l transcriptLine
	if err := json.Unmarshal(line, &l); err != nil {
		return nil, err
	}
	x := &Exchange{Method: l.Method, URL: l.URL, Host: l.Host, Header: http.Header{}, Check: l.Check,
		Sent: l.Sent, Received: l.Received, Err: l.Error}
	if x.Method == "" || x.URL == "" {
		return nil, errors.New("no method or url")
	}
	if !x.Sent.IsZero() {
		x.Timing = TimingExact
	}
	for _, h := range l.Headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			return nil, fmt.Errorf("header %q is not Name: value", h)
		}
		x.Header.Add(k, strings.TrimSpace(v))
	}
	var err error
	if x.Body, err = fromTextOr64(l.Body, l.Body64); err != nil {
		return nil, fmt.Errorf("body_base64: %w", err)
	}
	if l.Error == "" {
		x.Answered, x.Status = true, l.Status
		if x.Response, err = fromTextOr64(l.Response, l.Response64); err != nil {
			return nil, fmt.Errorf("response_base64: %w", err)
		}
	}
	if l.Auth != "" {
		for f, name := range authNames {
			if name == l.Auth {
				x.Auth = &f
			}
		}
		if x.Auth == nil {
			return nil, fmt.Errorf("auth %q is not one of ok, missing, malformed, unknown-secret-id, bad-signature, bad-token", l.Auth)
		}
	}
	return x, nil
}

func fromTextOr64(text, b64 string) ([]byte, error) {
	if b64 != "" {
		return base64.StdEncoding.DecodeString(b64)
	}
	if text == "" {
		return nil, nil
	}
	return []byte(text), nil
}
