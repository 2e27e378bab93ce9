package emulator

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// halfSent is a request whose head and first body bytes are on the wire
// and whose last bytes are not: a request in flight.
type halfSent struct {
	conn net.Conn
	rest []byte
}

// sendHalf opens a connection to url and writes all of req but its last
// ten bytes.
func sendHalf(t *testing.T, url string, req *http.Request) halfSent {
	t.Helper()
	var wire bytes.Buffer
	require.NoError(t, req.Write(&wire))
	conn, err := net.Dial("tcp", req.URL.Host)
	require.NoError(t, err)
	b := wire.Bytes()
	_, err = conn.Write(b[:len(b)-10])
	require.NoError(t, err)
	return halfSent{conn: conn, rest: b[len(b)-10:]}
}

// finish writes the request's last bytes and reads the answer.
func (h halfSent) finish(t *testing.T) tcapi.Response {
	t.Helper()
	defer h.conn.Close()
	_, err := h.conn.Write(h.rest)
	require.NoError(t, err)
	require.NoError(t, h.conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	res, err := http.ReadResponse(bufio.NewReader(h.conn), nil)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	r, err := tcapi.ParseResponse(body)
	require.NoError(t, err, "%s", body)
	return r
}

// TestShutdownAnswersRequestsInFlight: Shutdown (what emulate does on
// SIGTERM) closes the listener at once but answers every request already
// in flight, and acts on it, before it returns.
func TestShutdownAnswersRequestsInFlight(t *testing.T) {
	t.Parallel()
	e, err := New(Config{Fleet: DefaultFleet(), RateLimit: -1})
	require.NoError(t, err)
	srv, err := Listen("127.0.0.1:0", e)
	require.NoError(t, err)
	cred := e.Credentials(e.Accounts()[0])
	targets := byState(model.Running)[:5]
	var inFlight []halfSent
	for _, id := range targets {
		req, err := tcapi.NewRequest(context.Background(), srv.URL, tcapi.Call{Action: model.ActionStop, Version: model.APIVersion,
			Region: "ap-guangzhou", Timestamp: time.Now(), Params: []tcapi.Param{ids(id), param("StopType", model.Str("HARD"))}}, cred)
		require.NoError(t, err)
		inFlight = append(inFlight, sendHalf(t, srv.URL, req))
	}
	time.Sleep(100 * time.Millisecond) // the server reads the heads

	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(context.Background()) }()
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned (%v) with %d requests in flight", err, len(inFlight))
	case <-time.After(300 * time.Millisecond):
	}
	_, err = net.DialTimeout("tcp", srv.URL[len("http://"):], time.Second)
	require.Error(t, err, "the listener is closed: no new request is accepted")

	for i, h := range inFlight {
		r := h.finish(t)
		require.Nil(t, r.Error, "request %d in flight was refused: %v", i, r.Error)
		require.NotEmpty(t, r.RequestID)
	}
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Shutdown did not return after the requests in flight were answered")
	}
	e.store.mu.Lock()
	defer e.store.mu.Unlock()
	for _, id := range targets {
		require.Equal(t, model.Stopping, e.store.byID[id].inst.State, "%s: the answered stop took effect", id)
	}
}
