package model

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// sdkModule is the official Go SDK's CVM package, pinned in go.mod.
const sdkModule = "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/cvm"

// sdkCodes reads, from the pinned SDK's client.go, the error codes the
// comment above each action's method lists ("可能返回的错误码:", then one
// "//  NAME = \"Code\"" line per code).
func sdkCodes(t *testing.T, actions ...string) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-json", sdkModule).Output()
	if err != nil {
		t.Fatalf("go list -m -json %s: %v", sdkModule, err)
	}
	var mod struct{ Path, Version, Dir string }
	if err := json.Unmarshal(out, &mod); err != nil {
		t.Fatalf("go list -m -json %s: %v", sdkModule, err)
	}
	if mod.Dir == "" {
		t.Fatalf("the module %s@%s is not in the module cache (go mod download)", mod.Path, mod.Version)
	}
	path := filepath.Join(mod.Dir, "v20170312", "client.go")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %q: %v", path, err)
	}
	text := string(src)
	codeLine := regexp.MustCompile(`(?m)^//\s+[A-Z0-9_]+ = "([^"]+)"$`)
	codes := map[string][]string{}
	for _, a := range actions {
		at := strings.Index(text, "func (c *Client) "+a+"(request")
		if at < 0 {
			t.Fatalf("%q has no method %s", path, a)
		}
		// The comment block right above the method.
		block := text[strings.LastIndex(text[:at], "\n}\n")+1 : at]
		for _, m := range codeLine.FindAllStringSubmatch(block, -1) {
			codes[a] = append(codes[a], m[1])
		}
		if len(codes[a]) == 0 {
			t.Fatalf("%q lists no error codes for %s: has the comment's form changed?", path, a)
		}
	}
	return codes
}

// TestModelKnowsEverySDKCode: every code the pinned SDK lists for the
// actions the model judges is accounted for by a rule or a ledger entry,
// so that a dependency bump that adds one fails here at once.
func TestModelKnowsEverySDKCode(t *testing.T) {
	t.Parallel()
	for action, codes := range sdkCodes(t, ActionStop, ActionStart, ActionDescribe) {
		for _, code := range codes {
			if _, ok := KnownCode(action, code); !ok {
				t.Errorf("%s: the SDK lists %s, which the model does not know: give it a rule's outcome or a SituationalCodes entry with its source", action, code)
			}
		}
	}
}
