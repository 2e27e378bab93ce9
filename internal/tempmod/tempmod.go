// Package tempmod builds throw-away Go modules that require this one, for
// the tests that prove what a user outside the module sees: the
// conformancetest harness in an implementer's module, a generated
// reproduction program. It builds offline, from the module cache this
// module's own build filled.
package tempmod

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Path is this module's path, which a throw-away module requires.
const Path = "github.com/cvmconform/cvmconform"

// Write makes a module named name in a new temporary directory of t,
// requiring this module (at root, the checkout, through a replace), with
// this module's go.sum (so that every dependency resolves from the
// module cache), and the files given (path → content). It returns the
// directory.
func Write(t testing.TB, root, name string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	goMod := "module " + name + "\n\ngo 1.26\n\nrequire " + Path + " v0.0.0\n\nreplace " + Path + " => " + root + "\n"
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "go.mod"), goMod)
	write(t, filepath.Join(dir, "go.sum"), string(sum))
	for p, content := range files {
		write(t, filepath.Join(dir, p), content)
	}
	return dir
}

func write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Go runs the go command in dir, offline (GOPROXY=off: every module comes
// from the cache; -mod=mod: the go.sum copied in may name more than the
// module needs, and the go.mod's require list is completed from the
// cache), with the local toolchain and no workspace, bounded by limit,
// with env added to the environment.
// It returns the combined output and the error (an *exec.ExitError when
// the command ran and failed).
func Go(t testing.TB, dir string, limit time.Duration, env []string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	// "go" is the toolchain running the test: go test puts its GOROOT/bin
	// first on the PATH of the test binary.
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod -buildvcs=false", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	cmd.Env = append(cmd.Env, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}
