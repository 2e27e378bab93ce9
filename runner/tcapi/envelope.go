package tcapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
)

// The response envelope (facts sheet §5, [Doc-Resp]): success is
// {"Response":{<fields>,"RequestId":"…"}}, failure is
// {"Response":{"Error":{"Code":"…","Message":"…"},"RequestId":"…"}}, and
// an Error object is present if and only if the call failed.

// APIError is a failure the API reported in its envelope.
type APIError struct {
	Code      string
	Message   string
	RequestID string
}

// Error returns "Code: Message (RequestId id)", or "Code: Message" when
// RequestID is empty.
func (e *APIError) Error() string {
	s := e.Code + ": " + e.Message
	if e.RequestID != "" {
		s += " (RequestId " + e.RequestID + ")"
	}
	return s
}

// Response is a parsed envelope.
type Response struct {
	// RequestID is Response.RequestId; "" when absent.
	RequestID string
	// Error is Response.Error, nil on success. Its RequestID is the
	// envelope's.
	Error *APIError
	// Fields holds every other member of Response, undecoded. It is never
	// nil for a parsed Response.
	Fields map[string]json.RawMessage
}

// Err returns r.Error as an error, or nil (not a typed nil) on success.
func (r Response) Err() error {
	if r.Error == nil {
		return nil
	}
	return r.Error
}

// ParseResponse parses an envelope. It fails when body is not a JSON
// object, has no "Response" member, Response is not an object, RequestId
// is present but not a string, or Error is present but not an object with
// string Code and Message (members of other types or missing ones are
// errors and ""). Duplicate members: the last wins. An Error object,
// even with an empty Code, means failure.
func ParseResponse(body []byte) (Response, error) {
	var outer map[string]json.RawMessage
	if err := json.Unmarshal(body, &outer); err != nil {
		return Response{}, fmt.Errorf("tcapi: ParseResponse: body %s: %w", excerpt(body), err)
	}
	raw, ok := outer["Response"]
	if !ok {
		return Response{}, fmt.Errorf("tcapi: ParseResponse: body %s = no Response member; want {\"Response\":{…}}", excerpt(body))
	}
	var fields map[string]json.RawMessage
	if !isJSONObject(raw) || json.Unmarshal(raw, &fields) != nil {
		return Response{}, fmt.Errorf("tcapi: ParseResponse: Response = %s; want an object", excerpt(raw))
	}
	resp := Response{Fields: fields}
	if rid, ok := fields["RequestId"]; ok {
		if json.Unmarshal(rid, &resp.RequestID) != nil || !bytes.HasPrefix(bytes.TrimSpace(rid), []byte(`"`)) {
			return Response{}, fmt.Errorf("tcapi: ParseResponse: RequestId = %s; want a string", excerpt(rid))
		}
		delete(fields, "RequestId")
	}
	if e, ok := fields["Error"]; ok {
		var ae struct {
			Code, Message *string
		}
		if !isJSONObject(e) || json.Unmarshal(e, &ae) != nil {
			return Response{}, fmt.Errorf("tcapi: ParseResponse: Error = %s; want an object with string Code and Message", excerpt(e))
		}
		resp.Error = &APIError{Code: deref(ae.Code), Message: deref(ae.Message), RequestID: resp.RequestID}
		delete(fields, "Error")
	}
	return resp, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func isJSONObject(raw []byte) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}

// excerpt quotes at most 64 bytes of b for an error message.
func excerpt(b []byte) string {
	if len(b) > 64 {
		return strconv.Quote(string(b[:64])) + "…"
	}
	return strconv.Quote(string(b))
}

var (
	bufPool         = sync.Pool{New: func() any { return new(bytes.Buffer) }}
	jsonContentType = []string{ContentTypeJSON}
)

// errFieldsNotObject is the panic value for WriteSuccess misuse.
// RawObject is a JSON object the caller has already rendered (a hot path's
// pre-encoded answer). WriteSuccess writes it as it is, without the
// validation encoding/json would do: the caller vouches that it is one
// valid JSON object.
type RawObject []byte

var errFieldsNotObject = errors.New("tcapi: WriteSuccess: fields must marshal to a JSON object or null")

// WriteSuccess writes a success envelope with status 200 and Content-Type
// application/json: the members fields marshals to (encoding/json rules),
// then "RequestId". fields is a struct, a map, or nil for an envelope with
// only the RequestId; it must not have RequestId or Error members of its
// own. WriteSuccess marshals once into a pooled buffer and writes once.
//
// It panics if fields cannot be marshalled or does not marshal to a JSON
// object or null: that is a programming error.
func WriteSuccess(w http.ResponseWriter, requestID string, fields any) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	buf.WriteString(`{"Response":`)
	start := buf.Len()
	if raw, ok := fields.(RawObject); ok {
		buf.Write(raw)
	} else if fields != nil {
		if err := json.NewEncoder(buf).Encode(fields); err != nil {
			panic(fmt.Errorf("tcapi: WriteSuccess: %w", err))
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
	}
	obj := buf.Bytes()[start:]
	switch {
	case len(obj) == 0 || string(obj) == "null" || string(obj) == "{}":
		buf.Truncate(start)
		buf.WriteByte('{')
	case obj[0] == '{':
		buf.Truncate(buf.Len() - 1) // the object's closing brace
		buf.WriteByte(',')
	default:
		bufPool.Put(buf)
		panic(errFieldsNotObject)
	}
	b := buf.AvailableBuffer()
	b = append(b, `"RequestId":`...)
	b = appendJSONString(b, requestID, false)
	b = append(b, '}', '}')
	buf.Write(b)
	writeJSON(w, buf.Bytes())
	if buf.Cap() <= 64<<10 {
		bufPool.Put(buf)
	}
}

// WriteError writes a failure envelope, {"Response":{"Error":{"Code":…,
// "Message":…},"RequestId":…}}, with status 200 (facts §5: the API's
// status for errors is undocumented and the SDK reads the body whatever
// the status) and Content-Type application/json.
func WriteError(w http.ResponseWriter, requestID, code, message string) {
	b := make([]byte, 0, 64+len(requestID)+len(code)+len(message))
	b = append(b, `{"Response":{"Error":{"Code":`...)
	b = appendJSONString(b, code, false)
	b = append(b, `,"Message":`...)
	b = appendJSONString(b, message, false)
	b = append(b, `},"RequestId":`...)
	b = appendJSONString(b, requestID, false)
	b = append(b, '}', '}')
	writeJSON(w, b)
}

func writeJSON(w http.ResponseWriter, b []byte) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b) // a failed write means the client has gone
}
