package tcapi_test

import (
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// newDecodeServer serves Decode over loopback and reports each decoded
// request on got. The server is closed when the test ends.
func newDecodeServer(t *testing.T, got chan<- model.Request) *httptest.Server {
	t.Helper()
	limits := tcapi.DefaultLimits()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, limits.ReadLimit()))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req := tcapi.Decode(r, body, testKeys, limits)
		got <- req
		id := tcapi.NewRequestID(rand.Reader)
		if req.Auth != model.AuthOK {
			tcapi.WriteError(w, id, "AuthFailure.SignatureFailure", "signature mismatch")
			return
		}
		tcapi.WriteSuccess(w, id, nil)
	}))
	t.Cleanup(srv.Close)
	return srv
}
