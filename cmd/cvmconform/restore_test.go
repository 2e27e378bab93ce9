package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// SIGINT ends a run and puts back what it moved; a second SIGINT, sent
// as soon as the restore begins, skips the rest of it, and the reports
// list every instance left changed. (Transitions take 2 s here, so that
// the restore has work to do when the second signal comes.)
func TestRunRestoresAfterSIGINT(t *testing.T) {
	t.Parallel()
	for _, twice := range []bool{false, true} {
		name := "once"
		if twice {
			name = "twice"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			jsonPath, junitPath := filepath.Join(dir, "report.json"), filepath.Join(dir, "report.xml")
			cmd := exec.Command(os.Args[0], "run", "--seed", "3", "--variant", "latency=2s", "--json", jsonPath, "--junit", junitPath)
			cmd.Env = append(os.Environ(), "CVMCONFORM_TEST_MAIN=1")
			var stdout strings.Builder
			cmd.Stdout = &stdout
			errPipe, err := cmd.StderrPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			var stderr strings.Builder
			restoring := false
			lines := bufio.NewScanner(errPipe)
			// The first signal once a check has waited for a transition
			// (2 s or more: it moved an instance), so that the lanes
			// beside it are moving theirs. The first SI-STATE line may
			// be a restricted state's check, which moves nothing.
			for lines.Scan() {
				stderr.WriteString(lines.Text() + "\n")
				if tookAtLeast(lines.Text(), 2*time.Second) {
					require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
					break
				}
			}
			for lines.Scan() {
				stderr.WriteString(lines.Text() + "\n")
				if strings.HasPrefix(lines.Text(), "restore: ") && strings.Contains(lines.Text(), "putting them back") {
					restoring = true
					if twice {
						require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
					}
				}
			}
			err = cmd.Wait()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "stderr: %s", stderr.String())
			require.Equal(t, exitUsage, exit.ExitCode(), "stderr: %s", stderr.String())
			require.True(t, restoring, "the restore says it begins\nstderr: %s", stderr.String())
			require.NotContains(t, stderr.String(), "could not be made", "the run was made, and cut short: its verdict says so")
			require.Contains(t, stdout.String(), "INCOMPLETE: the run did not reach its end: interrupted by SIGINT")

			b, err := os.ReadFile(jsonPath)
			require.NoError(t, err)
			var r struct {
				LeftChanged []map[string]string `json:"left_changed"`
			}
			require.NoError(t, json.Unmarshal(b, &r))
			junit, err := os.ReadFile(junitPath)
			require.NoError(t, err)
			if !twice {
				require.Contains(t, stderr.String(), "restore: every instance back as found")
				require.NotNil(t, r.LeftChanged, "the key is present")
				require.Empty(t, r.LeftChanged, "every instance is back: %s", stderr.String())
				require.NotContains(t, stdout.String(), "Left changed")
				return
			}
			require.Contains(t, stderr.String(), "restore stopped (interrupted again by SIGINT)")
			require.NotEmpty(t, r.LeftChanged, "what is left is listed\nstderr: %s", stderr.String())
			for _, l := range r.LeftChanged {
				require.NotEmpty(t, l["instance"])
				require.Contains(t, []string{"RUNNING", "STOPPED"}, l["found"])
				require.NotEqual(t, l["found"], l["left"])
				require.Contains(t, stdout.String(), l["instance"]+" found "+l["found"]+", left "+l["left"], "the console lists it")
				require.Contains(t, string(junit), l["instance"]+" found "+l["found"], "the JUnit report lists it")
			}
		})
	}
}

// tookAtLeast reports whether a progress line says its check took d or
// more: "pass  SI-STATE-01  …  (2.1s)", the time on the title's last line
// when it wraps.
func tookAtLeast(line string, d time.Duration) bool {
	m := regexp.MustCompile(`\((\d+(?:\.\d+)?)s\)$`).FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return false
	}
	took, err := time.ParseDuration(m[1] + "s")
	return err == nil && took >= d
}
