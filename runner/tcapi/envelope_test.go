package tcapi_test

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cvmconform/cvmconform/runner/tcapi"
)

type instance struct {
	InstanceID    string `json:"InstanceId"`
	InstanceState string
}

type describeFields struct {
	TotalCount  int
	InstanceSet []instance
}

func TestWriteSuccess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fields any
		want   string
		reason string
	}{
		{"nil", nil, `{"Response":{"RequestId":"rid"}}`, "StopInstances answers with only a RequestId (facts §7)"},
		{"empty struct", struct{}{}, `{"Response":{"RequestId":"rid"}}`, "an empty object adds nothing"},
		{"nil map", map[string]any(nil), `{"Response":{"RequestId":"rid"}}`, "a nil map marshals to null"},
		{"typed nil pointer", (*describeFields)(nil), `{"Response":{"RequestId":"rid"}}`, "a nil pointer marshals to null"},
		{"struct", describeFields{1, []instance{{"ins-r8hr2upy", "STOPPING"}}},
			`{"Response":{"TotalCount":1,"InstanceSet":[{"InstanceId":"ins-r8hr2upy","InstanceState":"STOPPING"}],"RequestId":"rid"}}`,
			"fields first, in struct order, then RequestId"},
		{"raw object", tcapi.RawObject(`{"InstanceSet":[],"TotalCount":0}`), `{"Response":{"InstanceSet":[],"TotalCount":0,"RequestId":"rid"}}`,
			"a pre-rendered object is written as it is"},
		{"empty raw object", tcapi.RawObject(`{}`), `{"Response":{"RequestId":"rid"}}`, "an empty object adds nothing"},
		{"map", map[string]any{"b": 1, "a": "<x>"}, `{"Response":{"a":"\u003cx\u003e","b":1,"RequestId":"rid"}}`, "encoding/json rules: sorted map keys, HTML escaped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			tcapi.WriteSuccess(rec, "rid", tt.fields)
			if rec.Code != 200 {
				t.Errorf("status = %d; want 200", rec.Code)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q; want application/json", ct)
			}
			if got := rec.Body.String(); got != tt.want {
				t.Errorf("body = %s; want %s\nreason: %s", got, tt.want, tt.reason)
			}
			if cl := rec.Header().Get("Content-Length"); cl != itoa(rec.Body.Len()) {
				t.Errorf("Content-Length = %s; want %d", cl, rec.Body.Len())
			}
		})
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestWriteSuccessPanics(t *testing.T) {
	t.Parallel()
	for name, fields := range map[string]any{
		"array":       []int{1},
		"string":      "x",
		"unsupported": map[string]any{"f": func() {}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("WriteSuccess(%T) did not panic; want a panic for fields that are not an object", fields)
				}
			}()
			tcapi.WriteSuccess(httptest.NewRecorder(), "rid", fields)
		})
	}
}

func TestEnvelopeRoundTrip(t *testing.T) {
	t.Parallel()
	t.Run("error", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		tcapi.WriteError(rec, "d39d6c09-44e9-4e80-8661-77b5ff3cbc15", "InvalidInstanceId.NotFound", "The instance `ins-x` \"is\" not found.\n\xff")
		want := `{"Response":{"Error":{"Code":"InvalidInstanceId.NotFound","Message":"The instance ` + "`ins-x`" + ` \"is\" not found.\n\ufffd"},"RequestId":"d39d6c09-44e9-4e80-8661-77b5ff3cbc15"}}`
		if got := rec.Body.String(); got != want || rec.Code != 200 {
			t.Errorf("WriteError = %d %s; want 200 %s", rec.Code, got, want)
		}
		resp, err := tcapi.ParseResponse(rec.Body.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		wantErr := &tcapi.APIError{Code: "InvalidInstanceId.NotFound", Message: "The instance `ins-x` \"is\" not found.\n\ufffd", RequestID: "d39d6c09-44e9-4e80-8661-77b5ff3cbc15"}
		if resp.Error == nil || *resp.Error != *wantErr || resp.RequestID != wantErr.RequestID || len(resp.Fields) != 0 {
			t.Errorf("ParseResponse = %+v (Error %+v); want Error %+v and no fields", resp, resp.Error, wantErr)
		}
		var apiErr *tcapi.APIError
		if err := resp.Err(); !errors.As(err, &apiErr) || apiErr.Code != wantErr.Code {
			t.Errorf("Err() = %v; want the *APIError", err)
		}
		if got, want := resp.Error.Error(), "InvalidInstanceId.NotFound: The instance `ins-x` \"is\" not found.\n\ufffd (RequestId d39d6c09-44e9-4e80-8661-77b5ff3cbc15)"; got != want {
			t.Errorf("Error() = %q; want %q", got, want)
		}
	})
	t.Run("success", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		tcapi.WriteSuccess(rec, "rid", describeFields{TotalCount: 2})
		resp, err := tcapi.ParseResponse(rec.Body.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if resp.Error != nil || resp.Err() != nil || resp.RequestID != "rid" ||
			string(resp.Fields["TotalCount"]) != "2" || string(resp.Fields["InstanceSet"]) != "null" || len(resp.Fields) != 2 {
			t.Errorf("ParseResponse = %+v; want RequestId rid, TotalCount 2, InstanceSet null, no error", resp)
		}
	})
	if got := (&tcapi.APIError{Code: "C", Message: "M"}).Error(); got != "C: M" {
		t.Errorf("Error() without RequestID = %q; want %q", got, "C: M")
	}
}

func TestParseResponseMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, wantErr, reason string
	}{
		{"not JSON", `<html>502</html>`, "invalid character", "a proxy's error page"},
		{"truncated", `{"Response":{"RequestId":"x"`, "unexpected end", "cut short"},
		{"trailing", `{"Response":{}} x`, "invalid character", "one value only"},
		{"array", `[1]`, "cannot unmarshal", "the envelope is an object"},
		{"no Response", `{"code":4000,"codeDesc":"InvalidParameter"}`, "no Response member", "the legacy shape is not API 3.0"},
		{"Response null", `{"Response":null}`, "Response = \"null\"; want an object", "null is not an object"},
		{"Response string", `{"Response":"x"}`, "want an object", "a string is not an object"},
		{"RequestId number", `{"Response":{"RequestId":5}}`, "RequestId = \"5\"; want a string", "RequestId is a string"},
		{"RequestId null", `{"Response":{"RequestId":null}}`, "want a string", "null is not a string"},
		{"Error string", `{"Response":{"Error":"boom","RequestId":"x"}}`, "Error = ", "Error is an object"},
		{"Error null", `{"Response":{"Error":null,"RequestId":"x"}}`, "Error = ", "a null Error is malformed, not success"},
		{"Code number", `{"Response":{"Error":{"Code":1,"Message":"m"}}}`, "want an object with string Code", "Code is a string"},
		{"long body excerpt", `{"x":"` + strings.Repeat("a", 100) + `"}`, "…", "long bodies are cut in the message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tcapi.ParseResponse([]byte(tt.body))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseResponse(%s) error = %v; want one containing %q\nreason: %s", tt.body, err, tt.wantErr, tt.reason)
			}
		})
	}
	resp, err := tcapi.ParseResponse([]byte(`{"Response":{"Error":{},"X":1}}`))
	if err != nil || resp.Error == nil || resp.Error.Code != "" || resp.RequestID != "" || string(resp.Fields["X"]) != "1" {
		t.Errorf("ParseResponse(empty Error, no RequestId) = %+v, %v; want an empty APIError, no RequestId, field X", resp, err)
	}
}
