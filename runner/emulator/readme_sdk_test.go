package emulator

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	cvm "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/cvm/v20170312"
)

// The README's programs for the official Go and Node.js SDKs, run as
// they are written against a live emulator: the only change is the
// address, the README's 127.0.0.1:8080 replaced by the emulator's.

const (
	readmePath = "../../README.md"
	// readmeAddress is the address the README's programs use, that of
	// 'cvmconform emulate --listen 127.0.0.1:8080'.
	readmeAddress  = "127.0.0.1:8080"
	readmeGoMarker = "<!-- checked by runner/emulator/readme_sdk_test.go (TestReadmeGoSDK)"
	readmeJSMarker = "<!-- checked by runner/emulator/readme_sdk_test.go (TestReadmeNodeSDK)"
	readmeTimeout  = 3 * time.Minute // go run compiles the SDK on a cold cache
)

// readmeStopped is the line both programs print.
var readmeStopped = regexp.MustCompile(`^stopped (ins-[a-z0-9]{8}): RequestId ([0-9a-f-]{36})\n$`)

// readmeSnippet returns the fenced block of the README that follows the
// line starting with marker, its fence's language lang, with the
// README's address replaced by addr (it must occur exactly once).
func readmeSnippet(t *testing.T, marker, lang, addr string) string {
	t.Helper()
	b, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	sc := bufio.NewScanner(bytes.NewReader(b))
	var out strings.Builder
	state := 0 // 0: looking for the marker, 1: for the fence, 2: inside
	for sc.Scan() {
		line := sc.Text()
		switch {
		case state == 0 && strings.HasPrefix(line, marker):
			state = 1
		case state == 1:
			require.Equal(t, "```"+lang, line, "the line after the marker opens the %s block", lang)
			state = 2
		case state == 2 && line == "```":
			snippet := out.String()
			require.Equal(t, 1, strings.Count(snippet, readmeAddress), "the snippet names the emulator's address once")
			return strings.Replace(snippet, readmeAddress, addr, 1)
		case state == 2:
			out.WriteString(line + "\n")
		}
	}
	require.Failf(t, "README snippet not found", "%q followed by a ```%s block", marker, lang)
	return ""
}

// requireReadmeStop checks a program's output, and that the emulator
// shows the instance it names stopped by the request it names.
func requireReadmeStop(t *testing.T, live *liveServer, output string) {
	t.Helper()
	m := readmeStopped.FindStringSubmatch(output)
	require.NotNil(t, m, "the program prints what it stopped: %q", output)
	c := goSDKClient(t, live.Host, live.Cred, nil)
	req := cvm.NewDescribeInstancesRequest()
	req.InstanceIds = common.StringPtrs([]string{m[1]})
	res, err := c.DescribeInstances(req)
	require.NoError(t, err)
	require.Len(t, res.Response.InstanceSet, 1)
	in := res.Response.InstanceSet[0]
	require.Equal(t, "StopInstances", *in.LatestOperation)
	require.Equal(t, m[2], *in.LatestOperationRequestId, "the stop the program printed")
}

func TestReadmeGoSDK(t *testing.T) {
	t.Parallel()
	live := liveEmulator(t)
	src := readmeSnippet(t, readmeGoMarker, "go", live.Host)
	// Inside this module (whose go.mod requires the SDK), in a testdata
	// folder the go command's ./... leaves alone.
	dir, err := os.MkdirTemp("testdata", "readme-go-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644))

	goBin, err := exec.LookPath("go")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), readmeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "run", "./"+filepath.ToSlash(dir))
	cmd.Env = append(withoutProxies(os.Environ()),
		"TENCENTCLOUD_SECRET_ID="+live.Cred.SecretID, "TENCENTCLOUD_SECRET_KEY="+live.Cred.SecretKey)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "go run the README's Go program: stderr:\n%s", stderr.String())
	requireReadmeStop(t, live, stdout.String())
	require.Equal(t, []string{"POST application/json TC3"}, live.styles(), "the SDK's default style, nothing changed but the address")
}

func TestReadmeNodeSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the Node.js SDK tests run in the normal (non-short) pass of make test")
	}
	t.Parallel()
	dir, err := filepath.Abs(nodeDir)
	require.NoError(t, err)
	node := nodeInstall(t, dir)
	live := liveEmulator(t)
	src := readmeSnippet(t, readmeJSMarker, "js", live.Host)

	ctx, cancel := context.WithTimeout(context.Background(), nodeRunTimeout)
	defer cancel()
	// The program on stdin, run where the pinned SDK is installed, so
	// that its require finds it.
	cmd := exec.CommandContext(ctx, node, "-")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(src)
	cmd.Env = append(withoutProxies(os.Environ()),
		"TENCENTCLOUD_SECRET_ID="+live.Cred.SecretID, "TENCENTCLOUD_SECRET_KEY="+live.Cred.SecretKey)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "node the README's program: stderr:\n%s", stderr.String())
	requireReadmeStop(t, live, stdout.String())
	require.Equal(t, []string{"POST application/json TC3"}, live.styles(), "the SDK's default style, nothing changed but the address")
}
