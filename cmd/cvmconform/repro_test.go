package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/internal/tempmod"
	"github.com/cvmconform/cvmconform/runner/report"
)

// TestReproReproduces: the Go program repro writes for a failure of a run
// against the emulator with a fault compiles (offline, in a throw-away
// module with the official SDK), and run against another emulator with
// the same fault gets the same answer (exit 1, reproduced), while
// against a correct one it does not (exit 0).
func TestReproReproduces(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program with the official SDK")
	}
	t.Parallel()
	broken := startEmulator(t, "malformed-id-not-found")
	dir := t.TempDir()
	reportPath := filepath.Join(dir, "report.json")
	code, _, stderr := invoke(t, credsOf(broken), "run", "--endpoint", broken.URL, "--all-instances", "--only", "SI-ID-01", "--json", reportPath)
	require.Equal(t, exitFailed, code, stderr)

	program := filepath.Join(dir, "repro.go")
	code, _, stderr = invoke(t, nil, "repro", "SI-ID-01", "--from", reportPath, "--out", program)
	require.Equal(t, exitOK, code, stderr)
	src, err := os.ReadFile(program)
	require.NoError(t, err)
	require.Contains(t, string(src), "cvm.NewStopInstancesRequest()", "the SDK's typed request")

	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	mod := tempmod.Write(t, root, "example.com/repro", map[string]string{"main.go": string(src)})
	bin := filepath.Join(dir, "repro")
	out, err := tempmod.Go(t, mod, 5*time.Minute, nil, "build", "-o", bin, ".")
	require.NoError(t, err, "the generated program compiles:\n%s", out)

	sameFault := startEmulator(t, "malformed-id-not-found")
	code, stdout, stderr := runRepro(t, bin, sameFault.URL, credsOf(sameFault))
	require.Equal(t, 1, code, "reproduced:\n%s\n%s", stdout, stderr)
	require.Contains(t, stdout, "InvalidInstanceId.NotFound: ")
	require.Contains(t, stderr, "reproduced: the answer is the one the failure reported (InvalidInstanceId.NotFound)")

	correct := startEmulator(t)
	code, stdout, stderr = runRepro(t, bin, correct.URL, credsOf(correct))
	require.Equal(t, 0, code, "%s\n%s", stdout, stderr)
	require.Contains(t, stdout, "InvalidInstanceId.Malformed: ")
	require.Contains(t, stderr, "not reproduced: the answer is InvalidInstanceId.Malformed; the failure reported InvalidInstanceId.NotFound")
}

// runRepro runs the built reproduction against endpoint with creds.
func runRepro(t *testing.T, bin, endpoint string, creds map[string]string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, "-endpoint", endpoint)
	cmd.Env = append(os.Environ(), "TENCENTCLOUD_SECRET_ID="+creds["TENCENTCLOUD_SECRET_ID"], "TENCENTCLOUD_SECRET_KEY="+creds["TENCENTCLOUD_SECRET_KEY"])
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode(), out.String(), errb.String()
	case err != nil:
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

// TestReproWhereTheSDKCannot: a request the SDK cannot send as it was
// gets a shell script instead, saying why, with the call line when call
// can send it and the request as curl; the program is written only for
// requests the SDK's typed requests carry unchanged.
func TestReproWhereTheSDKCannot(t *testing.T) {
	t.Parallel()
	check := report.Check{ID: "SI-X-01", Reason: "it failed"}
	stop := `cvmconform call --endpoint http://127.0.0.1:8080 --region ap-guangzhou StopInstances `
	for _, tc := range []struct {
		name   string
		x      report.Exchange
		why    string // "" for a Go program
		holds  []string
		reason string
	}{
		{name: "sdk", x: report.Exchange{Call: stop + `'{"InstanceIds":["ins-1122"],"StopType":"SOFT"}'`},
			holds: []string{"cvm.NewStopInstancesRequest()", `params           = ` + "`" + `{"InstanceIds":["ins-1122"],"StopType":"SOFT"}` + "`"}},
		{name: "v1 GET", x: report.Exchange{Call: `cvmconform call --endpoint http://h:1 --region ap-guangzhou --signature hmacsha256 --get DescribeInstances '{"Limit":1}'`},
			holds: []string{"cpf.HttpProfile.ReqMethod = `GET`", "cpf.SignMethod = `HmacSHA256`", "cvm.NewDescribeInstancesRequest()"}},
		{name: "hand-made body", x: report.Exchange{Method: "POST", URL: "http://127.0.0.1:8080/", Body: `{"InstanceIds":[`,
			Headers: []string{"Authorization: TC3-HMAC-SHA256 Credential=AKID…r5wM/…, Signature=(redacted)", "Host: 127.0.0.1:8080"}},
			why:    "the request was made by hand",
			holds:  []string{"#!/bin/sh", "curl -sS -X 'POST' 'http://127.0.0.1:8080/'", `--data-binary '{"InstanceIds":['`, "call cannot send it either", "Signature=(redacted)"},
			reason: "the curl command shows the wire form; the Host header the URL implies is left to curl"},
		{name: "unknown parameter", x: report.Exchange{Call: stop + `'{"InstanceIds":["ins-1122"],"Foo":1}'`},
			why: "the SDK's typed request refuses the parameters", holds: []string{stop + `'{"InstanceIds":["ins-1122"],"Foo":1}'`},
			reason: "call can send what the typed request cannot"},
		{name: "wrong type", x: report.Exchange{Call: stop + `'{"InstanceIds":"ins-1122"}'`},
			why: "the SDK's typed request refuses the parameters"},
		{name: "an action without a typed request here", x: report.Exchange{Call: `cvmconform call --endpoint http://h:1 --region ap-guangzhou RunInstances`},
			why: "not RunInstances"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text, why := reproduction(check, tc.x)
			if tc.why == "" {
				require.Empty(t, why)
				require.Contains(t, text, "package main")
			} else {
				require.Contains(t, why, tc.why)
				require.True(t, strings.HasPrefix(text, "#!/bin/sh\n"), text)
				require.Contains(t, text, "cannot send this request as it was: "+why)
			}
			for _, h := range tc.holds {
				require.Contains(t, text, h, tc.reason)
			}
		})
	}
}
