package emulator

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
)

// The official Node.js SDK (tencentcloud-sdk-nodejs-cvm, from npm) drives
// the emulator unmodified through testdata/node/drive.js.
//
// The SDK is installed at test time into testdata/node/node_modules
// (git-ignored) at the versions testdata/node/package.json pins, and
// reused by later runs. The test skips only when npm cannot reach its
// registry, and under -short: `make test` runs the race pass with -short,
// and its normal (non-short) pass runs this test.

const (
	nodeDir            = "testdata/node"
	nodeInstallTimeout = 120 * time.Second
	nodeRunTimeout     = 60 * time.Second
)

// nodeStyles are the request styles drive.js knows, each with the wire
// style (requestStyle) it must produce.
var nodeStyles = []struct{ name, wire string }{
	{"TC3 JSON POST", "POST application/json TC3"},
	{"TC3 GET", "GET TC3"},
	{"v1 HmacSHA256 form POST", "POST application/x-www-form-urlencoded v1 HmacSHA256"},
	{"v1 HmacSHA1 GET", "GET v1 HmacSHA1"},
}

// nodeOutcome is drive.js's rendering of one SDK call.
type nodeOutcome struct {
	OK    json.RawMessage `json:"ok"`
	Error *nodeError      `json:"error"`
}

type nodeError struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"requestId"`
	Class     string `json:"class"`
}

func (e *nodeError) String() string {
	if e == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%s %q (RequestId %q, %s)", e.Code, e.Message, e.RequestID, e.Class)
}

type nodeWait struct {
	Instance *struct {
		ID                       string `json:"id"`
		State                    string `json:"state"`
		LatestOperation          string `json:"latestOperation"`
		LatestOperationState     string `json:"latestOperationState"`
		LatestOperationRequestID string `json:"latestOperationRequestId"`
		StopChargingMode         string `json:"stopChargingMode"`
	} `json:"instance"`
	Seen  []string   `json:"seen"`
	Error *nodeError `json:"error"`
}

type nodeStyleResult struct {
	Before         *nodeWait    `json:"before"`
	Stop           *nodeOutcome `json:"stop"`
	Stopped        *nodeWait    `json:"stopped"`
	Start          *nodeOutcome `json:"start"`
	Running        *nodeWait    `json:"running"`
	StopTooMany    *nodeOutcome `json:"stopTooMany"`
	StopMalformed  *nodeOutcome `json:"stopMalformed"`
	StartTooMany   *nodeOutcome `json:"startTooMany"`
	StartMalformed *nodeOutcome `json:"startMalformed"`
	WrongKey       *nodeOutcome `json:"wrongKey"`
}

type nodeResult struct {
	SDK struct {
		CVM    string `json:"cvm"`
		Common string `json:"common"`
	} `json:"sdk"`
	Paging struct {
		DefaultPageSize int `json:"defaultPageSize"`
		Pages           []struct {
			Offset     int      `json:"offset"`
			TotalCount int      `json:"totalCount"`
			IDs        []string `json:"ids"`
		} `json:"pages"`
		Error *nodeError `json:"error"`
	} `json:"paging"`
	Styles map[string]*nodeStyleResult `json:"styles"`
}

func TestNodeSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the Node.js SDK test runs in the normal (non-short) pass of make test")
	}
	t.Parallel()
	dir, err := filepath.Abs(nodeDir)
	require.NoError(t, err)
	node := nodeInstall(t, dir)

	live := liveEmulator(t)
	targets := liveTargets(t, len(nodeStyles))
	args := []string{filepath.Join(dir, "drive.js"), live.Host, liveRegion}
	for i, s := range nodeStyles {
		args = append(args, s.name+"="+targets[i])
	}
	ctx, cancel := context.WithTimeout(context.Background(), nodeRunTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = dir
	// The credentials go in the environment, never on the command line;
	// proxies are dropped (the SDK sends everything to $http_proxy).
	cmd.Env = append(withoutProxies(os.Environ()),
		"TENCENTCLOUD_SECRET_ID="+live.Cred.SecretID,
		"TENCENTCLOUD_SECRET_KEY="+live.Cred.SecretKey)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	require.NoError(t, cmd.Run(), "node drive.js: stderr:\n%s", stderr.String())
	t.Logf("drive.js ran in %v", time.Since(start).Round(time.Millisecond))
	var res nodeResult
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &res), "drive.js output:\n%s", stdout.String())
	t.Logf("tencentcloud-sdk-nodejs-cvm %s, tencentcloud-sdk-nodejs-common %s", res.SDK.CVM, res.SDK.Common)
	require.NotEmpty(t, res.SDK.CVM)

	// The SDK sent each style drive.js asked for, and nothing else.
	var wires []string
	for _, s := range nodeStyles {
		wires = append(wires, s.wire)
	}
	require.ElementsMatch(t, wires, live.styles(), "the styles on the wire")

	// authHint explains a refused TC3 request of a style from what was on
	// the wire.
	authHint := func(e *nodeError, wire string) string {
		if e == nil || !strings.HasPrefix(e.Code, "AuthFailure") {
			return ""
		}
		return "\n" + nodeTC3Diagnosis(live, live.Cred.SecretKey, wire)
	}

	t.Run("DescribeInstances paging", func(t *testing.T) {
		p := res.Paging
		require.Nil(t, p.Error, "paging: %v%s", p.Error, authHint(p.Error, nodeStyles[0].wire))
		want := liveRegionIDs()
		require.Equal(t, min(20, len(want)), p.DefaultPageSize, "facts §9: Limit defaults to 20")
		var got []string
		for _, pg := range p.Pages {
			require.Equal(t, len(want), pg.TotalCount, "TotalCount at offset %d", pg.Offset)
			got = append(got, pg.IDs...)
		}
		require.Equal(t, want, got, "the pages together are the region's fleet, once each")
	})

	for i, s := range nodeStyles {
		id := targets[i]
		t.Run(s.name, func(t *testing.T) {
			r := res.Styles[s.name]
			require.NotNil(t, r, "drive.js ran %s", s.name)
			// A spoilt key is refused whatever the style: accepting how
			// the SDK signs weakens nothing.
			require.NotNil(t, r.WrongKey)
			require.NotNil(t, r.WrongKey.Error, "a wrong secret key is refused")
			require.Equal(t, "AuthFailure.SignatureFailure", r.WrongKey.Error.Code, "%v", r.WrongKey.Error)

			require.NotNil(t, r.Before)
			require.Nil(t, r.Before.Error, "describe %s: %v%s", id, r.Before.Error, authHint(r.Before.Error, s.wire))
			require.NotNil(t, r.Stop)
			require.Nil(t, r.Stop.Error, "stop: %v%s", r.Stop.Error, authHint(r.Stop.Error, s.wire))
			var stopRes, startRes struct {
				RequestID string `json:"RequestId"`
			}
			require.NoError(t, json.Unmarshal(r.Stop.OK, &stopRes))
			require.Regexp(t, uuidPattern, stopRes.RequestID)

			require.NotNil(t, r.Stopped)
			require.Nil(t, r.Stopped.Error, "wait for STOPPED: %v (seen %v)", r.Stopped.Error, r.Stopped.Seen)
			in := r.Stopped.Instance
			require.Equal(t, "STOPPED", in.State)
			require.Equal(t, "StopInstances", in.LatestOperation)
			require.Equal(t, "SUCCESS", in.LatestOperationState)
			require.Equal(t, stopRes.RequestID, in.LatestOperationRequestID, "the stop's RequestId")
			require.Equal(t, "STOP_CHARGING", in.StopChargingMode)

			require.NotNil(t, r.Start)
			require.Nil(t, r.Start.Error, "start: %v", r.Start.Error)
			require.NoError(t, json.Unmarshal(r.Start.OK, &startRes))
			require.Regexp(t, uuidPattern, startRes.RequestID)
			require.NotNil(t, r.Running)
			require.Nil(t, r.Running.Error, "wait for RUNNING: %v (seen %v)", r.Running.Error, r.Running.Seen)
			in = r.Running.Instance
			require.Equal(t, "RUNNING", in.State)
			require.Equal(t, "StartInstances", in.LatestOperation)
			require.Equal(t, "SUCCESS", in.LatestOperationState)
			require.Equal(t, startRes.RequestID, in.LatestOperationRequestID, "the start's RequestId")

			for name, c := range map[string]struct {
				o    *nodeOutcome
				code string
			}{
				"Stop 101 IDs":   {r.StopTooMany, model.CodeLimitExceeded},
				"Stop ins-1122":  {r.StopMalformed, model.CodeMalformed},
				"Start 101 IDs":  {r.StartTooMany, model.CodeLimitExceeded},
				"Start ins-1122": {r.StartMalformed, model.CodeMalformed},
			} {
				require.NotNil(t, c.o, name)
				require.NotNil(t, c.o.Error, "%s: want %s, got success", name, c.code)
				require.Equal(t, "TencentCloudSDKHttpException", c.o.Error.Class, name)
				require.Equal(t, c.code, c.o.Error.Code, "%s: %v", name, c.o.Error)
				require.Regexp(t, uuidPattern, c.o.Error.RequestID, name)
			}
		})
	}
}

// nodeInstall makes sure the pinned SDK is installed under dir and
// returns the node binary. It installs into a fresh folder next to
// node_modules and renames it into place, so that a run interrupted
// mid-install, or two runs at once, never leave a half-installed SDK.
func nodeInstall(t *testing.T, dir string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	require.NoError(t, err, "node is on every machine, CI included (the test needs node and npm)")
	pinned := nodePinned(t, dir)
	if nodeInstalled(dir, pinned) {
		return node
	}
	npm, err := exec.LookPath("npm")
	require.NoError(t, err, "npm is on every machine, CI included (the test needs node and npm)")

	tmp, err := os.MkdirTemp(dir, ".install-")
	require.NoError(t, err)
	defer os.RemoveAll(tmp)
	manifest, err := os.ReadFile(filepath.Join(dir, "package.json"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(tmp, "package.json"), manifest, 0o644))

	ctx, cancel := context.WithTimeout(context.Background(), nodeInstallTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund", "--prefix", tmp)
	cmd.Dir = tmp
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err = cmd.Run()
	reason := nodeNetworkReason(out.String())
	switch {
	case ctx.Err() != nil:
		t.Logf("npm output:\n%s", out.String())
		t.Skipf("npm could not reach the registry: npm install timed out after %v", nodeInstallTimeout)
	case err != nil && reason != "":
		t.Logf("npm output:\n%s", out.String())
		t.Skipf("npm could not reach the registry: npm install failed (%v): %s", err, reason)
	case err != nil:
		t.Fatalf("npm install failed (%v), and not for want of the network:\n%s", err, out.String())
	}
	t.Logf("npm installed %s in %v", strings.Join(pinned, ", "), time.Since(start).Round(time.Millisecond))

	err = os.Rename(filepath.Join(tmp, "node_modules"), filepath.Join(dir, "node_modules"))
	if err != nil && !nodeInstalled(dir, pinned) {
		// A stale or partial node_modules (an older pin): replace it.
		require.NoError(t, os.RemoveAll(filepath.Join(dir, "node_modules")))
		require.NoError(t, os.Rename(filepath.Join(tmp, "node_modules"), filepath.Join(dir, "node_modules")))
	}
	require.True(t, nodeInstalled(dir, pinned), "the SDK is installed under %s", dir)
	return node
}

// nodePinned returns package.json's dependencies as name@version.
func nodePinned(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	require.NoError(t, err)
	var manifest struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	require.NoError(t, json.Unmarshal(b, &manifest))
	require.Contains(t, manifest.Dependencies, "tencentcloud-sdk-nodejs-cvm")
	var out []string
	for name, v := range manifest.Dependencies {
		out = append(out, name+"@"+v)
	}
	return out
}

// nodeInstalled reports whether every pinned package is installed at its
// version.
func nodeInstalled(dir string, pinned []string) bool {
	for _, p := range pinned {
		name, version, _ := strings.Cut(p, "@")
		b, err := os.ReadFile(filepath.Join(dir, "node_modules", name, "package.json"))
		if err != nil {
			return false
		}
		var m struct {
			Version string `json:"version"`
		}
		if json.Unmarshal(b, &m) != nil || m.Version != version {
			return false
		}
	}
	return true
}

// nodeNetworkPattern matches the lines of npm's output that say it
// could not reach the registry: a network error code, npm's "network"
// explanation, or a failed fetch.
var nodeNetworkPattern = regexp.MustCompile(`(?m)^npm (?:ERR!|error) (?:code (?:ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ECONNABORTED|ETIMEDOUT|ESOCKETTIMEDOUT|ENETUNREACH|EHOSTUNREACH|EPROTO|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN|CERT_HAS_EXPIRED)\b|network\b|.*\brequest to \S+ failed).*$`)

// nodeNetworkReason returns npm's own words for a network failure, or ""
// if its output does not say it could not reach the registry.
func nodeNetworkReason(out string) string {
	lines := nodeNetworkPattern.FindAllString(out, 3)
	return strings.Join(lines, "; ")
}

// withoutProxies drops the proxy variables from an environment.
func withoutProxies(env []string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		switch strings.ToLower(name) {
		case "http_proxy", "https_proxy", "all_proxy", "no_proxy":
			continue
		}
		out = append(out, kv)
	}
	return out
}

// nodeTC3Diagnosis explains why the emulator refused the first TC3
// request of the wire style it recorded, by re-signing it in the candidate ways: the signed
// host as the Host header (what the emulator verifies), or the host
// without its port, each with the service the credential scope names. It
// is a diagnosis for the failure message, not a verification.
func nodeTC3Diagnosis(live *liveServer, secretKey, wire string) string {
	for _, r := range live.requests() {
		if r.Style != wire || !strings.HasPrefix(r.Authorization, "TC3-HMAC-SHA256 ") {
			continue
		}
		m := regexp.MustCompile(`Credential=[^/]+/([^/]+)/([^/]+)/tc3_request, SignedHeaders=([^,]+), Signature=([0-9a-f]+)`).FindStringSubmatch(r.Authorization)
		if m == nil {
			return "unparsable Authorization: " + r.Authorization
		}
		date, service, signed, sig := m[1], m[2], m[3], m[4]
		hostOnly, _, err := net.SplitHostPort(r.Host)
		if err != nil {
			hostOnly = r.Host
		}
		query := ""
		if r.Method != "POST" {
			query = r.Query
		}
		sum := sha256.Sum256(r.Body)
		var lines []string
		for _, host := range []string{r.Host, hostOnly} {
			headers := ""
			for _, name := range strings.Split(signed, ";") {
				v := r.Header.Get(name)
				if name == "host" {
					v = host
				}
				headers += name + ":" + strings.TrimSpace(v) + "\n"
			}
			canonical := strings.Join([]string{r.Method, "/", query, headers, signed, hex.EncodeToString(sum[:])}, "\n")
			crSum := sha256.Sum256([]byte(canonical))
			sts := "TC3-HMAC-SHA256\n" + r.Header.Get("X-TC-Timestamp") + "\n" + date + "/" + service + "/tc3_request\n" + hex.EncodeToString(crSum[:])
			k := tc3HMAC([]byte("TC3"+secretKey), date)
			k = tc3HMAC(k, service)
			k = tc3HMAC(k, "tc3_request")
			got := hex.EncodeToString(tc3HMAC(k, sts))
			lines = append(lines, fmt.Sprintf("  signed as host:%s (service %q, SignedHeaders %s): match=%v", host, service, signed, got == sig))
		}
		return fmt.Sprintf("diagnosis of %s %s (Host header %q, Authorization %q):\n%s",
			r.Method, r.Header.Get("X-TC-Action"), r.Host, r.Authorization, strings.Join(lines, "\n"))
	}
	return "no TC3 request of the style " + wire + " was recorded"
}

func tc3HMAC(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
