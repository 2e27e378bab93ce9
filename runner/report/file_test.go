package report

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// entries lists the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	}
}

func TestWriteFile(t *testing.T) {
	t.Parallel()
	errRender := errors.New("render broke")
	for _, tc := range []struct {
		name     string
		old      string // "" = no file before
		render   func(io.Writer) error
		wantErr  error
		wantFile string
		reason   string
	}{
		{
			name: "new file", render: writeString("new\n"), wantFile: "new\n",
			reason: "the report appears",
		},
		{
			name: "replace", old: "old\n", render: writeString("new\n"), wantFile: "new\n",
			reason: "the report replaces the previous one whole",
		},
		{
			name: "render error keeps the old file", old: "old\n",
			render: func(w io.Writer) error {
				io.WriteString(w, strings.Repeat("half a report ", 1000)) // more than bufio's buffer
				return errRender
			},
			wantErr: errRender, wantFile: "old\n",
			reason: "a reader never sees half a report, and the previous one survives",
		},
		{
			name: "render error, no file before", render: func(io.Writer) error { return errRender },
			wantErr: errRender, reason: "nothing appears",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "report.json")
			if tc.old != "" {
				require.NoError(t, os.WriteFile(path, []byte(tc.old), 0o640))
			}
			err := WriteFile(path, tc.render)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr, tc.reason)
				require.ErrorContains(t, err, `"`+path+`"`, "the error quotes the path")
			} else {
				require.NoError(t, err, tc.reason)
			}
			got, err := os.ReadFile(path)
			if tc.wantFile == "" {
				require.ErrorIs(t, err, fs.ErrNotExist, tc.reason)
				require.Empty(t, entries(t, dir), "no temporary file left behind")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.wantFile, string(got), tc.reason)
			require.Equal(t, []string{"report.json"}, entries(t, dir), "no temporary file left behind")
			if tc.old != "" {
				fi, err := os.Stat(path)
				require.NoError(t, err)
				require.Equal(t, fs.FileMode(0o640), fi.Mode().Perm(), "a replaced report keeps its permissions")
			}
		})
	}
}

func TestWriteFileFailures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()

	missing := filepath.Join(dir, "no-such-dir", "r.json")
	err := WriteFile(missing, writeString("x"))
	require.ErrorIs(t, err, fs.ErrNotExist)
	require.ErrorContains(t, err, `report: writing "`+missing+`": `)

	// A directory in the way: the rename fails, the temporary file goes.
	sub := filepath.Join(dir, "sub")
	require.NoError(t, os.Mkdir(sub, 0o755))
	require.Error(t, WriteFile(sub, writeString("x")))
	require.Equal(t, []string{"sub"}, entries(t, dir), "no temporary file left behind")
}

func TestWriteFileNotRegular(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no /dev/null")
	}
	require.NoError(t, WriteFile(os.DevNull, writeString("x")), "a device is written directly")
	require.ErrorContains(t, WriteFile(os.DevNull, func(io.Writer) error { return errors.New("nope") }), "nope")
}

func TestWriteFileBareName(t *testing.T) {
	// Not parallel: it changes the working directory.
	t.Chdir(t.TempDir())
	require.NoError(t, WriteFile("r.json", writeString("x")))
	got, err := os.ReadFile("r.json")
	require.NoError(t, err)
	require.Equal(t, "x", string(got))
}

// statter is a writer with a Stat method, like *os.File.
type statter struct {
	io.Writer
	mode fs.FileMode
	err  error
}

func (s statter) Stat() (fs.FileInfo, error) { return fakeInfo{s.mode}, s.err }

type fakeInfo struct{ mode fs.FileMode }

func (f fakeInfo) Name() string       { return "f" }
func (f fakeInfo) Size() int64        { return 0 }
func (f fakeInfo) Mode() fs.FileMode  { return f.mode }
func (f fakeInfo) ModTime() time.Time { return time.Time{} }
func (f fakeInfo) IsDir() bool        { return false }
func (f fakeInfo) Sys() any           { return nil }

func TestIsTerminal(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	regular, err := os.Create(filepath.Join(t.TempDir(), "f"))
	require.NoError(t, err)
	defer regular.Close()
	for _, tc := range []struct {
		name   string
		w      io.Writer
		want   bool
		reason string
	}{
		{"buffer", &strings.Builder{}, false, "not a file"},
		{"pipe", w, false, "CI logs and | less"},
		{"regular file", regular, false, "> out.txt"},
		{"char device", statter{mode: fs.ModeDevice | fs.ModeCharDevice}, true, "a terminal is a character device"},
		{"stat error", statter{mode: fs.ModeCharDevice, err: errors.New("closed")}, false, "when in doubt, not a terminal"},
	} {
		require.Equal(t, tc.want, IsTerminal(tc.w), "%s: %s", tc.name, tc.reason)
	}
}

// TestWriteFileThroughLink: a link (as /dev/stdout is one) is written
// through in place and stays a link; renaming over it would turn it into
// a regular file and lose the report for whoever reads what it leads to.
func TestWriteFileThroughLink(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges")
	}
	dir := t.TempDir()
	target, link := filepath.Join(dir, "target.json"), filepath.Join(dir, "link.json")
	require.NoError(t, os.WriteFile(target, []byte("a much longer previous report\n"), 0o644))
	require.NoError(t, os.Symlink(target, link))
	require.NoError(t, WriteFile(link, writeString("new\n")))
	fi, err := os.Lstat(link)
	require.NoError(t, err)
	require.Equal(t, fs.ModeSymlink, fi.Mode().Type(), "the link stays a link")
	got, err := os.ReadFile(target)
	require.NoError(t, err)
	require.Equal(t, "new\n", string(got), "what the link leads to holds the report alone")
}

func TestCheckWritable(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no named pipes or /dev/null")
	}
	dir := t.TempDir()
	existing := filepath.Join(dir, "old.json")
	require.NoError(t, os.WriteFile(existing, []byte("x"), 0o644))
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	dangling := filepath.Join(dir, "dangling")
	require.NoError(t, os.Symlink(filepath.Join(dir, "nowhere", "x"), dangling))
	for _, tc := range []struct {
		name, path string
		wantErr    string // "" = writable
		reason     string
	}{
		{name: "new file", path: filepath.Join(dir, "new.json"), reason: "its directory takes a new file"},
		{name: "existing file", path: existing, reason: "it is replaced"},
		{name: "device", path: os.DevNull, reason: "a device is written in place"},
		{name: "named pipe without a reader", path: fifo, reason: "the reader may come later"},
		{name: "missing directory", path: filepath.Join(dir, "no", "such", "r.json"), wantErr: "its directory", reason: "refused before a run, not after it"},
		{name: "directory", path: dir, wantErr: "is a directory", reason: "a directory cannot hold a report's bytes"},
		{name: "file as directory", path: filepath.Join(existing, "r.json"), wantErr: "not a directory", reason: "the directory is a file"},
		{name: "dangling link", path: dangling, wantErr: "cannot write", reason: "a link is written through, and this one leads nowhere"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := CheckWritable(tc.path)
			if tc.wantErr == "" {
				require.NoError(t, err, tc.reason)
				return
			}
			require.ErrorContains(t, err, tc.wantErr, tc.reason)
			require.ErrorContains(t, err, `"`+tc.path+`"`, "the error quotes the path")
		})
	}
	t.Cleanup(func() { // after the parallel subtests
		require.Equal(t, []string{"dangling", "fifo", "old.json"}, entries(t, dir), "nothing left behind")
	})
}
