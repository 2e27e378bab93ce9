package passive

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/): a JSON
// object {"log": {"entries": [...]}}, one entry an exchange, as browsers'
// developer tools, mitmproxy and many proxies export them. The fields
// read:
//
//	startedDateTime         when the request began (ISO 8601)
//	time                    the round trip in milliseconds
//	request.method, url, headers [{name, value}], postData {text, params}
//	response.status         0 when no answer arrived
//	response.headers, content {text, encoding}  ("base64" for binary)
//
// HTTP/2 pseudo-headers are read for the Host (":authority") and
// otherwise left out. Times are the client's (TimingExact).

type harFile struct {
	Log struct {
		Entries []harEntry `json:"entries"`
	} `json:"log"`
}

type harEntry struct {
	StartedDateTime string   `json:"startedDateTime"`
	Time            *float64 `json:"time"`
	Request         struct {
		Method   string      `json:"method"`
		URL      string      `json:"url"`
		Headers  []harHeader `json:"headers"`
		PostData *struct {
			MimeType string      `json:"mimeType"`
			Text     *string     `json:"text"`
			Params   []harHeader `json:"params"`
		} `json:"postData"`
	} `json:"request"`
	Response struct {
		Status  int         `json:"status"`
		Headers []harHeader `json:"headers"`
		Content struct {
			Text     string `json:"text"`
			Encoding string `json:"encoding"`
		} `json:"content"`
		Error string `json:"_error"`
	} `json:"response"`
}

type harHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func readHAR(name string, data []byte) (*Recording, error) {
	var f harFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("HAR: %w", err)
	}
	rec := &Recording{Name: name, Format: FormatHAR, Scrubbed: true}
	for i, e := range f.Log.Entries {
		x, err := harExchange(e)
		if err != nil {
			return nil, fmt.Errorf("HAR entry %d: %w", i, err)
		}
		rec.Exchanges = append(rec.Exchanges, x)
	}
	return rec, nil
}

func harExchange(e harEntry) (*Exchange, error) {
	x := &Exchange{Method: strings.ToUpper(e.Request.Method), URL: e.Request.URL, Header: http.Header{}}
	if x.Method == "" || x.URL == "" {
		return nil, errors.New("request has no method or url")
	}
	for _, h := range e.Request.Headers {
		switch {
		case strings.EqualFold(h.Name, ":authority"), strings.EqualFold(h.Name, "host"):
			x.Host = h.Value
		case strings.HasPrefix(h.Name, ":"):
		default:
			x.Header.Add(h.Name, h.Value)
		}
	}
	if pd := e.Request.PostData; pd != nil {
		switch {
		case pd.Text != nil:
			x.Body = []byte(*pd.Text)
		case len(pd.Params) > 0:
			vs := url.Values{}
			for _, p := range pd.Params {
				vs.Add(p.Name, p.Value)
			}
			x.Body = []byte(vs.Encode())
		}
		if x.Header.Get("Content-Type") == "" && pd.MimeType != "" {
			x.Header.Set("Content-Type", pd.MimeType)
		}
	}
	x.ResponseHeader = http.Header{}
	for _, h := range e.Response.Headers {
		if !strings.HasPrefix(h.Name, ":") {
			x.ResponseHeader.Add(h.Name, h.Value)
		}
	}
	x.Status = e.Response.Status
	x.Answered = x.Status > 0
	x.Err = e.Response.Error
	body := []byte(e.Response.Content.Text)
	if e.Response.Content.Encoding == "base64" {
		b, err := base64.StdEncoding.DecodeString(e.Response.Content.Text)
		if err != nil {
			return nil, fmt.Errorf("response content: %w", err)
		}
		body = b
	}
	x.Response = decodeBody(x.ResponseHeader, body)
	if d, err := http.ParseTime(x.ResponseHeader.Get("Date")); err == nil {
		x.Date = d
	}
	if t, err := time.Parse(time.RFC3339Nano, e.StartedDateTime); err == nil {
		x.Sent, x.Received, x.Timing = t, t, TimingExact
		if e.Time != nil && *e.Time > 0 {
			x.Received = t.Add(time.Duration(*e.Time * float64(time.Millisecond)))
		}
	} else if x.Answered {
		dateTiming(x, 0)
	}
	return x, nil
}
