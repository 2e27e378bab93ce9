package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// TestEmulateAnswersInFlightOnSIGTERM: `cvmconform emulate`, sent SIGTERM
// while requests are in flight, answers every one of them before it exits
// (0), and takes no new connection meanwhile.
func TestEmulateAnswersInFlightOnSIGTERM(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0], "emulate", "--listen", "127.0.0.1:0", "--stop-latency", "50ms")
	cmd.Env = append(os.Environ(), "CVMCONFORM_TEST_MAIN=1")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	var lines []string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if strings.HasPrefix(sc.Text(), "# then:") {
			break
		}
	}
	go io.Copy(io.Discard, stdout)
	require.NotEmpty(t, lines, "stderr: %s", stderr.String())
	url, ok := strings.CutPrefix(lines[0], "listening on ")
	require.True(t, ok, lines[0])
	cred := tcapi.Credential{SecretID: exported(lines, "TENCENTCLOUD_SECRET_ID"), SecretKey: exported(lines, "TENCENTCLOUD_SECRET_KEY")}

	// Five requests in flight: all but their last bytes sent.
	type inFlight struct {
		conn net.Conn
		rest []byte
	}
	var flights []inFlight
	for range 5 {
		req, err := tcapi.NewRequest(context.Background(), url, tcapi.Call{Action: model.ActionDescribe, Version: model.APIVersion,
			Region: "ap-guangzhou", Timestamp: time.Now(), Params: []tcapi.Param{{Name: "Limit", Value: model.Num(1)}}}, cred)
		require.NoError(t, err)
		var wire bytes.Buffer
		require.NoError(t, req.Write(&wire))
		conn, err := net.Dial("tcp", req.URL.Host)
		require.NoError(t, err)
		b := wire.Bytes()
		_, err = conn.Write(b[:len(b)-5])
		require.NoError(t, err)
		flights = append(flights, inFlight{conn, b[len(b)-5:]})
	}
	time.Sleep(100 * time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))

	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		t.Fatalf("emulate exited (%v) with requests in flight\nstderr: %s", err, stderr.String())
	case <-time.After(500 * time.Millisecond):
	}
	_, err = net.DialTimeout("tcp", strings.TrimPrefix(url, "http://"), time.Second)
	require.Error(t, err, "after SIGTERM no new connection is taken")
	for i, f := range flights {
		_, err := f.conn.Write(f.rest)
		require.NoError(t, err)
		require.NoError(t, f.conn.SetReadDeadline(time.Now().Add(10*time.Second)))
		res, err := http.ReadResponse(bufio.NewReader(f.conn), nil)
		require.NoError(t, err, "request %d in flight got no answer", i)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		f.conn.Close()
		r, err := tcapi.ParseResponse(body)
		require.NoError(t, err, "%s", body)
		require.Nil(t, r.Error, "request %d in flight: %v", i, r.Error)
	}
	select {
	case err := <-exited:
		require.NoError(t, err, "emulate exits 0 after a SIGTERM\nstderr: %s", stderr.String())
	case <-time.After(15 * time.Second):
		t.Fatalf("emulate did not exit after answering\nstderr: %s", stderr.String())
	}
	require.Contains(t, stderr.String(), "shutting down")
}
